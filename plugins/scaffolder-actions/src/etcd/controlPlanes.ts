import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
  ClusterRunRequest,
} from '../access/authorizeClusterRun';
import { KpaasBackendClient, readClusterInventory } from '../backendClient';
import { RunRecorder, RunRecorderOptions } from '../core/runRecorder';
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

/** What an action on a cluster's control planes is built with (the module passes its client). */
export interface ControlPlaneActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  permissions: PermissionsService;
  config?: Config;
  client?: KpaasBackendClient;
}

/** The action's kpaas-backend client (the module's, else its own) and its run guard. */
export function controlPlaneActionDeps(options: ControlPlaneActionOptions) {
  const client =
    options.client ??
    new KpaasBackendClient({
      discovery: options.discovery,
      auth: options.auth,
    });
  const guard = new ClusterRunGuard({
    permissions: options.permissions,
    client,
    servicePrincipals: actionServicePrincipalsFromConfig(options.config),
  });
  return { client, guard };
}

/**
 * The common start of kpaas:etcd-snapshot, kpaas:etcd-restore and kpaas:certs-renew, after their
 * own input checks: the initiator is authorized on the cluster (from its registered repository),
 * the run's recorder starts, and the control planes of the stored inventory are connected.
 */
export async function startControlPlaneRun(
  ctx: {
    input: { repoUrl?: string; sshUser?: string };
    task?: { id?: string };
    logger: RunRecorderOptions['logger'];
    signal?: AbortSignal;
    secrets?: Record<string, string>;
    getInitiatorCredentials(): Promise<BackstageCredentials>;
  },
  deps: ReturnType<typeof controlPlaneActionDeps>,
  run: {
    action: ClusterRunRequest['action'];
    phase: RunRecorderOptions['phase'];
    cluster: string;
    only?: string;
  },
): Promise<{ recorder: RunRecorder; controlPlanes: ControlPlaneSession[] }> {
  const { client, guard } = deps;
  const taskId = ctx.task?.id;
  await guard.authorize({
    action: run.action,
    cluster: run.cluster,
    newCluster: false,
    repoUrl: ctx.input.repoUrl,
    taskId,
    credentials: await ctx.getInitiatorCredentials(),
  });
  const recorder = new RunRecorder({
    phase: run.phase,
    cluster: run.cluster,
    client,
    logger: ctx.logger,
    taskId,
  });
  const controlPlanes = await connectControlPlanes({
    action: run.action,
    cluster: run.cluster,
    client,
    taskId,
    signal: ctx.signal,
    secrets: ctx.secrets,
    sshUser: ctx.input.sshUser ?? 'ubuntu',
    recorder,
    only: run.only,
  });
  return { recorder, controlPlanes };
}
