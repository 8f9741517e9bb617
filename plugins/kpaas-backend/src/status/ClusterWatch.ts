import type * as k8s from '@kubernetes/client-node';
import type { KubeClusterClient } from './KubeClusterClient';
import { NodeModel } from './NodeModel';
import { ObjectSet } from './ObjectSet';
import { Reflector } from './Reflector';

/*
 * The Kubernetes objects of one cluster's status that grow with the cluster, kept in memory by
 * LIST+WATCH: the nodes and the kubeadm static pods of kube-system. A burst of events (a
 * rolling restart, a zone outage) becomes one `onChange` call after `coalesceMs`; a change
 * that arrives while `onChange` runs schedules one more.
 */

export const STATIC_POD_SELECTOR = 'tier=control-plane';

export interface ClusterWatchOptions {
  /** The cluster's client, without an overall deadline (a watch runs for as long as it is held). */
  client: KubeClusterClient;
  coalesceMs: number;
  onChange(): Promise<void>;
  onError?(error: unknown): void;
  /** Retry delays of a failed watch (tests shorten them). */
  backoffMs?: number;
  maxBackoffMs?: number;
  watchTimeoutSeconds?: number;
}

export class ClusterWatch {
  readonly nodes = new NodeModel();
  readonly staticPods = new ObjectSet<k8s.V1Pod>();
  private readonly reflectors: Array<Reflector<any>>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly o: ClusterWatchOptions) {
    const { client } = o;
    const watch = client.watcher();
    const common = {
      watch,
      onError: o.onError,
      backoffMs: o.backoffMs,
      maxBackoffMs: o.maxBackoffMs,
      watchTimeoutSeconds: o.watchTimeoutSeconds,
    };
    this.reflectors = [
      new Reflector<k8s.V1Node>({
        ...common,
        what: 'nodes',
        path: '/api/v1/nodes',
        list: () => client.listNodesSnapshot(),
        onList: items => this.changed(this.nodes.replace(items)),
        onEvent: (type, node) =>
          this.changed(
            type === 'DELETED'
              ? this.nodes.remove(node.metadata?.name ?? '')
              : this.nodes.upsert(node),
          ),
      }),
      new Reflector<k8s.V1Pod>({
        ...common,
        what: 'pods in kube-system',
        path: '/api/v1/namespaces/kube-system/pods',
        labelSelector: STATIC_POD_SELECTOR,
        list: () => client.listPodsSnapshot('kube-system', STATIC_POD_SELECTOR),
        onList: items => this.changed(this.staticPods.replace(items)),
        onEvent: (type, pod) =>
          this.changed(
            type === 'DELETED'
              ? this.staticPods.remove(pod)
              : this.staticPods.upsert(pod),
          ),
      }),
    ];
  }

  /** LIST requests so far (one per kind, then one per 410 Gone). */
  get lists(): number {
    return this.reflectors.reduce((n, r) => n + r.lists, 0);
  }

  /** The first LIST of every kind (throws a KubeRequestError when one fails), then the watches. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.reflectors.map(r => r.start()));
    } catch (error) {
      await this.stop();
      throw error;
    }
    // the first LISTs are the caller's to use, not a change to report
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.reflectors.map(r => r.stop()));
    await this.running;
  }

  private changed(changed: boolean) {
    if (!changed || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.o.coalesceMs);
  }

  private flush() {
    this.timer = undefined;
    if (this.stopped) return;
    this.running = this.o
      .onChange()
      .catch(error => this.o.onError?.(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.changed(true);
        }
      });
  }
}
