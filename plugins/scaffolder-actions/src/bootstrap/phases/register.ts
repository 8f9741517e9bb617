import type * as k8s from '@kubernetes/client-node';
import { checkpointKey, type BootstrapRun } from '../context';
import {
  adminKubeConfig,
  ensureReaderToken,
  ReadyNode,
  waitForNodesReady,
} from '../kube';

/** The cluster's admin kubeconfig, read from the first control plane into memory only. */
export async function adminAccess(
  run: BootstrapRun,
): Promise<{ kc: k8s.KubeConfig; caPem?: string }> {
  const cp1 = run.session(run.nodes.firstCp);
  const adminConf = (
    await cp1.readFile('/etc/kubernetes/admin.conf')
  ).toString();
  const access = adminKubeConfig(adminConf, run.apiServerUrl);
  for (const u of access.kc.getUsers()) {
    run.recorder.addSecret(u.token);
    run.recorder.addSecret(u.keyData);
  }
  return access;
}

/** The read-only ServiceAccount kpaas-backend uses for status: its token, created once. */
export async function readerToken(
  run: BootstrapRun,
  kc: k8s.KubeConfig,
): Promise<string> {
  const reader = await ensureReaderToken(kc, 60_000, run.ctx.signal);
  run.recorder.addSecret(reader.token);
  run.recorder.logger.info(
    reader.created.length
      ? `created ${reader.created.join(', ')} kpaas-reader (read-only)`
      : 'read-only ServiceAccount kpaas-reader already exists',
  );
  return reader.token;
}

/**
 * Registers the cluster with kpaas-backend (API URL, CA, the reader token, cluster.yaml and the
 * repository the run came from); from then on its inventory and state are the cluster's.
 */
export async function registerCluster(
  run: BootstrapRun,
  args: { caPem?: string; token: string; repoUrl?: string },
): Promise<void> {
  const { ctx, spec } = run;
  const name = spec.metadata.name;
  await ctx.checkpoint({
    key: checkpointKey('register', name),
    fn: async () => {
      try {
        await ctx.client.registerCluster(
          {
            name,
            apiServerUrl: run.apiServerUrl,
            caData: args.caPem,
            serviceAccountToken: args.token,
            spec,
            taskId: ctx.taskId,
            ...(args.repoUrl ? { repoUrl: args.repoUrl } : {}),
          },
          ctx.signal,
        );
      } catch (e) {
        throw new Error(`registering ${name} with kpaas-backend failed: ${e}`);
      }
      run.recorder.logger.info(`registered ${name} with kpaas-backend`);
    },
  });
}

/** Waits until every control plane and worker is registered and Ready. */
export async function verifyNodes(
  run: BootstrapRun,
  kc: k8s.KubeConfig,
): Promise<ReadyNode[]> {
  return waitForNodesReady(
    kc,
    run.nodes.k8s.map(n => n.name),
    run.ctx.input.nodeReadyTimeoutSeconds * 1000,
    run.ctx.signal,
  );
}
