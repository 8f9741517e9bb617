import type { InventoryNode, KubeadmArg } from '@internal/plugin-kpaas-common';
import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';
import {
  APISERVER_MANIFEST,
  apiServerOidcExtraArgs,
  clusterConfigurationOidcArgs,
  oidcArgChanges,
  oidcCaEnv,
  readApiServerManifest,
  RunningApiServer,
} from '../apiServerOidc';
import { apiServerPodHash, apiServerReadyz } from '../apiServerHealth';
import type { BootstrapRun } from '../context';
import {
  parseKeyValues,
  API_SERVER_BIND_PORT,
  kubeadmInitConfig,
} from '../plan';
import { adminAccess } from './register';

/*
 * OIDC for a cluster that already runs: kubeadm-init.sh skips an initialised control plane, so
 * adding the Keycloak add-on or spec.access.oidc to cluster.yaml changes the API servers only
 * here. kubeadm's documented reconfiguration, one control plane at a time: the issuer CA, the
 * ClusterConfiguration kpaas derives, `kubeadm init phase control-plane apiserver` (the kubelet
 * restarts kube-apiserver from the new manifest), wait until that API server is ready again,
 * then the next; finally `kubeadm init phase upload-config kubeadm` once, so kubeadm-config
 * (what joins and upgrades read) says the same. Nothing happens when every control plane
 * already runs the desired flags.
 */

/** Result of the reconciliation, for the log and the tests. */
export type ApiServerOidcResult =
  | { state: 'unchanged' }
  | { state: 'reconfigured'; nodes: string[] };

/** Was the first control plane initialised before this run (kubeadm-init.sh will skip it)? */
export async function clusterInitialised(run: BootstrapRun): Promise<boolean> {
  const r = await run
    .session(run.nodes.firstCp)
    .exec(
      'init state',
      'test -s /etc/kubernetes/admin.conf && echo initialised || echo new',
      { quiet: true },
    );
  return r.stdout.trim() === 'initialised';
}

const POLL_MS = 1000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('cancelled'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('cancelled'));
      },
      { once: true },
    );
  });
}

/** The kubeadm config for one control plane, at the Kubernetes version it runs (no upgrade here). */
function nodeConfig(
  run: BootstrapRun,
  node: InventoryNode,
  version: string | undefined,
): string {
  const text = kubeadmInitConfig(run.spec, run.endpoints, node);
  if (!version || version === run.spec.spec.kubernetes.version) return text;
  return yaml
    .parseAllDocuments(text)
    .map(d => {
      const doc = d.toJS();
      if (doc.kind === 'ClusterConfiguration') doc.kubernetesVersion = version;
      return yaml.stringify(doc);
    })
    .join('---\n');
}

/** The OIDC flags kube-system/kubeadm-config holds; undefined when there is no such ConfigMap. */
async function kubeadmConfigOidcArgs(
  kc: k8s.KubeConfig,
): Promise<KubeadmArg[] | undefined> {
  try {
    const cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({
      namespace: 'kube-system',
      name: 'kubeadm-config',
    });
    const text = cm.data?.ClusterConfiguration;
    return text === undefined ? undefined : clusterConfigurationOidcArgs(text);
  } catch (e) {
    if ((e as { code?: number })?.code === 404) return undefined;
    throw e;
  }
}

async function readRunning(
  run: BootstrapRun,
  node: InventoryNode,
): Promise<RunningApiServer> {
  let text: string;
  try {
    text = (await run.session(node).readFile(APISERVER_MANIFEST)).toString();
  } catch (e) {
    throw new Error(
      `${node.name}: cannot read ${APISERVER_MANIFEST} (${
        (e as Error).message
      }); a control plane of an initialised cluster has it. Check the node (kubeadm reset leaves none), or remove it from the inventory`,
    );
  }
  try {
    return readApiServerManifest(text);
  } catch (e) {
    throw new Error(
      `${node.name}: ${APISERVER_MANIFEST} is not what kubeadm writes: ${
        (e as Error).message
      }`,
    );
  }
}

/**
 * Brings the OIDC flags of every control plane's kube-apiserver to what cluster.yaml asks for,
 * one control plane at a time; a control plane that does not come back stops the rollout there.
 */
