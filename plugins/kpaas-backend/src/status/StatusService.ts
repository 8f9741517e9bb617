import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type {
  AddonCatalog,
  ClusterStatus,
  ClusterSummary,
} from '@internal/plugin-kpaas-common';
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ClusterConnection,
  ClusterRecord,
  ClusterRegistry,
} from '../registry/ClusterRegistry';
import {
  collectClusterStatus,
  deriveState,
  emptyStatus,
  IncompleteStatusError,
  Observed,
  withObserved,
} from './collectStatus';
import { ClusterWatch } from './ClusterWatch';
import { KubeClusterClient } from './KubeClusterClient';
import { Memo, ServedBody, serializeStatus, toMemo } from './servedBody';
import { LinkProber } from './LinkProber';
import type { RefreshClaims } from './RefreshClaims';
import type { ClusterNetworks } from '../network/ClusterNetworks';

/*
 * Computes cluster statuses and serves them fast:
 *  - the scheduled refresh runs on every replica; each claims due clusters in the database
 *    (RefreshClaims), so a cluster is computed once per interval across all replicas and the
 *    work spreads over them, with bounded concurrency and a deadline per cluster; results go
 *    to the shared cache (Redis in production);
 *  - every replica serves from an in-process copy (pre-serialised, tagged and gzipped: a
 *    1000-node status is ~1.2 MB of JSON) and revalidates it against the cache in the
 *    background after `memoTtlMs`;
 *  - a cluster that was never computed is computed on demand ("cold"), once, however many
 *    requests ask at the same time;
 *  - an unreachable cluster backs off exponentially (capped, shared through the claims), so it
 *    costs nothing in most intervals; failures of one cluster are data in its status, never an
 *    exception;
 *  - the next refresh of a cluster is due one interval after the previous one finished, so
 *    two node LISTs of one cluster are at least one interval apart;
 *  - a replica that dies mid-refresh leaves a claim that expires after one interval (or the
 *    cluster deadline plus a margin, if longer); another replica then takes the cluster over;
 *  - nodes and static pods (what grows with the cluster) are LISTed once, then WATCHed by the
 *    replica that refreshed the cluster (ClusterWatch): it keeps the refresh claim, renewing it
 *    every tick, and stops watching when it loses it. A change re-derives only the nodes that
 *    changed and stores a new status after `coalesceMs`; the rest of the status (version,
 *    /readyz, certificate, add-on workloads, CRDs, routes, backups, link probes) is still
 *    polled every interval by that replica.
 */

export interface StatusServiceOptions {
  registry: ClusterRegistry;
  cache: CacheService;
  /** Who refreshes which cluster, across replicas (database). */
  claims: RefreshClaims;
  logger: LoggerService;
  catalog?: AddonCatalog;
  /** Where cluster connections may go (kpaas.clusterNetworks). */
  networks: ClusterNetworks;
  prober?: LinkProber;
  /** Per Kubernetes request. Default 5 s. */
  requestTimeoutMs?: number;
  /** Whole status of one cluster. Default 15 s. */
  clusterTimeoutMs?: number;
  /** Clusters refreshed at the same time. Default 10. */
  concurrency?: number;
  /** Refresh interval, the base of the backoff. Default 30 s. */
  intervalMs?: number;
  /** Backoff cap for unreachable clusters. Default 10 min. */
  maxBackoffMs?: number;
  /** A cluster registered this recently and not yet healthy is Provisioning. Default 15 min. */
  provisioningGraceMs?: number;
  /** How long a replica serves its in-process copy before re-reading the cache. Default 2 s. */
  memoTtlMs?: number;
  /** Cache entry lifetime. Default 1 h. */
  cacheTtlMs?: number;
  /** Keep nodes and static pods by LIST+WATCH instead of a LIST per refresh. Default true. */
  watch?: boolean;
  /** How long a burst of watch events is collected before the status is stored. Default 1 s. */
  coalesceMs?: number;
  /** First retry delay of a failed watch (doubles, capped at 30 s). Default 500 ms. */
  watchBackoffMs?: number;
  /** How long the API server keeps one WATCH open before it is resumed. Default 5-10 min. */
  watchTimeoutSeconds?: number;
}

export type { ServedBody, ServedStatus } from './servedBody';

/** A cluster this replica watches (and holds the refresh claim of). */
interface Session {
  cluster: ClusterRecord;
  watch: ClusterWatch;
}

