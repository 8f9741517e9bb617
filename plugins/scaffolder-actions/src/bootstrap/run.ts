import { RunRecorder } from '../core/runRecorder';
import type { SshExecutorOptions } from '../ssh';
import {
  BootstrapContext,
  BootstrapOutput,
  BootstrapRun,
  BootstrapRunContext,
  clusterNodes,
} from './context';
import {
  chooseBootstrapConcurrency,
  readControllerResources,
} from './concurrency';
import { loadNodes, loadPlan } from './load';
import {
  clusterInitialised,
  reconcileApiServerOidc,
} from './phases/apiServerOidc';
import { connectNodes } from './phases/connect';
import { initFirstControlPlane, installCni } from './phases/firstControlPlane';
import {
  joinControlPlanes,
  joinCredentials,
  joinWorkers,
  pendingJoins,
} from './phases/joinNodes';
import { installKpaasCp } from './phases/kpaasCp';
import { loadBalancers } from './phases/loadBalancers';
import { preflight, prepareNodes } from './phases/prepareNodes';
import {
  adminAccess,
  readerToken,
  registerCluster,
  verifyNodes,
} from './phases/register';

export type {
  BootstrapContext,
  BootstrapInput,
  BootstrapOutput,
} from './context';
export { endpointsWithInventory, NODE_SCRIPTS } from './load';

/**
 * kpaas:bootstrap (see ../actions/bootstrap.ts), as the steps a person would run: read
 * cluster.yaml, check who asks, read the machines, connect, preflight, prepare the nodes, load
 * balancers, the first control plane, the CNI, join the other control planes and the workers,
 * register, verify. Every step decides per node what is already done, so a re-run or a scale-up
 * does only what is missing.
 */
export async function runBootstrap(
  ctx: BootstrapContext,
): Promise<BootstrapOutput> {
  const { input, logger } = ctx;
  const { spec, scripts, privateKey, knownHosts, downloads } = await loadPlan(
    ctx,
  );
  const clusterName = spec.metadata.name;
  const { repoUrl } = await ctx.authorize(clusterName);
  const { inventory, endpoints, apiServerUrl } = await loadNodes(ctx, spec);
  const nodes = clusterNodes(inventory);
  // the template's concurrency, else every node in one round if this machine can afford it
  const concurrency =
    input.concurrency === undefined
      ? chooseBootstrapConcurrency(inventory.length, readControllerResources())
      : { concurrency: input.concurrency, reason: 'the concurrency input' };
  const runCtx: BootstrapRunContext = {
    ...ctx,
    input: { ...input, concurrency: concurrency.concurrency },
  };

  if (ctx.isDryRun) {
    logger.info(
      `dry run: would bootstrap ${clusterName} (${inventory.length} nodes: ${nodes.controlPlanes.length} control planes, ${nodes.workers.length} workers, ${nodes.lbs.length} lb) behind ${apiServerUrl}, ${concurrency.concurrency} at once (${concurrency.reason}); nothing was contacted`,
    );
    return {
      apiServerUrl,
      clusterName,
      nodes: nodes.k8s.map(n => ({
        name: n.name,
        roles: [n.role],
        kubeletVersion: spec.spec.kubernetes.version,
      })),
      hostKeys: [],
      phaseTimings: [],
    };
  }

  // one masker, the phase timings and the timeline (phase "bootstrap") for the whole run
  const recorder = new RunRecorder({
    phase: 'bootstrap',
    cluster: clusterName,
    client: ctx.client,
    logger,
    taskId: ctx.taskId,
    secrets: [
      privateKey,
      ctx.secrets?.sshPrivateKey,
      ctx.secrets?.sshPassphrase,
    ],
  });
  const log = recorder.logger;
  log.info(
    `${clusterName}: working on ${concurrency.concurrency} node${
      concurrency.concurrency === 1 ? '' : 's'
    } at once (${concurrency.reason})`,
  );
  const phase = <T>(name: string, fn: () => Promise<T>) =>
    recorder.phase(name, fn);
  const options: SshExecutorOptions = {
    privateKey,
    passphrase: ctx.secrets?.sshPassphrase,
    knownHosts,
    trustOnFirstUse:
      input.trustOnFirstUse ?? spec.spec.target.type !== 'existing',
    connectTimeoutMs: input.connectTimeoutSeconds * 1000,
    commandTimeoutMs: input.commandTimeoutSeconds * 1000,
    logger: log,
    masker: recorder.masker,
    signal: ctx.signal,
  };
  const connected = await connectNodes({
    ctx: runCtx,
    cluster: clusterName,
    inventory,
    recorder,
    options,
    scripts,
  });
  const run: BootstrapRun = {
    ctx: runCtx,
    spec,
    endpoints,
    apiServerUrl,
    nodes,
    recorder,
    downloads,
    privateKey,
    session: connected.session,
    script: connected.script,
    step: async (s, name, command, opts = {}) => {
      const start = Date.now();
      const r = await s.exec(name, command, opts);
      const seconds = ((Date.now() - start) / 1000).toFixed(1);
      log.info(`[${s.name}] ${name} done in ${seconds} s`);
      return r;
    },
  };

  try {
    await phase('preflight', () => preflight(run));
    const kpaasCp = spec.spec.kubernetes.installer === 'kpaas-cp';
    // cp-deployment's Kubespray prepares the nodes itself (CRI-O, kubelet, kernel settings)
    if (!kpaasCp) await phase('node prep', () => prepareNodes(run));
    if (nodes.lbs.length > 0 && endpoints.apiEndpointType === 'vip') {
      await phase('load balancers', () => loadBalancers(run));
    }
    if (kpaasCp) {
      await phase('kpaas-cp', () => installKpaasCp(run));
    } else {
      // initialised before this run: kubeadm init skips, the API servers are reconciled below
      const initialised = await clusterInitialised(run);
      await phase('kubeadm init', () => initFirstControlPlane(run));
      await phase('cni', () => installCni(run));
      const pending = await pendingJoins(run);
      if (pending.controlPlanes.length + pending.workers.length > 0) {
        const creds = await phase('join credentials', () =>
          joinCredentials(run, pending.controlPlanes.length > 0),
        );
        await phase('join control planes', () =>
          joinControlPlanes(run, pending.controlPlanes, creds),
        );
        await phase('join workers', () =>
          joinWorkers(run, pending.workers, creds),
        );
      } else {
        log.info('every node has already joined; nothing to do');
      }
      if (initialised) {
        await phase('api server oidc', () => reconcileApiServerOidc(run));
      }
    }

    const { kc, caPem } = await adminAccess(run);
    const token = await phase('read-only access', () => readerToken(run, kc));
    await phase('register', () =>
      registerCluster(run, { caPem, token, repoUrl }),
    );
    const ready = await phase('verify nodes', () => verifyNodes(run, kc));
    log.info(
      `${clusterName}: ${ready.length} nodes Ready behind ${apiServerUrl}`,
    );
    return {
      apiServerUrl,
      clusterName,
      nodes: ready,
      hostKeys: connected.hostKeys,
      phaseTimings: recorder.phaseTimings,
    };
  } finally {
    connected.close();
  }
}
