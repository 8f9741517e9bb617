/*
 * bench/status-api: the kpaas status API while clusters refresh, and the Backstage Kubernetes
 * plugin's backend as its anchor, on the same stand-ins.
 *
 *   npm run bench -- status-api
 *     BENCH_STATUS_SIZES=1000,5000   node counts, one scenario each
 *     BENCH_STATUS_CLUSTERS=10       clusters refreshing besides the served one
 *     BENCH_STATUS_DURATION_S=60     BENCH_STATUS_RATE=200 (the cached-status load)
 *     BENCH_STATUS_INTERVAL_S=30     kpaas.refresh.schedule frequency (kpaas's default)
 *     BENCH_STATUS_HEARTBEAT_S=300   each node's kubelet status update period
 *     BENCH_STATUS_STEP_S=10         duration of one step of the anchor's rate ladder (0 skips it)
 *
 * Per scenario (N nodes): 1 + BENCH_STATUS_CLUSTERS stand-in clusters of N realistic, varied
 * nodes (the K-PaaS HA fixture, nodes varied by realisticNodes.ts, kubelet heartbeats arriving)
 * run in a child process (standins.ts). The backend is Backstage's test backend with the real
 * kpaas plugin and its real refresh task on Backstage's real scheduler (backend-defaults), the
 * Kubernetes plugin's backend and kpaas's module supplying it the clusters (packages/backend's
 * wiring), in-memory SQLite and cache. Every cluster is registered; once each has a status the
 * served cluster's cached status is asked at BENCH_STATUS_RATE req/s for BENCH_STATUS_DURATION_S
 * (autocannon in its own process, gzip as browsers ask) while the refresh keeps running.
 *
 * The anchor (first scenario only): the Kubernetes plugin's backend answering the same
 * cluster's node list (GET /api/kubernetes/proxy/api/v1/nodes, Backstage-Kubernetes-Cluster
 * header: what a Kubernetes-plugin page needs to list a cluster's nodes). Both sides climb the
 * same ladder of offered rates, BENCH_STATUS_STEP_S each; a step is sustained with 0 errors and
 * ≥ 90 % of the offered rate answered. The plugin's best sustained step gives its throughput
 * and p99; kpaas's throughput is its best sustained step with a p99 no higher than that.
 */
import {
  coreServices,
  createServiceFactory,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import kpaasPlugin from '@internal/plugin-kpaas-backend';
import kpaasKubernetesModule from '@internal/plugin-kpaas-backend/kubernetes';
import { ChildProcess, execFile, fork } from 'node:child_process';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import {
  goal,
  loadAverage,
  mainThreadSchedule,
  onCleanup,
  runBenchmark,
} from '../_lib';

const env = (name: string, fallback: number) =>
  Number(process.env[name] ?? fallback);
const SIZES = (process.env.BENCH_STATUS_SIZES ?? '1000,5000')
  .split(',')
  .map(Number);
const CLUSTERS = env('BENCH_STATUS_CLUSTERS', 10);
const DURATION_S = env('BENCH_STATUS_DURATION_S', 60);
const RATE = env('BENCH_STATUS_RATE', 200);
const INTERVAL_S = env('BENCH_STATUS_INTERVAL_S', 30);
const HEARTBEAT_S = env('BENCH_STATUS_HEARTBEAT_S', 300);
const STEP_S = env('BENCH_STATUS_STEP_S', 10);
const P99_GOAL_MS: Record<number, number> = { 1000: 25, 5000: 50 };
const LADDER = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 4000];
const ENCRYPTION_KEY = Buffer.alloc(32, 3).toString('base64');

interface LoadResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
}