interface Backoff {
  failures: number;
  nextAttemptAt: number;
}

/** How long a claim outlives a cluster's deadline (writing the result, a slow database). */
export const CLAIM_MARGIN_MS = 5000;

/**
 * The lease of a refresh claim: at least one interval (so a dead replica's cluster is not asked
 * again sooner than once per interval) and longer than one cluster's deadline.
 */
export function claimLeaseMs(intervalMs: number, clusterTimeoutMs: number) {
  return Math.max(intervalMs, clusterTimeoutMs + CLAIM_MARGIN_MS);
}

/** `<etag>\n<json>`: one entry, so a reader never pairs a body with another body's tag. */
const cacheKey = (name: string) => `status-v2:${name}`;
const etagKey = (name: string) => `status-etag:${name}`;
/** Set once a registration was seen Healthy: from then on a problem is Degraded, not Provisioning. */
const settledKey = (name: string) => `status-settled:${name}`;
/** Set while a replica watches the cluster: its stored status is current, nobody waits for it. */
const watcherKey = (name: string) => `status-watcher:${name}`;

export class StatusService {
  private readonly memo = new Map<string, Memo>();
  private readonly inflight = new Map<string, Promise<ServedBody>>();
  private readonly revalidating = new Set<string>();
  private readonly sessions = new Map<string, Session>();
  private readonly prober: LinkProber;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly o: Required<
    Omit<
      StatusServiceOptions,
      | 'catalog'
      | 'prober'
      | 'registry'
      | 'cache'
      | 'claims'
      | 'logger'
      | 'networks'
      | 'watchTimeoutSeconds'
    >
  >;

