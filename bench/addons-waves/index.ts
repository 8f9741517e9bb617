/*
 * kpaas:addons scheduling benchmark: the full add-on set (every helm add-on of the pack that can
 * be installed together: vault rather than openbao, no kpaas-cp-portal) installed through the
 * real SSH path (rig node, `helm` stand-in) against the Kubernetes API stand-in, with simulated
 * readiness delays (real install times scaled 1:100).
 *
 * Figures, same run:
 *   - wall time of the kpaas install (DAG scheduling, concurrency 20);
 *   - the critical path of the dependency DAG, from the measured per-add-on durations of that run;
 *   - a sequential install of the same steps the way seed B does it (one after the other, plus its
 *     `sleep 40` after MetalLB, scaled 1:100 → 400 ms), on a second node and API stand-in.
 * Target: wall ≤ 1.15 × critical path.
 */
import * as k8s from '@kubernetes/client-node';
import {
  KubeApiStandIn,
  SshNodeRig,
  execOnNode,
  generateNodes,
  startKubeApiStandIn,
  startSshNodes,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { buildAddonPlan, AddonPlan } from '../../plugins/scaffolder-actions/src/addons/plan';
import { AddonCluster } from '../../plugins/scaffolder-actions/src/addons/cluster';
import { SshRemoteShell } from '../../plugins/scaffolder-actions/src/addons/remoteShell';
import { installAddons } from '../../plugins/scaffolder-actions/src/addons/waves';
import { SecretMasker, connectNode } from '../../plugins/scaffolder-actions/src/ssh';

const ROOT = path.resolve(__dirname, '../..');
const HELM_STANDIN = path.join(ROOT, 'packages/testkit/standins/helm');
const SCALE = 100;
const SEED_B_SLEEP_MS = 40_000 / SCALE;

const catalogText = fs.readFileSync(path.join(ROOT, 'values/addons.yaml'), 'utf8');
const catalog = yaml.parse(catalogText) as { addons: any[] };
const ids = catalog.addons
  .filter(a => a.type === 'helm' && a.id !== 'openbao')
  .map(a => a.id as string);

/** Scaled install time per add-on (ms): heavier stacks take longer. */
function readinessDelay(id: string): number {
  const heavy: Record<string, number> = {
    'kube-prometheus-stack': 3000,
    harbor: 2500,
    keycloak: 2000,
    loki: 1500,
    vault: 1500,
    'istio-base': 300,
  };
  if (heavy[id]) return heavy[id];
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 400 + (h % 8) * 150;
}

function chartFixtures() {
  const charts: Record<string, any> = {};
  for (const a of catalog.addons.filter(x => ids.includes(x.id))) {
    const workloads = (a.readiness ?? [])
      .filter((r: any) => r.name && (!r.namespace || r.namespace === a.helm.namespace))
      .map((r: any) => ({ kind: r.kind, name: r.name }));
    const crds: any[] = [];
    if (a.id === 'metallb') {
      crds.push({ name: 'ipaddresspools.metallb.io', kind: 'IPAddressPool', version: 'v1beta1' });
      crds.push({ name: 'l2advertisements.metallb.io', kind: 'L2Advertisement', version: 'v1beta1' });
    }
    if (a.id === 'istio-base') {
      const kinds: Record<string, string> = {
        peerauthentications: 'PeerAuthentication',
        authorizationpolicies: 'AuthorizationPolicy',
        virtualservices: 'VirtualService',
        destinationrules: 'DestinationRule',
        gateways: 'Gateway',
        telemetries: 'Telemetry',
      };
      for (const name of catalog.addons.find(x => x.id === 'istiod').requiresCrds) {
        crds.push({ name, kind: kinds[name.split('.')[0]], version: 'v1' });
      }
    }
    if (a.id === 'cert-manager') {
      crds.push({ name: 'clusterissuers.cert-manager.io', kind: 'ClusterIssuer', version: 'v1', scope: 'Cluster' });
      crds.push({ name: 'certificates.cert-manager.io', kind: 'Certificate', version: 'v1' });
    }
    const services = a.exposesLoadBalancer
      ? [{ name: a.helm.releaseName, type: 'LoadBalancer', port: 80 }]
      : [];
    charts[a.helm.chart] = { crds, workloads, services };
  }
  // two releases share the opentelemetry-collector chart: fixtures per release
  charts['otel-logs'] = { workloads: [{ kind: 'DaemonSet', name: 'otel-logs' }] };
  charts['opentelemetry-collector'] = {
    workloads: [{ kind: 'Deployment', name: 'opentelemetry-collector' }],
  };
  return charts;
}

/** Plays the controllers: ready `delay(release)` after a workload appears; LB IPs once a pool exists. */
function simulateControllers(standIn: KubeApiStandIn, delayOfRelease: (release: string) => number) {
  const seen = new Map<string, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
      for (const obj of standIn.store.list({ apiVersion: 'apps/v1', kind })) {
        const key = `${obj.metadata!.uid}`;
        if (!seen.has(key)) seen.set(key, now);
        const s = obj.status ?? {};
        const ready =
          kind === 'DaemonSet'
            ? s.numberReady > 0 && s.numberReady >= s.desiredNumberScheduled
            : (s.readyReplicas ?? 0) >= (obj.spec?.replicas ?? 1);
        const release = obj.metadata!.labels?.['app.kubernetes.io/instance'] ?? '';
        if (ready || now - seen.get(key)! < delayOfRelease(release)) continue;
        const ns = obj.metadata!.namespace!;
        const name = obj.metadata!.name!;
        if (kind === 'Deployment') standIn.setDeploymentReady(ns, name, true);
        if (kind === 'StatefulSet') standIn.setStatefulSetReady(ns, name, true);
        if (kind === 'DaemonSet') standIn.setDaemonSetReady(ns, name, true);
      }
    }
    let pools: unknown[] = [];
    try {
      pools = standIn.store.list({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool' });
    } catch {
      /* CRD not there yet */
    }
    if (pools.length > 0) {
      for (const svc of standIn.store.list({ apiVersion: 'v1', kind: 'Service' })) {
        if (svc.spec?.type === 'LoadBalancer' && !svc.status?.loadBalancer?.ingress) {
          standIn.store.update(
            { ...svc, status: { loadBalancer: { ingress: [{ ip: '10.10.0.199' }] } } },
            { scope: 'all' },
          );
        }
      }
    }
  }, 20);
  return () => clearInterval(timer);
}