/** autocannon in its own process, so the load generator does not share the backend's loop. */
function load(
  url: string,
  o: { rate: number; durationS: number; headers: Record<string, string> },
): Promise<LoadResult> {
  const cli = require.resolve('autocannon/autocannon.js');
  const connections = Math.min(100, Math.max(10, Math.ceil(o.rate / 4)));
  const headers = Object.entries(o.headers).flatMap(([k, v]) => [
    '-H',
    `${k}=${v}`,
  ]);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        cli,
        '-j',
        '-c',
        String(connections),
        '-R',
        String(o.rate),
        '-d',
        String(o.durationS),
        ...headers,
        url,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

const failures = (r: LoadResult) => r.errors + r.timeouts + r.non2xx;

// ---- the stand-ins' process ------------------------------------------------------------------
interface StandInCluster {
  url: string;
  caPem: string;
  token: string;
}
interface Counts {
  updates: number;
  perCluster: Array<{ total: number; nodeLists: number; nodeWatches: number }>;
}

function startStandIns(clusters: number, nodes: number) {
  const child: ChildProcess = fork(path.join(__dirname, 'standins.ts'), [], {
    execArgv: [
      '--max-old-space-size=12000',
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= new Promise<void>(resolve => {
      if (child.exitCode !== null || child.signalCode !== null)
        return resolve();
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }));
  onCleanup(stop);
  const ask = <T>(message: object, reply: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: any) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      };
      const onExit = (code: number) =>
        reject(new Error(`the stand-ins' process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message);
    });
  return {
    start: () =>
      ask<{
        clusters: StandInCluster[];
        sizes: { json: number; gzip: number };
      }>({ type: 'start', clusters, nodes, heartbeatS: HEARTBEAT_S }, 'ready'),
    clear: () => ask({ type: 'clear' }, 'cleared'),
    counts: () => ask<Counts>({ type: 'counts' }, 'counts'),
    stop,
  };
}

// ---- the backend -----------------------------------------------------------------------------
/**
 * The test backend's mock httpAuth, resolving a request's credentials once per request as
 * Backstage's real httpAuth does (a WeakMap per request). Without it the Kubernetes plugin's
 * proxy, which puts the cluster's token into the Authorization header before its audit event
 * asks for the caller again, would log a failed audit event (with stack) for every request.
 */
const perRequestHttpAuth = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): HttpAuthService {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    const cache = new WeakMap<object, Map<string, Promise<any>>>();
    return {
      credentials(req, options?: any) {
        const key = JSON.stringify(options ?? {});
        let byOptions = cache.get(req);
        if (!byOptions) cache.set(req, (byOptions = new Map()));
        if (!byOptions.has(key))
          byOptions.set(key, inner.credentials(req, options));
        return byOptions.get(key)!;
      },
      issueUserCookie: (res, options) => inner.issueUserCookie(res, options),
    } as HttpAuthService;
  },
});

async function startBackend(clusters: Array<Record<string, string>>) {
  const backend = await startTestBackend({
    features: [
      kpaasPlugin,
      kubernetesPlugin,
      kpaasKubernetesModule,
      schedulerServiceFactory,
      perRequestHttpAuth,
      mockServices.rootConfig.factory({
        data: {
          kpaas: {
            encryptionKey: ENCRYPTION_KEY,
            clusterNetworks: ['127.0.0.0/8'],
            clusters,
            refresh: {
              schedule: {
                frequency: { seconds: INTERVAL_S },
                timeout: { minutes: 5 },
                initialDelay: { seconds: 1 },
              },
              // Generous, so a slow refresh is measured rather than cut short.
              requestTimeoutSeconds: 60,
              clusterTimeoutSeconds: 120,
            },
          },
          kubernetes: {
            serviceLocatorMethod: { type: 'multiTenant' },
            clusterLocatorMethods: [{ type: 'config', clusters: [] }],
          },
        },
      }),
      mockServices.rootLogger.factory({ level: 'warn' }),
    ],
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= backend.stop());
  onCleanup(stop);
  const { port } = backend.server.address() as AddressInfo;
  return { stop, base: `http://127.0.0.1:${port}/api` };
}

// ---- the anchor: the same ladder of offered rates for both sides ------------------------------
interface Step {
  rate: number;
  achieved: number;
  p99: number;
  failed: number;
  sustained: boolean;
}

/**
 * Walks up LADDER until a step is not sustained (an error, or fewer answers than offered,
 * allowing one still in flight at the end) or its p99 exceeds `p99Limit`. Returns the highest
 * step that held, else the first step's figures (marked not sustained).
 */
async function climb(
  label: string,
  url: string,
  headers: Record<string, string>,
  p99Limit = Infinity,
): Promise<Step> {
  let best: Step | undefined;
  let first: Step | undefined;
  for (const rate of LADDER) {
    const r = await load(url, { rate, durationS: STEP_S, headers });
    const step: Step = {
      rate,
      achieved: r.requests.total / STEP_S,
      p99: r.latency.p99,
      failed: failures(r),
      sustained:
        failures(r) === 0 && r.requests.total >= 0.9 * rate * STEP_S - 1,
    };
    first ??= step;
    console.log(
      `  ${label}: offered ${rate}/s → ${step.achieved.toFixed(1)}/s, p50 ${
        r.latency.p50
      } ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, failed ${
        step.failed
      }${step.sustained ? '' : ' (not sustained)'}`,
    );
    if (!step.sustained || step.p99 > p99Limit) break;
    best = step;
  }
  return best ?? { ...first!, sustained: false };
}

// ---- one scenario ------------------------------------------------------------------------------
async function scenario(nodes: number, withAnchor: boolean) {
  const total = CLUSTERS + 1;
  console.log(
    `\n== ${nodes} nodes: 1 served + ${CLUSTERS} more clusters refreshing every ${INTERVAL_S} s, each node's status updated every ${HEARTBEAT_S} s ==`,
  );
  const generatedAt = performance.now();
  const standIns = startStandIns(total, nodes);
  const { clusters, sizes } = await standIns.start();
  console.log(
    `stand-ins up in ${((performance.now() - generatedAt) / 1000).toFixed(
      0,
    )} s; a node LIST is ${(sizes.json / 1e6).toFixed(1)} MB of JSON, ${(
      sizes.gzip / 1e6
    ).toFixed(2)} MB gzipped (${(sizes.json / sizes.gzip).toFixed(1)}:1)`,
  );
  const names = clusters.map((_, i) =>
    i === 0 ? 'served' : `refreshing-${i}`,
  );
  const backend = await startBackend(
    clusters.map((c, i) => ({
      name: names[i],
      url: c.url,
      caData: c.caPem,
      serviceAccountToken: c.token,
    })),
  );
  const base = backend.base;
  const statusUrl = `${base}/kpaas/clusters/served/status`;

  // Every cluster has a status before the load, computed by the scheduled refresh (the list
  // route only reads stored statuses). Waits on that condition, up to 15 min.
  const warmedAt = performance.now();
  for (;;) {
    const res = await fetch(`${base}/kpaas/clusters`);
    const { items } = (await res.json()) as {
      items: Array<{
        name: string;
        checkedAt?: string;
        nodes: { total: number };
      }>;
    };
    const done = items.filter(i => i.checkedAt && i.nodes.total === nodes);
    if (done.length === total) break;
    if (performance.now() - warmedAt > 15 * 60_000)
      throw new Error(
        `after 15 min only ${done.length} of ${total} clusters have a status with ${nodes} nodes`,
      );
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
  const served = Buffer.from(
    await (
      await fetch(statusUrl, { headers: { 'accept-encoding': 'identity' } })
    ).arrayBuffer(),
  );
  const servedGzip = gzipSync(served, { level: 6 }).length;
  console.log(
    `every status computed by the refresh in ${(
      (performance.now() - warmedAt) /
      1000
    ).toFixed(1)} s; the served status is ${(served.length / 1e6).toFixed(
      2,
    )} MB of JSON, ${(servedGzip / 1e3).toFixed(0)} KB gzipped (${(
      served.length / servedGzip
    ).toFixed(1)}:1)`,
  );

  // The load, with the refresh running.
  await standIns.clear();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const scheduleBefore = mainThreadSchedule();
  const loadBefore = loadAverage();
  const result = await load(statusUrl, {
    rate: RATE,
    durationS: DURATION_S,
    headers: { 'accept-encoding': 'gzip' },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const scheduleAfter = mainThreadSchedule();
  loopDelay.disable();
  const counts = await standIns.counts();
  const lists = counts.perCluster.map(c => c.nodeLists);
  const watches = counts.perCluster.map(c => c.nodeWatches);
  const apiRequests = counts.perCluster.reduce((a, c) => a + c.total, 0);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  console.log(
    `cached status of 'served' at ${RATE} req/s for ${DURATION_S} s: ${
      result.requests.total
    } requests (${(result.requests.total / DURATION_S).toFixed(1)}/s), p50 ${
      result.latency.p50
    } ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${
      result.latency.max
    } ms; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${
      result.non2xx
    }`,
  );
  console.log(
    `during the load: ${
      counts.updates
    } node status updates on the stand-ins; ${sum(lists)} node LISTs (${(
      sum(lists) / total
    ).toFixed(2)} per cluster, ${(
      (sum(lists) / total / DURATION_S) *
      INTERVAL_S
    ).toFixed(2)} per cluster per interval), ${sum(
      watches,
    )} node WATCH requests, ${apiRequests} Kubernetes API requests in all`,
  );
  console.log(
    `backend process: event loop blocked at most ${(
      loopDelay.max / 1e6
    ).toFixed(1)} ms (delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(
      1,
    )} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms); CPU ${(
      (cpu.user + cpu.system) /
      1e6
    ).toFixed(1)} s in ${DURATION_S} s`,
  );
  if (scheduleBefore && scheduleAfter) {
    console.log(
      `event-loop thread: ${(
        (scheduleAfter.onCpuMs - scheduleBefore.onCpuMs) /
        1000
      ).toFixed(1)} s on a CPU, ${(
        (scheduleAfter.waitedMs - scheduleBefore.waitedMs) /
        1000
      ).toFixed(
        1,
      )} s ready but waiting for a CPU (other work on the machine); load average ${loadBefore} before, ${loadAverage()} after`,
    );
  }
  const target = P99_GOAL_MS[nodes] ?? 50;
  goal(
    `cached status p99, ${nodes} nodes, ${RATE} req/s while ${CLUSTERS} more ${nodes}-node clusters refresh`,
    result.latency.p99,
    '<=',
    target,
    { unit: 'ms' },
  );
  goal(`cached status errors, ${nodes} nodes`, failures(result), '==', 0);

  if (withAnchor && STEP_S > 0) {
    console.log(
      `\nanchor: the Kubernetes plugin's backend, the same cluster's node list (same rate ladder, ${STEP_S} s per step)`,
    );
    const plugin = await climb(
      'kubernetes plugin',
      `${base}/kubernetes/proxy/api/v1/nodes`,
      { 'accept-encoding': 'gzip', 'Backstage-Kubernetes-Cluster': 'served' },
    );
    const kpaas = await climb(
      `kpaas (p99 ≤ ${plugin.p99} ms)`,
      statusUrl,
      { 'accept-encoding': 'gzip' },
      plugin.p99,
    );
    const describe = (s: Step) =>
      `${s.achieved.toFixed(1)}/s at p99 ${s.p99} ms${
        s.sustained ? '' : ' (its first step, not sustained)'
      }`;
    console.log(
      `  Kubernetes plugin ${describe(plugin)}; kpaas ${describe(kpaas)}`,
    );
    goal(
      `kpaas status throughput / Kubernetes plugin's at equal p99, ${nodes} nodes`,
      Number(
        (kpaas.sustained ? kpaas.achieved / plugin.achieved : 0).toFixed(1),
      ),
      '>=',
      10,
      { unit: '×' },
    );
  }

  await backend.stop();
  await standIns.stop();
}

runBenchmark('status-api', async () => {
  console.log(
    `status-api: sizes ${SIZES.join(
      ', ',
    )} nodes; ${RATE} req/s for ${DURATION_S} s (BENCH_STATUS_* variables, see the header)`,
  );
  for (const [i, nodes] of SIZES.entries()) await scenario(nodes, i === 0);
});
