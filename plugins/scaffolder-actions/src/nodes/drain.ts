import * as k8s from '@kubernetes/client-node';
import type { StepLogger } from '../ssh';

/*
 * Cordon and drain a node through the Kubernetes API, the way `kubectl drain` does it: the node
 * is marked unschedulable, then every pod on it is evicted through the Eviction API
 * (policy/v1), so PodDisruptionBudgets decide; DaemonSet pods and static (mirror) pods stay, as
 * their controllers would put them back. An eviction a budget refuses (429) is retried until the
 * timeout; then the drain stops with the pods that block it and the budgets' words.
 */

/** A pod the drain could not evict, and why (the API server's message). */
export interface BlockingPod {
  namespace: string;
  name: string;
  reason: string;
}

/** The drain did not finish: the pods still on the node and why. The node stays cordoned. */
export class DrainBlockedError extends Error {
  constructor(
    readonly node: string,
    readonly blocking: BlockingPod[],
    timeoutMs: number,
  ) {
    super(
      `drain of node ${node} stopped after ${Math.round(timeoutMs / 1000)} s: ${
        blocking.length
      } pod(s) could not be evicted:\n${blocking
        .map(p => `  - ${p.namespace}/${p.name}: ${p.reason}`)
        .join(
          '\n',
        )}\nLet the PodDisruptionBudget allow a disruption (more replicas, or a lower minAvailable), or move the pods yourself, then run again`,
    );
    this.name = 'DrainBlockedError';
  }
}

/** The drain was cancelled (the task's signal). */
export class DrainCancelledError extends Error {
  constructor(node: string) {
    super(`drain of node ${node} was cancelled`);
    this.name = 'DrainCancelledError';
  }
}

export interface DrainOptions {
  /** The node's name in the API. */
  node: string;
  /** Longest time the evictions and the pods' termination may take. */
  timeoutMs: number;
  logger: StepLogger;
  signal?: AbortSignal;
  /** First wait between eviction rounds (default 500 ms, grows to 5 s). */
  pollMs?: number;
}

export interface DrainResult {
  /** `namespace/name` of every pod evicted. */
  evicted: string[];
  /** Pods left on the node on purpose (DaemonSet, static pods). */
  skipped: Array<{ pod: string; reason: string }>;
}

const podRef = (p: k8s.V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

function codeOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's words of a refused request: Status.message and its causes. */
function messageOf(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  try {
    const status = typeof body === 'string' ? JSON.parse(body) : body;
    const causes = (status?.details?.causes ?? [])
      .map((c: { message?: string }) => c.message)
      .filter(Boolean);
    if (status?.message) {
      return [status.message, ...causes].join(' ');
    }
  } catch {
    // not a Status body
  }
  return String((e as Error)?.message ?? e);
}

function wait(ms: number, signal: AbortSignal | undefined, node: string) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DrainCancelledError(node));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DrainCancelledError(node));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sets spec.unschedulable (true: cordon, false: uncordon). */
export async function setUnschedulable(
  core: k8s.CoreV1Api,
  node: string,
  unschedulable: boolean,
): Promise<void> {
  await core.patchNode(
    { name: node, body: { spec: { unschedulable } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** Why a pod stays on the node during a drain, or undefined when it is evicted. */
export function drainSkipReason(pod: k8s.V1Pod): string | undefined {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined)
    return 'static pod (the kubelet runs it from its manifest)';
  const owner = pod.metadata?.ownerReferences?.find(o => o.controller);
  if (owner?.kind === 'DaemonSet') return `DaemonSet ${owner.name}`;
  return undefined;
}

/**
 * Cordons `node` and evicts its pods through the Eviction API, honouring PodDisruptionBudgets,
 * until none is left or `timeoutMs` passes. Resolves with the pods evicted and the ones left on
 * purpose; throws {@link DrainBlockedError} naming the pods still there and why (the node stays
 * cordoned: uncordon it with {@link setUnschedulable} to give it back), or
 * {@link DrainCancelledError}.
 */
export async function drainNode(
  core: k8s.CoreV1Api,
  options: DrainOptions,
): Promise<DrainResult> {
  const { node, logger, signal } = options;
  const deadline = Date.now() + options.timeoutMs;
  await setUnschedulable(core, node, true);
  logger.info(`[${node}] cordoned`);

  const evicted = new Set<string>();
  const skipped = new Map<string, string>();
  let blocking = new Map<string, BlockingPod>();
  let pause = options.pollMs ?? 500;
  for (;;) {
    if (signal?.aborted) throw new DrainCancelledError(node);
    const pods = (
      await core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${node}`,
      })
    ).items;
    const toEvict = pods.filter(p => {
      const why = drainSkipReason(p);
      if (why) skipped.set(podRef(p), why);
      return !why;
    });
    if (toEvict.length === 0) break;
    const refused = new Map<string, BlockingPod>();
    for (const pod of toEvict) {
      const ref = podRef(pod);
      // already evicted, still terminating: wait for it to go
      if (pod.metadata?.deletionTimestamp) {
        refused.set(ref, {
          namespace: pod.metadata.namespace!,
          name: pod.metadata.name!,
          reason: 'still terminating',
        });
        continue;
      }
      try {
        await core.createNamespacedPodEviction({
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: {
              name: pod.metadata!.name!,
              namespace: pod.metadata!.namespace!,
            },
          },
        });
        evicted.add(ref);
        logger.info(`[${node}] evicted ${ref}`);
      } catch (e) {
        const code = codeOf(e);
        if (code === 404) continue; // gone meanwhile
        if (code !== 429 && code !== 500) throw e;
        // 429: a budget allows no disruption now; 500: the pod is under two budgets
        refused.set(ref, {
          namespace: pod.metadata!.namespace!,
          name: pod.metadata!.name!,
          reason: messageOf(e),
        });
      }
    }
    blocking = refused;
    if (blocking.size === 0) continue; // list again: were they all gone?
    if (Date.now() >= deadline) {
      throw new DrainBlockedError(
        node,
        [...blocking.values()],
        options.timeoutMs,
      );
    }
    await wait(
      Math.min(pause, Math.max(0, deadline - Date.now())),
      signal,
      node,
    );
    pause = Math.min(5000, Math.round(pause * 1.5));
  }
  for (const [pod, reason] of skipped) {
    logger.info(`[${node}] left ${pod} on the node: ${reason}`);
  }
  logger.info(
    `[${node}] drained: ${evicted.size} pod(s) evicted, ${skipped.size} left on purpose`,
  );
  return {
    evicted: [...evicted],
    skipped: [...skipped].map(([pod, reason]) => ({ pod, reason })),
  };
}
