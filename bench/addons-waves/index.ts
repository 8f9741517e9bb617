/*
 * bench/addons-waves: kpaas:addons scheduling. The full add-on set (every helm add-on of the pack
 * that can be installed together: per exclusive capability the first in values/addons.yaml, so
 * envoy-gateway rather than ingress-nginx and vault rather than openbao; 20 add-ons) installed
 * through the real SSH path (rig node, `helm` stand-in) against the Kubernetes API stand-in.
 * The test kit's controllers play the cluster: workloads turn ready after a simulated delay per
 * release (real install times scaled 1:100) and run the pods they imply, the Gateway API
 * controller programs the Gateway and routes, MetalLB hands out addresses, and Vault's server
 * pods answer its sys API behind the pod proxy (VaultInitialization initialises and unseals).
 *
 * Sides, each run BENCH_RUNS times (default 3), interleaved, each on a fresh API stand-in:
 *   - kpaas: the DAG install, concurrency 20;
 *   - seed B (anchor): the same steps one after the other (in an order where what an add-on
 *     waits for comes first), plus its `sleep 40` after MetalLB (scaled 1:100 → 400 ms).
 * Critical path: from uncontended single-add-on runs. Each add-on is installed alone (what it
 * needs, its dependencies and the add-ons whose CRDs its manifests use, installed first and not
 * timed), BENCH_RUNS times; its median time is its duration. Edges: dependsOn, plus an add-on
 * that applies a kind another add-on brings (an HTTPRoute needs envoy-gateway's Gateway) cannot
 * finish before that add-on (no time added for the waiting part: a lower bound).
 * Goals: wall (median) <= 1.15 x the critical path; all 20 add-ons succeed in every run (a failed
 * add-on fails the benchmark).
 * Run: npm run bench -- addons-waves   (BENCH_RUNS=N)
 */
import * as k8s from '@kubernetes/client-node';
import {
  execOnNode,
  generateNodes,
  helmChartFixture,
  KubeApiStandIn,
  SshNodeRig,
  startGatewayApiController,
  startKubeApiStandIn,
  startSshNodes,
  startVaultService,
  startWorkloadControllers,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  AddonPlan,
  buildAddonPlan,
} from '../../plugins/scaffolder-actions/src/addons/plan';
import { AddonCluster } from '../../plugins/scaffolder-actions/src/addons/cluster';
import { SshRemoteShell } from '../../plugins/scaffolder-actions/src/addons/remoteShell';
import { installAddons } from '../../plugins/scaffolder-actions/src/addons/waves';
import {
  connectNode,
  SecretMasker,
} from '../../plugins/scaffolder-actions/src/ssh';
import {
  goal,
  onCleanup,
  reportSides,
  runBenchmark,
  runSides,
  summarize,
} from '../_lib';

const ROOT = path.resolve(__dirname, '../..');
const HELM_STANDIN = path.join(ROOT, 'packages/testkit/standins/helm');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = 100;
const SEED_B_SLEEP_MS = 40_000 / SCALE;
const INGRESS_IP = '10.10.0.199';
const NODE = 'bench-cp-1';
const TARGET_RATIO = 1.15;

const catalogText = fs.readFileSync(
  path.join(ROOT, 'values/addons.yaml'),
  'utf8',
);
const catalog = yaml.parse(catalogText) as { addons: any[] };

/** Every helm add-on that can coexist: the first provider of each exclusive capability. */
function coexistingHelmAddons(): string[] {
  const taken = new Set<string>();
  const chosen: string[] = [];
  for (const a of catalog.addons) {
    if (a.type !== 'helm') continue;
    const provides: string[] = a.provides ?? [];
    if (provides.some(p => taken.has(p))) continue;
    if ((a.conflictsWith ?? []).some((c: string) => chosen.includes(c)))
      continue;
    provides.forEach(p => taken.add(p));
    chosen.push(a.id);
  }
  return chosen;
}
const ids = coexistingHelmAddons();

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

function clusterYaml(addonIds: string[]) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'bench',
      owner: 'group:default/platform',
      environment: 'dev',
    },
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
        ingressIp: INGRESS_IP,
        domain: 'bench.example.com',
      },
      // in catalog order, as the order form writes them
      addons: ids.filter(id => addonIds.includes(id)).map(id => ({ id })),
    },
  });
}