function clusterYaml(addonIds: string[]) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'bench', owner: 'group:default/platform', environment: 'dev' },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: 'bench-cp-1', role: 'control-plane', address: '10.10.0.11' },
          { name: 'bench-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: '10.10.0.199',
        domain: 'bench.example.com',
      },
      addons: addonIds.map(id => ({ id })),
    },
  });
}

async function runOnce(
  rig: SshNodeRig,
  nodeIndex: number,
  plan: AddonPlan,
  mode: 'kpaas' | 'seed-b',
): Promise<{ wallMs: number; durations: Map<string, number>; failed: string[] }> {
  const node = rig.nodes[nodeIndex];
  const standIn = await startKubeApiStandIn({ fixture: generateNodes(2) as any });
  const releaseDelay = new Map(plan.addons.map(a => [a.release!, readinessDelay(a.id)]));
  const stop = simulateControllers(standIn, r => releaseDelay.get(r) ?? 500);
  await execOnNode(
    rig,
    node.name,
    'mkdir -p /etc/kubernetes /etc/kpaas-helm && cat > /etc/kubernetes/admin.conf',
    { stdin: standIn.kubeconfigYaml() },
  );
  await execOnNode(rig, node.name, 'cat > /etc/kpaas-helm/charts.json', {
    stdin: JSON.stringify(chartFixtures()),
  });
  const masker = new SecretMasker();
  const logger = { info: () => {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const session = await connectNode(
    { name: node.name, host: node.host, port: node.port, user: 'root', hostKeyFingerprint: node.hostKeyFingerprint },
    { privateKey: rig.privateKey, logger, masker },
  );
  const kc = new k8s.KubeConfig();
  kc.loadFromString(standIn.kubeconfigYaml());
  const durations = new Map<string, number>();
  const started = Date.now();
  try {
    const results = await installAddons({
      plan,
      shell: new SshRemoteShell(session),
      cluster: new AddonCluster(kc, { pollMinMs: 50, pollMaxMs: 100 }),
      logger,
      concurrency: mode === 'kpaas' ? 20 : 1,
      timeoutMs: 120_000,
      workDir: `.kpaas/bench-${mode}`,
      hooks: {
        checkpoint: async ({ key, fn }) => {
          const t0 = Date.now();
          const r = await fn();
          const id = key.split('.')[2];
          // seed B: `sleep 40` after MetalLB before its pool (scaled)
          if (mode === 'seed-b' && id === 'metallb') {
            await new Promise(res => setTimeout(res, SEED_B_SLEEP_MS));
          }
          durations.set(id, Date.now() - t0);
          return r;
        },
        addSecret: v => masker.add(v),
      },
    });
    return {
      wallMs: Date.now() - started,
      durations,
      failed: results.filter(r => r.status === 'failed').map(r => `${r.id}: ${r.reason}`),
    };
  } finally {
    stop();
    session.close();
    await standIn.close();
  }
}

function criticalPath(plan: AddonPlan, durations: Map<string, number>) {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  for (const a of plan.addons) {
    let start = 0;
    let from: string | undefined;
    for (const d of a.dependsOn) {
      if ((finish.get(d) ?? 0) > start) {
        start = finish.get(d)!;
        from = d;
      }
    }
    finish.set(a.id, start + (durations.get(a.id) ?? 0));
    via.set(a.id, from);
  }
  let end = [...finish.entries()].sort((x, y) => y[1] - x[1])[0];
  const chain: string[] = [];
  for (let id: string | undefined = end[0]; id; id = via.get(id)) chain.unshift(id);
  return { ms: end[1], chain };
}

async function main() {
  const workspace = fs.mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-bench-addons-'));
  const plan = buildAddonPlan({
    specText: clusterYaml(ids),
    catalogText,
    readPackFile: p => {
      try {
        return fs.readFileSync(path.join(ROOT, p), 'utf8');
      } catch {
        return undefined;
      }
    },
    readRepoFile: () => undefined,
  });
  const rig = await startSshNodes({
    nodes: [{ name: 'bench-cp-1' }, { name: 'bench-cp-2' }],
    standinsDir: HELM_STANDIN,
  });
  try {
    console.log(`${plan.addons.length} add-ons in ${plan.waves.length} waves; readiness delays scaled 1:${SCALE}`);
    const kpaas = await runOnce(rig, 0, plan, 'kpaas');
    const seedB = await runOnce(rig, 1, plan, 'seed-b');
    if (kpaas.failed.length || seedB.failed.length) {
      console.error('failures:', kpaas.failed, seedB.failed);
      process.exitCode = 1;
    }
    const cp = criticalPath(plan, kpaas.durations);
    const sequentialSum = [...kpaas.durations.values()].reduce((a, b) => a + b, 0);
    const ratio = kpaas.wallMs / cp.ms;
    console.log(`kpaas wall time (DAG, concurrency 20):   ${(kpaas.wallMs / 1000).toFixed(2)} s`);
    console.log(`critical path of the DAG (same run):     ${(cp.ms / 1000).toFixed(2)} s  [${cp.chain.join(' → ')}]`);
    console.log(`sum of the same steps (no overlap):      ${(sequentialSum / 1000).toFixed(2)} s`);
    console.log(`seed B way (sequential + sleep 40 s/${SCALE}): ${(seedB.wallMs / 1000).toFixed(2)} s`);
    console.log(`wall / critical path: ${ratio.toFixed(3)} (target ≤ 1.15) ${ratio <= 1.15 ? 'OK' : 'MISSED'}`);
    console.log(`seed B / kpaas wall:  ${(seedB.wallMs / kpaas.wallMs).toFixed(2)}×`);
    if (ratio > 1.15) process.exitCode = 1;
  } finally {
    rig.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