export async function reconcileApiServerOidc(
  run: BootstrapRun,
): Promise<ApiServerOidcResult> {
  const { nodes, recorder, ctx } = run;
  const log = recorder.logger;
  const desired = apiServerOidcExtraArgs(run.spec);
  const running = new Map<string, RunningApiServer>();
  for (const cp of nodes.controlPlanes) {
    running.set(cp.name, await readRunning(run, cp));
  }
  const stale = nodes.controlPlanes.filter(cp => {
    const changes = oidcArgChanges(running.get(cp.name)!.oidcArgs, desired);
    if (changes.length) {
      log.info(
        `[${cp.name}] kube-apiserver OIDC flags differ: ${changes.join('; ')}`,
      );
    }
    return changes.length > 0;
  });
  const { kc, caPem } = await adminAccess(run);
  // a run that stopped after the last control plane and before the upload left it stale
  const stored = await kubeadmConfigOidcArgs(kc);
  const configChanges = stored ? oidcArgChanges(stored, desired) : [];
  if (configChanges.length) {
    log.info(
      `kube-system/kubeadm-config OIDC flags differ: ${configChanges.join(
        '; ',
      )}`,
    );
  }
  if (stale.length === 0 && configChanges.length === 0) {
    log.info(
      `kube-apiserver OIDC flags unchanged: every control plane runs what spec.access asks for (${
        desired.length ? 'OIDC on' : 'OIDC off'
      })`,
    );
    return { state: 'unchanged' };
  }
  if (!caPem && stale.length) {
    throw new Error(
      `${nodes.firstCp.name}: /etc/kubernetes/admin.conf has no certificate-authority-data; kpaas needs the cluster CA to check each API server before the next one`,
    );
  }
  const timeoutMs = ctx.input.nodeReadyTimeoutSeconds * 1000;
  const done: string[] = [];
  for (const cp of stale) {
    const s = run.session(cp);
    const address = cp.privateAddress ?? cp.address;
    const untouched = stale
      .slice(done.length + 1)
      .map(n => n.name)
      .join(', ');
    const stopped = `The rollout stopped at ${cp.name}: ${
      untouched ? `${untouched} not changed, ` : ''
    }kube-system/kubeadm-config not updated${
      done.length ? `; ${done.join(', ')} already run the new flags` : ''
    }.`;
    const hashBefore = await apiServerPodHash(kc, cp.name);
    const dir = await s.uploadFiles('.kpaas', [
      {
        name: 'kubeadm-reconfigure.yaml',
        content: nodeConfig(run, cp, running.get(cp.name)!.version),
        mode: 0o600,
      },
    ]);
    let backup = '';
    try {
      const r = await run.step(
        s,
        'kubeadm init phase control-plane apiserver',
        run.script(s, 'kubeadm-reconfigure.sh'),
        {
          env: {
            PHASE: 'apiserver',
            NODE_NAME: cp.name,
            KUBEADM_CONFIG: `${dir}/kubeadm-reconfigure.yaml`,
            ...oidcCaEnv(run.spec),
          },
        },
      );
      backup = parseKeyValues(r.stdout).backup ?? '';
    } catch (e) {
      throw new Error(
        `${
          cp.name
        }: step "kubeadm init phase control-plane apiserver" failed: ${
          (e as Error).message
        }. ${stopped} Fix what the step reports on ${
          cp.name
        } and re-run kpaas-cluster-apply.`,
      );
    }
    if (hashBefore === undefined) {
      log.warn(
        `[${cp.name}] no mirror pod kube-system/kube-apiserver-${cp.name}; waiting for /readyz only`,
      );
    }
    const deadline = Date.now() + timeoutMs;
    let last = 'not asked yet';
    for (;;) {
      const hash = await apiServerPodHash(kc, cp.name).catch(() => undefined);
      const restarted =
        hashBefore === undefined || (hash !== undefined && hash !== hashBefore);
      try {
        const r = await apiServerReadyz(
          s,
          address,
          API_SERVER_BIND_PORT,
          caPem!,
        );
        last = `readyz ${r.status} ${r.detail}`;
        if (r.status === 200 && restarted) break;
        if (r.status === 200)
          last =
            'readyz 200, but the kubelet has not restarted kube-apiserver yet';
      } catch (e) {
        last = `readyz: ${(e as Error).message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${cp.name}: kube-apiserver did not come back within ${
            ctx.input.nodeReadyTimeoutSeconds
          } s after "kubeadm init phase control-plane apiserver" (last: ${last}). ${stopped} Fix: on ${
            cp.name
          } look at the container (crictl ps -a --name kube-apiserver; crictl logs <id>): a wrong spec.access.oidc value or an unreadable /etc/kubernetes/pki/oidc-ca.crt is the usual cause; correct cluster.yaml and re-run kpaas-cluster-apply${
            backup
              ? `, or put the previous manifest back (cp ${backup} ${APISERVER_MANIFEST})`
              : ''
          }.`,
        );
      }
      await sleep(POLL_MS, ctx.signal);
    }
    done.push(cp.name);
    log.info(`[${cp.name}] kube-apiserver ready with the new OIDC flags`);
  }

  const cp1 = run.session(nodes.firstCp);
  const dir = await cp1.uploadFiles('.kpaas', [
    {
      name: 'kubeadm-reconfigure.yaml',
      content: nodeConfig(
        run,
        nodes.firstCp,
        running.get(nodes.firstCp.name)!.version,
      ),
      mode: 0o600,
    },
  ]);
  try {
    await run.step(
      cp1,
      'kubeadm init phase upload-config kubeadm',
      run.script(cp1, 'kubeadm-reconfigure.sh'),
      {
        env: {
          PHASE: 'upload-config',
          NODE_NAME: nodes.firstCp.name,
          KUBEADM_CONFIG: `${dir}/kubeadm-reconfigure.yaml`,
        },
      },
    );
  } catch (e) {
    throw new Error(
      `${
        nodes.firstCp.name
      }: step "kubeadm init phase upload-config kubeadm" failed: ${
        (e as Error).message
      }. Every control plane runs the new flags, but kube-system/kubeadm-config does not say so yet: control planes that join now would start without them. Fix what the step reports and re-run kpaas-cluster-apply (it uploads the configuration again).`,
    );
  }
  log.info(
    done.length
      ? `kube-apiserver OIDC flags applied on ${done.join(
          ', ',
        )}; kube-system/kubeadm-config updated`
      : 'kube-system/kubeadm-config updated (every control plane already ran the OIDC flags)',
  );
  return { state: 'reconfigured', nodes: done };
}