function planFor(addonIds: string[]): AddonPlan {
  return buildAddonPlan({
    specText: clusterYaml(addonIds),
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
}

/**
 * What an add-on needs installed before it can finish: its dependsOn, and the add-ons whose
 * charts bring the CRDs of the kinds its manifests apply (HTTPRoute → envoy-gateway).
 */
function needs(plan: AddonPlan): {
  explicit: Map<string, string[]>;
  implicit: Map<string, string[]>;
} {
  const charts = helmChartFixture();
  const kindOwner = new Map<string, string>();
  for (const a of plan.addons) {
    const fixture = charts[a.release!] ?? charts[a.chart?.name ?? ''] ?? {};
    for (const crd of fixture.crds ?? []) kindOwner.set(crd.kind, a.id);
  }
  const explicit = new Map(plan.addons.map(a => [a.id, a.dependsOn]));
  const implicit = new Map(
    plan.addons.map(a => [
      a.id,
      [
        ...new Set(
          a.manifests
            .map(m => kindOwner.get(m.kind))
            .filter((o): o is string => !!o && o !== a.id),
        ),
      ].filter(o => !a.dependsOn.includes(o)),
    ]),
  );
  return { explicit, implicit };
}

function closure(id: string, edges: (id: string) => string[]): Set<string> {
  const out = new Set<string>();
  const visit = (x: string) => {
    for (const d of edges(x)) {
      if (out.has(d)) continue;
      out.add(d);
      visit(d);
    }
  };
  visit(id);
  return out;
}

interface RunResult {
  wallMs: number;
  durations: Map<string, number>;
  failed: string[];
  failedIds: string[];
}

async function main() {
  const fullPlan = planFor(ids);
  const { explicit, implicit } = needs(fullPlan);
  const rig: SshNodeRig = await startSshNodes({
    nodes: [{ name: NODE }],
    standinsDir: HELM_STANDIN,
  });
  onCleanup(() => rig.stop());
  const node = rig.nodes[0];
  const masker = new SecretMasker();
  // the run's log, printed when an add-on fails (the failure line alone rarely explains it)
  let log: string[] = [];
  const logger = {
    info: (m: string) => log.push(`info ${m}`),
    warn: (m: string) => log.push(`warn ${m}`),
    error: (m: string) => log.push(`error ${m}`),
  };
  const releaseDelay = new Map(
    fullPlan.addons.map(a => [a.release!, readinessDelay(a.id)]),
  );

  /** A fresh cluster (API stand-in and its controllers) and a clean helm state on the node. */
  const freshCluster = async () => {
    const api: KubeApiStandIn = await startKubeApiStandIn({
      fixture: generateNodes(2) as any,
    });
    const stops = [
      startWorkloadControllers(api, {
        pods: true,
        readyAfterMs: w =>
          releaseDelay.get(
            w.metadata?.labels?.['app.kubernetes.io/instance'] ?? '',
          ) ?? 500,
        loadBalancerAddress: INGRESS_IP,
        intervalMs: 20,
      }),
      startGatewayApiController(api),
    ];
    const vault = startVaultService(api, { intervalMs: 20 });
    await execOnNode(
      rig,
      NODE,
      'rm -rf /var/lib/kpaas-helm .kpaas && mkdir -p /etc/kubernetes /etc/kpaas-helm && cat > /etc/kubernetes/admin.conf && chmod 600 /etc/kubernetes/admin.conf',
      { stdin: api.kubeconfigYaml() },
    );
    await execOnNode(rig, NODE, 'cat > /etc/kpaas-helm/charts.json', {
      stdin: JSON.stringify(helmChartFixture()),
    });
    return {
      api,
      close: async () => {
        vault.stop();
        stops.forEach(stop => stop());
        await api.close();
      },
    };
  };

  /** Installs `plan` on `api`, timing each add-on's step (the checkpoint around it). */
  const install = async (
    api: KubeApiStandIn,
    plan: AddonPlan,
    mode: 'kpaas' | 'seed-b',
  ): Promise<RunResult> => {
    const session = await connectNode(
      {
        name: node.name,
        host: node.host,
        port: node.port,
        user: 'root',
        hostKeyFingerprint: node.hostKeyFingerprint,
      },
      { privateKey: rig.privateKey, logger, masker },
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    const durations = new Map<string, number>();
    log = [];
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
      if (results.some(r => r.status === 'failed')) {
        console.error(
          `  ${mode} install of ${
            plan.addons.length
          } add-on(s) had failures; its log:\n    ${log
            .filter(l => !/^info \[/.test(l))
            .join('\n    ')}`,
        );
      }
      return {
        wallMs: Date.now() - started,
        durations,
        failed: results
          .filter(r => r.status === 'failed')
          .map(r => `${r.id}: ${r.reason}`),
        failedIds: results.filter(r => r.status === 'failed').map(r => r.id),
      };
    } finally {
      session.close();
    }
  };

  const failures: string[] = [];
  const failedIds = new Set<string>();
  // Seed B installs one add-on after the other in an order that works: what an add-on waits
  // for (the Gateway its HTTPRoute needs) comes before it. kpaas's plan has no such edge, so one
  // at a time in plan order would leave argo-cd waiting for envoy-gateway, which waits for the
  // one slot argo-cd holds.
  const seedBPlan: AddonPlan = {
    ...fullPlan,
    addons: fullPlan.addons.map(a => ({
      ...a,
      dependsOn: [...a.dependsOn, ...implicit.get(a.id)!],
    })),
  };
  const fullRun = (mode: 'kpaas' | 'seed-b') => async (run: number) => {
    const cluster = await freshCluster();
    try {
      const r = await install(
        cluster.api,
        mode === 'kpaas' ? fullPlan : seedBPlan,
        mode,
      );
      r.failed.forEach(f => failures.push(`${mode} run ${run}: ${f}`));
      r.failedIds.forEach(x => failedIds.add(x));
      return r;
    } finally {
      await cluster.close();
    }
  };

  /** One add-on installed alone, what it needs already in place (untimed); its step's ms. */
  const singleRun = async (id: string): Promise<number> => {
    const before = closure(id, x => [
      ...(explicit.get(x) ?? []),
      ...(implicit.get(x) ?? []),
    ]);
    const cluster = await freshCluster();
    try {
      if (before.size > 0) {
        const setup = await install(cluster.api, planFor([...before]), 'kpaas');
        if (setup.failed.length) {
          throw new Error(
            `setting up for ${id} failed: ${setup.failed.join('; ')}`,
          );
        }
      }
      const r = await install(cluster.api, planFor([...before, id]), 'kpaas');
      r.failed.forEach(f => failures.push(`${id} alone: ${f}`));
      r.failedIds.forEach(x => failedIds.add(x));
      if (!r.durations.has(id)) throw new Error(`${id} alone: no step timed`);
      return r.durations.get(id)!;
    } finally {
      await cluster.close();
    }
  };

  console.log(
    `${fullPlan.addons.length} add-ons in ${
      fullPlan.waves.length
    } waves (${ids.join(
      ', ',
    )}); readiness delays scaled 1:${SCALE}; ${RUNS} runs per side`,
  );

  // Uncontended durations: each add-on alone, RUNS times, median.
  const single = new Map<string, number[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const a of fullPlan.addons) {
      const ms = await singleRun(a.id);
      single.set(a.id, [...(single.get(a.id) ?? []), ms]);
      console.log(`  alone, run ${run + 1}/${RUNS}: ${a.id} ${ms} ms`);
    }
  }

  const sides = await runSides(RUNS, {
    kpaas: fullRun('kpaas'),
    'seed B': fullRun('seed-b'),
  });
  const walls = reportSides('install wall time:', sides, {
    unit: 's',
    digits: 2,
    pick: r => r.wallMs / 1000,
  });

  const medianOf = new Map(
    [...single].map(([id, xs]) => [id, summarize(xs).median]),
  );
  const minOf = new Map([...single].map(([id, xs]) => [id, summarize(xs).min]));
  const criticalPath = (dur: Map<string, number>) => {
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    for (const a of fullPlan.addons) {
      let start = 0;
      let from: string | undefined;
      for (const d of explicit.get(a.id)!) {
        if ((finish.get(d) ?? 0) > start) {
          start = finish.get(d)!;
          from = d;
        }
      }
      let end = start + (dur.get(a.id) ?? 0);
      for (const d of implicit.get(a.id)!) {
        if ((finish.get(d) ?? 0) > end) {
          end = finish.get(d)!;
          from = d;
        }
      }
      finish.set(a.id, end);
      via.set(a.id, from);
    }
    const last = [...finish.entries()].sort((x, y) => y[1] - x[1])[0];
    const chain: string[] = [];
    for (let id: string | undefined = last[0]; id; id = via.get(id))
      chain.unshift(id);
    return { ms: last[1], chain };
  };
  const cp = criticalPath(medianOf);
  const cpMin = criticalPath(minOf);
  const sum = [...medianOf.values()].reduce((a, b) => a + b, 0);
  console.log('uncontended single add-on times (median of runs, ms):');
  console.log(
    `  ${fullPlan.addons
      .map(a => `${a.id} ${medianOf.get(a.id)!.toFixed(0)}`)
      .join(', ')}`,
  );
  console.log(
    `critical path (uncontended medians): ${(cp.ms / 1000).toFixed(
      2,
    )} s  [${cp.chain.join(' → ')}]`,
  );
  console.log(
    `critical path (uncontended minima):  ${(cpMin.ms / 1000).toFixed(2)} s`,
  );
  console.log(
    `sum of the uncontended steps (no overlap): ${(sum / 1000).toFixed(2)} s`,
  );
  const ratio = walls.kpaas.median / (cp.ms / 1000);
  console.log(
    `kpaas wall / critical path: median ${ratio.toFixed(3)}, min ${(
      walls.kpaas.min /
      (cp.ms / 1000)
    ).toFixed(3)}, max ${(walls.kpaas.max / (cp.ms / 1000)).toFixed(
      3,
    )}; against the minima path ${(
      walls.kpaas.median /
      (cpMin.ms / 1000)
    ).toFixed(3)}`,
  );
  console.log(
    `seed B / kpaas wall (medians): ${(
      walls['seed B'].median / walls.kpaas.median
    ).toFixed(2)}x`,
  );
  goal(
    'addons-waves wall / uncontended critical path',
    ratio,
    '<=',
    TARGET_RATIO,
    {
      unit: 'x',
      digits: 3,
    },
  );
  goal(
    'addons-waves add-ons succeeding in every run',
    fullPlan.addons.filter(a => !failedIds.has(a.id)).length,
    '>=',
    fullPlan.addons.length,
  );
  if (failures.length) {
    console.error(`FAILED add-on installs:\n  ${failures.join('\n  ')}`);
    throw new Error(`${failures.length} add-on install(s) failed`);
  }
}

runBenchmark('addons-waves', main);
