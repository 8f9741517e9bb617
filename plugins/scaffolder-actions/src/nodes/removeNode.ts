import * as k8s from '@kubernetes/client-node';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import type { RunRecorder } from '../core/runRecorder';
import type { SshNodeSession } from '../ssh';
import { DrainBlockedError, drainNode, setUnschedulable } from './drain';

/** What removing one node did. */
export interface RemovedNode {
  name: string;
  /** `namespace/name` of the pods evicted. */
  evicted: string[];
}

function codeOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Takes one worker out of the cluster, each step a phase on the timeline: cordon and drain
 * through the Eviction API (./drain.ts), `kubeadm reset -f` on the machine (the kubelet stops
 * and forgets the cluster), then the Node object deleted from the API. The reset comes before
 * the delete, the order kubeadm documents: a kubelet still running re-registers a deleted Node.
 *
 * A drain that a PodDisruptionBudget blocks stops here: the node is uncordoned again (it keeps
 * serving, nothing was removed) and the error names the pods that block it.
 */
export async function removeNode(options: {
  core: k8s.CoreV1Api;
  node: InventoryNode;
  /** SSH session to the node itself (for the reset). */
  session: SshNodeSession;
  drainTimeoutMs: number;
  recorder: RunRecorder;
  signal?: AbortSignal;
}): Promise<RemovedNode> {
  const { core, node, recorder } = options;
  const name = node.name;
  let inApi = true;
  try {
    await core.readNode({ name });
  } catch (e) {
    if (codeOf(e) !== 404) throw e;
    inApi = false;
    recorder.logger.info(
      `[${name}] is not a node of the API (already deleted): nothing to drain`,
    );
  }
  let evicted: string[] = [];
  if (inApi) {
    evicted = await recorder.phase(`drain ${name}`, async () => {
      try {
        return (
          await drainNode(core, {
            node: name,
            timeoutMs: options.drainTimeoutMs,
            logger: recorder.logger,
            signal: options.signal,
          })
        ).evicted;
      } catch (e) {
        if (e instanceof DrainBlockedError) {
          // not removed: give the node back to the scheduler
          await setUnschedulable(core, name, false);
          recorder.logger.warn(
            `[${name}] uncordoned again: the drain did not finish, so the node stays in the cluster`,
          );
        }
        throw e;
      }
    });
  }
  await recorder.phase(`reset ${name}`, async () => {
    await options.session.exec('kubeadm reset', 'kubeadm reset -f');
  });
  await recorder.phase(`delete ${name}`, async () => {
    try {
      await core.deleteNode({ name });
      recorder.logger.info(`[${name}] deleted from the API`);
    } catch (e) {
      if (codeOf(e) !== 404) throw e;
    }
  });
  return { name, evicted };
}
