import { InputError } from '@backstage/errors';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import { KpaasBackendClient, readClusterInventory } from '../backendClient';
import type { RunRecorder } from '../core/runRecorder';
import { connectNode, readTaskPrivateKey, SshNodeSession } from '../ssh';

/** A control plane of the cluster with its SSH session. */
export interface ControlPlaneSession {
  node: InventoryNode;
  session: SshNodeSession;
}

/**
 * The cluster's control planes from its inventory in kpaas-backend (after the run is
 * authorized), connected with verified host keys. `only` picks one by name.
 */
export async function connectControlPlanes(opts: {
  action: string;
  cluster: string;
  client: KpaasBackendClient;
  taskId?: string;
  signal?: AbortSignal;
  secrets?: Record<string, string>;
  sshUser: string;
  recorder: RunRecorder;
  only?: string;
}): Promise<ControlPlaneSession[]> {
  const inventory = await readClusterInventory(opts.client, opts.cluster, {
    taskId: opts.taskId,
    signal: opts.signal,
    action: opts.action,
  });
  let nodes = inventory.filter(n => n.role === 'control-plane');
  if (opts.only) {
    nodes = nodes.filter(n => n.name === opts.only);
    if (nodes.length === 0) {
      throw new InputError(
        `${opts.action}: node "${
          opts.only
        }" is not a control plane of cluster "${
          opts.cluster
        }"; use one of ${inventory
          .filter(n => n.role === 'control-plane')
          .map(n => n.name)
          .join(', ')}`,
      );
    }
  }
  if (nodes.length === 0) {
    throw new InputError(
      `${opts.action}: the inventory of cluster "${opts.cluster}" has no control-plane node; run kpaas:provision again`,
    );
  }
  const privateKey = readTaskPrivateKey(opts.secrets);
  opts.recorder.addSecret(privateKey);
  opts.recorder.addSecret(opts.secrets?.sshPassphrase);
  const sessions: ControlPlaneSession[] = [];
  try {
    for (const node of nodes) {
      const session = await connectNode(
        {
          name: node.name,
          host: node.address,
          port: node.port,
          user: node.user ?? opts.sshUser,
          hostKeyFingerprint: node.hostKeyFingerprint,
        },
        {
          privateKey,
          passphrase: opts.secrets?.sshPassphrase,
          logger: opts.recorder.logger,
          masker: opts.recorder.masker,
          signal: opts.signal,
        },
      );
      sessions.push({ node, session });
    }
  } catch (e) {
    for (const s of sessions) s.session.close();
    throw e;
  }
  return sessions;
}