  constructor(private readonly options: StatusServiceOptions) {
    this.prober =
      options.prober ?? new LinkProber({ networks: options.networks });
    this.o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      clusterTimeoutMs: options.clusterTimeoutMs ?? 15000,
      concurrency: options.concurrency ?? 10,
      intervalMs: options.intervalMs ?? 30000,
      maxBackoffMs: options.maxBackoffMs ?? 10 * 60 * 1000,
      watch: options.watch ?? true,
      coalesceMs: options.coalesceMs ?? 1000,
      watchBackoffMs: options.watchBackoffMs ?? 500,
      provisioningGraceMs: options.provisioningGraceMs ?? 15 * 60 * 1000,
      memoTtlMs: options.memoTtlMs ?? 2000,
      cacheTtlMs: options.cacheTtlMs ?? 60 * 60 * 1000,
    };
    this.limit = pLimit(this.o.concurrency);
  }

  /**
   * The stored status (in-process copy, else shared cache), without computing. An expired
   * in-process copy is still served while it is revalidated in the background (a small ETag
   * read; the body is only fetched when another replica stored a newer status), so requests
   * never wait for the cache.
   */
  async peek(name: string): Promise<ServedBody | undefined> {
    const memo = this.memo.get(name);
    if (memo) {
      if (Date.now() - memo.readAt >= this.o.memoTtlMs)
        this.revalidate(name, memo);
      return memo;
    }
    return this.readCache(name);
  }

  private revalidate(name: string, memo: Memo) {
    if (this.revalidating.has(name)) return;
    this.revalidating.add(name);
    this.options.cache
      .get<string>(etagKey(name))
      .then(async etag => {
        if (etag === memo.etag) memo.readAt = Date.now();
        else await this.readCache(name);
      })
      .catch(error =>
        this.options.logger.warn(
          `kpaas: cannot read the cached status of ${name}: ${error}`,
        ),
      )
      .finally(() => this.revalidating.delete(name));
  }

  private async readCache(name: string): Promise<ServedBody | undefined> {
    const cached = await this.options.cache.get<string>(cacheKey(name));
    const newline = typeof cached === 'string' ? cached.indexOf('\n') : -1;
    if (typeof cached !== 'string' || newline < 0) return this.memo.get(name);
    const etag = cached.slice(0, newline);
    const current = this.memo.get(name);
    if (current && current.etag === etag) {
      current.readAt = Date.now();
      return current;
    }
    // Neither hashed nor parsed here: the tag is stored with it, and the status object is
    // parsed only when something asks for it (a replica that serves the body never does).
    const json = cached.slice(newline + 1);
    const fresh = toMemo(() => JSON.parse(json), json, etag);
    this.memo.set(name, fresh);
    return fresh;
  }

  private async store(name: string, memo: Memo) {
    this.memo.set(name, memo);
    await this.options.cache.set(cacheKey(name), `${memo.etag}\n${memo.json}`, {
      ttl: this.o.cacheTtlMs,
    });
    await this.options.cache.set(etagKey(name), memo.etag, {
      ttl: this.o.cacheTtlMs,
    });
  }

  /** The stored status, or computed now when there is none (cold). */
  async get(cluster: ClusterRecord): Promise<ServedBody> {
    return (await this.peek(cluster.name)) ?? this.refresh(cluster);
  }

  /**
   * Computes one cluster now, due or not (deduplicated with a computation already running
   * here; when another replica is computing it, that replica's result is returned).
   */
  refresh(cluster: ClusterRecord): Promise<ServedBody> {
    let pending = this.inflight.get(cluster.name);
    if (!pending) {
      pending = this.claimAndCompute(cluster).finally(() =>
        this.inflight.delete(cluster.name),
      );
      this.inflight.set(cluster.name, pending);
    }
    return pending;
  }

  private async claimAndCompute(cluster: ClusterRecord): Promise<ServedBody> {
    const { claims } = this.options;
    // Watched here: this replica holds the claim.
    if (this.sessions.has(cluster.name)) return this.computeClaimed(cluster, 0);
    const deadline = Date.now() + this.claimMs() * 2;
    for (;;) {
      const claim = await claims.claim(cluster.name);
      if (claim) return this.computeClaimed(cluster, claim.failures);
      // Another replica computes it: wait for its claim to end (or, when it watches the
      // cluster, for its first status), then serve what it stored.
      while (
        (await claims.isClaimed(cluster.name)) &&
        !(await this.watchedElsewhere(cluster.name)) &&
        Date.now() < deadline
      )
        await sleep(100);
      const stored = await this.readCache(cluster.name);
      if (stored) return stored;
      if (Date.now() >= deadline) {
        throw new Error(
          `the status of ${cluster.name} is being computed by another replica, which has not stored it`,
        );
      }
    }
  }

  private claimMs(): number {
    return claimLeaseMs(this.o.intervalMs, this.o.clusterTimeoutMs);
  }

  private async watchedElsewhere(name: string): Promise<boolean> {
    const watcher = await this.options.cache.get<string>(watcherKey(name));
    return (
      typeof watcher === 'string' &&
      watcher !== this.options.claims.replicaId &&
      (await this.options.cache.get(cacheKey(name))) !== undefined
    );
  }

  /**
   * Computes a claimed cluster and stores the result; then either keeps the claim (the cluster
   * is watched here) or releases it with its next due time.
   */
  private async computeClaimed(
    cluster: ClusterRecord,
    failures: number,
  ): Promise<ServedBody> {
    let memo: Memo | undefined;
    try {
      memo = await this.compute(cluster);
      return memo;
    } finally {
      const ok = memo ? memo.status.api.reachable && !memo.status.stale : false;
      const session = this.sessions.get(cluster.name);
      if (ok && session) {
        session.cluster = cluster;
        // keeps the claim; the polled parts are due again in one interval
        await this.options.claims
          .renew(cluster.name, Date.now() + this.o.intervalMs)
          .catch(error =>
            this.options.logger.warn(
              `kpaas: cannot renew the refresh claim of ${cluster.name}: ${error}`,
            ),
          );
      } else {
        await this.release(cluster.name, ok, failures);
      }
    }
  }

  /** Stops watching (if this replica does) and releases the claim with the next due time. */
  private async release(
    name: string,
    ok: boolean,
    failures: number,
    dueNow = false,
  ) {
    await this.stopWatching(name);
    const next = ok ? 0 : failures + 1;
    const delay = ok
      ? this.o.intervalMs
      : Math.min(this.o.intervalMs * 2 ** (next - 1), this.o.maxBackoffMs);
    await this.options.claims
      .release(name, Date.now() + (dueNow ? 0 : delay), next)
      .catch(error =>
        this.options.logger.warn(
          `kpaas: cannot release the refresh claim of ${name}: ${error}`,
        ),
      );
  }

  /** Starts watching a claimed cluster's nodes and static pods (first LISTs included). */
  private async observe(
    cluster: ClusterRecord,
    connection: ClusterConnection,
  ): Promise<Observed & { nodesJson: string }> {
    let session = this.sessions.get(cluster.name);
    if (!session) {
      const watch = new ClusterWatch({
        // no overall deadline: the watch runs as long as this replica holds the claim
        client: new KubeClusterClient(connection, {
          requestTimeoutMs: this.o.requestTimeoutMs,
          networks: this.options.networks,
        }),
        coalesceMs: this.o.coalesceMs,
        backoffMs: this.o.watchBackoffMs,
        watchTimeoutSeconds: this.options.watchTimeoutSeconds,
        onChange: () => this.watchChanged(cluster.name),
        onError: error =>
          this.options.logger.debug(
            `kpaas: watch of ${cluster.name}: ${
              (error as Error)?.message ?? error
            }`,
          ),
      });
      await watch.start();
      session = { cluster, watch };
      this.sessions.set(cluster.name, session);
      await this.options.cache.set(
        watcherKey(cluster.name),
        this.options.claims.replicaId,
        { ttl: this.claimMs() },
      );
    }
    const { watch } = session;
    return {
      nodes: watch.nodes.statuses(),
      staticPods: watch.staticPods.list(),
      nodesJson: watch.nodes.json(),
    };
  }

  /** A watch saw a change: the stored status with the current nodes and static pods. */
  private async watchChanged(name: string): Promise<void> {
    const session = this.sessions.get(name);
    const current = this.memo.get(name);
    if (!session || !current?.status.api.reachable) return;
    const { watch } = session;
    let status = withObserved(
      { ...current.status, checkedAt: new Date().toISOString() },
      { nodes: watch.nodes.statuses(), staticPods: watch.staticPods.list() },
    );
    status = await this.withProvisioning(session.cluster, status);
    if (this.sessions.get(name) !== session) return; // stopped meanwhile
    const nodesJson =
      status.nodes === watch.nodes.statuses() ? watch.nodes.json() : undefined;
    await this.store(name, toMemo(status, serializeStatus(status, nodesJson)));
  }

  private async stopWatching(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    await session.watch.stop();
    if (
      (await this.options.cache.get(watcherKey(name))) ===
      this.options.claims.replicaId
    )
      await this.options.cache.delete(watcherKey(name));
  }

  /** Clusters this replica watches (diagnostics, tests). */
  watching(): Map<string, ClusterWatch> {
    return new Map([...this.sessions].map(([n, s]) => [n, s.watch]));
  }

  /**
   * Keeps the claims of the watched clusters (a lost claim stops the watch) and returns those
   * whose polled parts are due.
   */
  private async renewWatched(): Promise<string[]> {
    const due: string[] = [];
    for (const name of [...this.sessions.keys()]) {
      const held = await this.options.claims.renew(name).catch(() => undefined);
      if (!held) {
        this.options.logger.info(
          `kpaas: another replica refreshes ${name} now; stopped watching it`,
        );
        await this.stopWatching(name);
        continue;
      }
      await this.options.cache.set(
        watcherKey(name),
        this.options.claims.replicaId,
        {
          ttl: this.claimMs(),
        },
      );
      if (held.nextDueMs <= Date.now()) due.push(name);
    }
    return due;
  }

  /** Stops every watch and hands the claims back (shutdown): another replica takes over. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.sessions.keys()].map(name => this.release(name, true, 0, true)),
    );
  }

  /** Forgets a deleted cluster. */
  async forget(name: string): Promise<void> {
    await this.stopWatching(name);
    this.memo.delete(name);
    await this.options.claims.forget(name);
    await this.options.cache.delete(cacheKey(name));
    await this.options.cache.delete(etagKey(name));
    await this.options.cache.delete(settledKey(name));
  }

  /**
   * The scheduled refresh (on every replica): claims due clusters one by one, `concurrency` at a
   * time, until none is due or `signal` aborts (shutdown, the task's timeout); clusters another
   * replica claimed, and those backing off, are left.
   */
  async refreshAll(
    signal?: AbortSignal,
  ): Promise<{ refreshed: number; skipped: number }> {
    const { claims, logger, registry } = this.options;
    const clusters = await registry.list();
    const byName = new Map(clusters.map(c => [c.name, c]));
    await claims.ensure([...byName.keys()]);
    let refreshed = 0;
    // Watched here and deleted since: no longer watched.
    for (const name of [...this.sessions.keys()])
      if (!byName.has(name) && !(await registry.get(name)))
        await this.forget(name);
    // Watched here: the polled parts of those due, under the same concurrency.
    const polls = (await this.renewWatched()).map(name =>
      this.limit(async () => {
        const cluster = byName.get(name) ?? (await registry.get(name));
        if (!cluster) return this.forget(name); // deleted
        if (this.inflight.has(name) || signal?.aborted) return undefined;
        refreshed++;
        const run = this.computeClaimed(cluster, 0);
        this.inflight.set(name, run);
        return run
          .then(() => undefined)
          .catch(error =>
            logger.warn(`kpaas: status refresh of ${name} failed: ${error}`),
          )
          .finally(() => this.inflight.delete(name));
      }),
    );
    // Workers start one at a time, each after the previous one got a claim: when nothing is
    // due a run costs one query, not one per worker.
    const workers: Promise<void>[] = [];
    const worker = async () => {
      while (!signal?.aborted) {
        const [claim] = await claims.claimDue(1);
        if (!claim) return;
        if (workers.length < Math.max(1, this.o.concurrency))
          workers.push(this.limit(worker));
        // registered after this run listed the clusters: the registry has it
        const cluster =
          byName.get(claim.cluster) ?? (await registry.get(claim.cluster));
        if (!cluster) {
          await claims.forget(claim.cluster); // deleted
          continue;
        }
        refreshed++;
        const run = this.computeClaimed(cluster, claim.failures);
        this.inflight.set(cluster.name, run);
        await run
          .catch(error =>
            logger.warn(
              `kpaas: status refresh of ${cluster.name} failed: ${error}`,
            ),
          )
          .finally(() => this.inflight.delete(cluster.name));
      }
    };
    workers.push(this.limit(worker));
    // workers.length grows while they run
    for (let i = 0; i < workers.length; i++) await workers[i];
    await Promise.all(polls);
    return { refreshed, skipped: clusters.length - refreshed };
  }

  private async compute(cluster: ClusterRecord): Promise<Memo> {
    const { registry, logger, catalog } = this.options;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.o.clusterTimeoutMs);
    let status: ClusterStatus;
    let nodesJson: string | undefined;
    try {
      const connection = await registry.getConnection(cluster.name);
      if (!connection)
        throw new Error(`cluster ${cluster.name} is not registered`);
      const client = new KubeClusterClient(connection, {
        requestTimeoutMs: this.o.requestTimeoutMs,
        networks: this.options.networks,
        signal: deadline.signal,
      });
      status = await collectClusterStatus({
        client,
        cluster,
        catalog,
        prober: this.prober,
        ...(this.o.watch
          ? {
              observe: async () => {
                const observed = await this.observe(cluster, connection);
                nodesJson = observed.nodesJson;
                return observed;
              },
            }
          : {}),
      });
    } catch (error) {
      const now = new Date().toISOString();
      if (error instanceof IncompleteStatusError) {
        const previous = await this.peek(cluster.name);
        if (previous) {
          // Keep serving the last complete status; say why it is not newer.
          status = {
            ...previous.status,
            stale: true,
            staleReason: error.message,
            attemptedAt: now,
          };
        } else {
          status = {
            ...emptyStatus(cluster.name, now, error.api),
            state: 'Degraded',
            reason: `${error.message}; no complete status yet`,
          };
        }
      } else {
        logger.warn(
          `kpaas: cannot compute the status of ${cluster.name}: ${
            (error as Error).message
          }`,
        );
        status = {
          ...emptyStatus(cluster.name, now, {
            reachable: false,
            checks: [],
            error: (error as Error).message,
          }),
          reason: (error as Error).message,
        };
      }
    } finally {
      clearTimeout(timer);
    }

    status = await this.withProvisioning(cluster, status);
    const watched = this.sessions.get(cluster.name)?.watch;
    const memo = toMemo(
      status,
      serializeStatus(
        status,
        watched && status.nodes === watched.nodes.statuses()
          ? nodesJson
          : undefined,
      ),
    );
    await this.store(cluster.name, memo);
    return memo;
  }

  /** Backoff state (shared by the replicas), for tests and diagnostics. */
  async backoffOf(name: string): Promise<Backoff | undefined> {
    const state = await this.options.claims.state(name);
    if (!state || state.failures === 0) return undefined;
    return { failures: state.failures, nextAttemptAt: state.nextDueMs };
  }

  /**
   * Provisioning: a timeline entry is running, or the cluster was registered less than
   * `provisioningGraceMs` ago and has not been healthy yet (add-ons still rolling out). Once a
   * registration was seen Healthy (remembered in the shared cache, so every replica agrees), a
   * NotReady node is Degraded even inside the grace period.
   */
  private async withProvisioning(
    cluster: ClusterRecord,
    status: ClusterStatus,
  ): Promise<ClusterStatus> {
    const running = await this.options.registry.runningEntry(cluster.name);
    if (running) {
      return {
        ...status,
        state: 'Provisioning',
        reason: `${running.phase} ${running.step} running since ${
          running.startedAt
        }${
          status.state !== 'Healthy' && status.reason
            ? `; ${status.reason}`
            : ''
        }`,
      };
    }
    const inGrace =
      cluster.source === 'registered' &&
      Date.now() - Date.parse(cluster.createdAt) < this.o.provisioningGraceMs;
    if (!inGrace) return status;
    const settled = settledKey(cluster.name);
    if (status.state === 'Healthy') {
      await this.options.cache.set(settled, cluster.createdAt, {
        ttl: this.o.provisioningGraceMs,
      });
    } else if (
      (await this.options.cache.get<string>(settled)) !== cluster.createdAt
    ) {
      return {
        ...status,
        state: 'Provisioning',
        reason: `registered ${cluster.createdAt}, still settling: ${
          status.reason ?? status.state
        }`,
      };
    }
    return status;
  }

  /** Re-applies the Provisioning rule after a timeline event, without asking the cluster. */
  async timelineChanged(cluster: ClusterRecord): Promise<void> {
    const current = await this.peek(cluster.name);
    if (!current) return;
    // Strip a previous Provisioning overlay by re-deriving from the stored parts.
    const base: ClusterStatus = current.status.api.reachable
      ? { ...current.status, ...deriveState(current.status) }
      : {
          ...current.status,
          state: 'Unreachable',
          reason: current.status.api.error,
        };
    const status = await this.withProvisioning(cluster, base);
    await this.store(cluster.name, toMemo(status, serializeStatus(status)));
  }

  /** A list item: from the stored status; clusters never computed are reported as such. */
  async summary(cluster: ClusterRecord): Promise<ClusterSummary> {
    const served = await this.peek(cluster.name);
    const base = {
      name: cluster.name,
      entityRef: cluster.entityRef,
      apiServerUrl: cluster.apiServerUrl,
      source: cluster.source,
      ...fleetLabels(cluster),
    };
    if (!served) {
      const recent =
        Date.now() - Date.parse(cluster.createdAt) < this.o.provisioningGraceMs;
      const running = await this.options.registry.runningEntry(cluster.name);
      return {
        ...base,
        state:
          running || (recent && cluster.source === 'registered')
            ? 'Provisioning'
            : 'Unreachable',
        reason: running
          ? `${running.phase} ${running.step} running since ${running.startedAt}`
          : 'not checked yet; the next refresh will check it',
        nodes: { ready: 0, total: 0 },
        controlPlanes: { ready: 0, total: 0 },
        addons: { healthy: 0, total: 0 },
      };
    }
    const s = served.status;
    return {
      ...base,
      state: s.state,
      reason: s.reason,
      kubernetesVersion: s.api.version,
      nodes: {
        ready: s.nodes.filter(n => n.ready).length,
        total: s.nodes.length,
      },
      controlPlanes: {
        ready: s.controlPlane.ready,
        total: s.controlPlane.total,
      },
      addons: {
        healthy: s.addons.filter(a => a.state === 'Healthy').length,
        total: s.addons.length,
      },
      checkedAt: s.checkedAt,
      ...(s.stale ? { stale: true } : {}),
    };
  }
}

/** Owner, environment and target of a registration, for the fleet list (absent when unknown). */
function fleetLabels(
  cluster: ClusterRecord,
): Pick<ClusterSummary, 'owner' | 'environment' | 'target'> {
  const spec = cluster.spec as
    | {
        metadata?: { environment?: unknown };
        spec?: { target?: { type?: unknown } };
      }
    | undefined;
  const environment = spec?.metadata?.environment;
  const target = spec?.spec?.target?.type;
  return {
    ...(cluster.owner ? { owner: cluster.owner } : {}),
    ...(typeof environment === 'string' ? { environment } : {}),
    ...(typeof target === 'string' ? { target } : {}),
  };
}
