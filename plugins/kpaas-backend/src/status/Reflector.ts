import type * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * One kind of one cluster kept current like client-go's reflector: a (paged) LIST, then a
 * WATCH from the list's resourceVersion with bookmarks, resumed from the last seen
 * resourceVersion when the stream ends, a new LIST only on 410 Gone (the version was
 * compacted away), and exponential backoff (capped, with jitter) on failures. The wire
 * format is client-node's Watch; client-node's ListWatch is not used because it asks for no
 * bookmarks and stops for good on the first error other than 410.
 */

export interface KubeObjectLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ListSnapshot<T> {
  items: T[];
  resourceVersion: string;
}

export interface ReflectorOptions<T extends KubeObjectLike> {
  /** For messages: `nodes`, `pods in kube-system`. */
  what: string;
  /** Collection path, e.g. `/api/v1/nodes`. */
  path: string;
  labelSelector?: string;
  list(): Promise<ListSnapshot<T>>;
  watch: Pick<k8s.Watch, 'watch'>;
  /** The whole collection after a LIST (initial or after 410 Gone). */
  onList(items: T[]): void;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void;
  /** A failed watch or re-LIST (the reflector retries by itself). */
  onError?(error: unknown): void;
  /** Longest wait for the watch's response headers. Default 10 s. */
  connectTimeoutMs?: number;
  /** First retry delay; doubles per consecutive failure. Default 500 ms. */
  backoffMs?: number;
  /** Retry delay cap. Default 30 s. */
  maxBackoffMs?: number;
  /** How long the server keeps one WATCH open. Default 5-10 min (spread, like client-go). */
  watchTimeoutSeconds?: number;
}

/** A watch that ended this quickly without an event counts as a failure (backoff). */
const MIN_HEALTHY_WATCH_MS = 1000;

export class Reflector<T extends KubeObjectLike> {
  /** LIST requests made (the initial one, then one per 410 Gone). */
  lists = 0;
  /** WATCH requests made. */
  watches = 0;
  private resourceVersion = '';
  private stopped = false;
  private readonly abort = new AbortController();
  private endWatch?: () => void;
  private running?: Promise<void>;

  constructor(private readonly o: ReflectorOptions<T>) {}

  /** The first LIST (throws when it fails), then the watch loop in the background. */
  async start(): Promise<void> {
    await this.relist();
    this.running = this.loop();
  }

  /** Ends the watch and any pending retry; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.endWatch?.();
    await this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async relist() {
    this.lists++;
    const snapshot = await this.o.list();
    if (this.stopped) return;
    this.o.onList(snapshot.items);
    this.resourceVersion = snapshot.resourceVersion;
  }

  private async loop() {
    let failures = 0;
    while (!this.stopped) {
      let failed: unknown;
      try {
        if (!this.resourceVersion) await this.relist();
        if (this.stopped) return;
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          this.resourceVersion = ''; // re-LIST at once: not a failure
          failures = 0;
          continue;
        }
        if (outcome === 'healthy') {
          failures = 0;
          continue;
        }
        failed = new Error(`watch of ${this.o.what} ended at once`);
      } catch (error) {
        failed = error;
      }
      if (this.stopped) return;
      this.o.onError?.(failed);
      failures++;
      const cap = this.o.maxBackoffMs ?? 30_000;
      const base = Math.min(
        cap,
        (this.o.backoffMs ?? 500) * 2 ** (failures - 1),
      );
      try {
        await sleep(base / 2 + Math.random() * (base / 2), undefined, {
          signal: this.abort.signal,
          ref: false,
        });
      } catch {
        return; // stopped
      }
    }
  }

  /**
   * One WATCH request: `gone` on 410 (an ERROR event or the HTTP status), `healthy` when it
   * ran a while or delivered events, `short` when it ended at once; throws when it could not
   * start.
   */
  private watchOnce(): Promise<'gone' | 'healthy' | 'short'> {
    this.watches++;
    const startedAt = Date.now();
    let events = 0;
    let gone = false;
    return new Promise((resolve, reject) => {
      let settled = false;
      let request: AbortController | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        this.endWatch = undefined;
        request?.abort();
        if (gone) resolve('gone');
        else if (error && !this.stopped) reject(error);
        else if (events > 0 || Date.now() - startedAt >= MIN_HEALTHY_WATCH_MS)
          resolve('healthy');
        else resolve(this.stopped ? 'healthy' : 'short');
      };
      this.endWatch = () => finish();
      const connectTimer = setTimeout(
        () => finish(new Error(`watch of ${this.o.what}: no response`)),
        this.o.connectTimeoutMs ?? 10_000,
      );
      const onEvent = (type: string, object: any) => {
        if (settled) return;
        if (type === 'ERROR') {
          if (object?.code === 410) gone = true;
          return; // the server ends the stream after it
        }
        const rv = object?.metadata?.resourceVersion;
        if (typeof rv === 'string' && rv) this.resourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          events++;
          this.o.onEvent(type, object as T);
        }
      };
      const onDone = (error: any) => {
        if (error?.statusCode === 410 || error?.code === 410) gone = true;
        // An abort we asked for is not an error.
        finish(error?.name === 'AbortError' ? undefined : error ?? undefined);
      };
      this.o.watch
        .watch(
          this.o.path,
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            // the server ends the stream after 5-10 min (spread), like client-go
            timeoutSeconds:
              this.o.watchTimeoutSeconds ??
              300 + Math.floor(Math.random() * 300),
            ...(this.o.labelSelector
              ? { labelSelector: this.o.labelSelector }
              : {}),
          },
          onEvent,
          onDone,
        )
        .then(
          controller => {
            clearTimeout(connectTimer);
            request = controller;
            if (settled) controller.abort();
          },
          error => finish(error),
        );
    });
  }
}
