/*
 * bench/status-api: the kpaas status API against the Kubernetes API stand-in.
 *
 *   npm run bench -- status-api            (BENCH_STATUS_DURATION_S=10 for a quick run)
 *
 * 1. Cached status of a 1000-node cluster under a fixed 200 req/s for 60 s (autocannon):
 *    p50/p99 latency and errors.                 Target: p99 ≤ 25 ms, 0 errors.
 * 2. Cold status (never computed, computed on demand) of the same cluster vs
 *    `kubectl get nodes -o json` against the same stand-in (median of 5 each).
 *                                                 Target: cold ≤ 1.2 × kubectl.
 * 3. 100 registered clusters: Kubernetes API requests per refresh interval (stand-in
 *    countRequests).                              Target: ≤ 1 node LIST per cluster per interval.
 *
 * The backend is the real kpaas plugin in Backstage's test backend (real httpRouter, auth
 * middleware with mock credentials, in-memory SQLite and cache). The scheduler is replaced by
 * one that records the task, so the bench runs "one interval" by calling it.
 */
import {
  coreServices,
  createServiceFactory,
  SchedulerServiceTaskInvocationDefinition,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  generateNodes,
  kpaasHaFixture,
  runKubectl,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kpaasPlugin from '../../plugins/kpaas-backend/src';

const DURATION_S = Number(process.env.BENCH_STATUS_DURATION_S ?? 60);
const RATE = Number(process.env.BENCH_STATUS_RATE ?? 200);
const COLD_RUNS = 5;
const FLEET = 100;
const INTERVALS = 3;

type Task = SchedulerServiceTaskScheduleDefinition &
  SchedulerServiceTaskInvocationDefinition;

interface LoadResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
}

/**
 * autocannon in its own process, so the load generator does not share the backend's event loop
 * (in-process it would add its own CPU time to every measured latency).
 */
function load(
  url: string,
  durationS: number,
  encoding: string,
): Promise<LoadResult> {
  const cli = require.resolve('autocannon/autocannon.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        cli,
        '-j',
        '-c',
        '20',
        '-R',
        String(RATE),
        '-d',
        String(durationS),
        '-H',
        `accept-encoding=${encoding}`,
        url,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number) => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

async function startBackend(kpaasConfig: Record<string, unknown>) {
  const tasks: Task[] = [];
  const scheduler = createServiceFactory({
    service: coreServices.scheduler,
    deps: {},
    factory: () => ({
      scheduleTask: async (task: Task) => {
        tasks.push(task);
      },
      triggerTask: async () => undefined,
      getScheduledTasks: async () => [],
      createScheduledTaskRunner: () => ({ run: async () => undefined }),
    }),
  });
  const backend = await startTestBackend({
    features: [
      kpaasPlugin,
      scheduler,
      mockServices.rootConfig.factory({ data: { kpaas: kpaasConfig } }),
      mockServices.rootLogger.factory({ level: 'warn' }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  return {
    backend,
    base: `http://127.0.0.1:${port}/api/kpaas`,
    runInterval: () => (tasks[0].fn as () => Promise<void>)(),
  };
}

const ENCRYPTION_KEY = Buffer.alloc(32, 3).toString('base64');

async function main() {
  console.log(
    `status-api: ${DURATION_S} s at ${RATE} req/s (BENCH_STATUS_DURATION_S, BENCH_STATUS_RATE)`,
  );
  const big = await startKubeApiStandIn({
    fixture: generateNodes(1000, { controlPlanes: 3, notReady: 2 }),
  });
  const cluster = (name: string, standIn = big) => ({
    name,
    url: standIn.url,
    caData: standIn.caPem,
    serviceAccountToken: standIn.adminToken,
  });

  // ---- 1 + 2: cached and cold status of a 1000-node cluster -----------------------------
  const coldNames = Array.from(
    { length: COLD_RUNS },
    (_, i) => `cold-${i + 1}`,
  );
  const one = await startBackend({
    encryptionKey: ENCRYPTION_KEY,
    clusters: [cluster('big'), ...coldNames.map(n => cluster(n))],
  });

  // Cold: each config cluster has never been computed; GET computes it on demand.
  // Warm-up (JIT, TLS) on the cached cluster first.
  await fetch(`${one.base}/clusters/big/status`).then(r => r.text());
  const cold: number[] = [];
  let nodesInCold = 0;
  for (const name of coldNames) {
    const started = performance.now();
    const res = await fetch(`${one.base}/clusters/${name}/status`);
    const body = (await res.json()) as { nodes: unknown[] };
    cold.push(performance.now() - started);
    nodesInCold = body.nodes.length;
  }
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'kpaas-bench-'));
  const kubeconfig = await big.writeKubeconfig(join(dir, 'kubeconfig'));
  const kubectl: number[] = [];
  await runKubectl(['get', 'nodes', '-o', 'json'], {
    kubeconfig,
    workDir: dir,
  }); // warm-up (discovery cache)
  for (let i = 0; i < COLD_RUNS; i++) {
    const started = performance.now();
    const result = await runKubectl(['get', 'nodes', '-o', 'json'], {
      kubeconfig,
      workDir: dir,
    });
    kubectl.push(performance.now() - started);
    if (result.code !== 0) throw new Error(`kubectl failed: ${result.stderr}`);
  }
  rmSync(dir, { recursive: true, force: true });

  // Cached: fixed request rate against the status of the 1000-node cluster, as the portal asks
  // for it (fetch sends Accept-Encoding: gzip), then briefly without compression.
  const sizeBytes = (
    await (await fetch(`${one.base}/clusters/big/status`)).text()
  ).length;
  const gzipBytes = Number(
    (
      await fetch(`${one.base}/clusters/big/status`, { method: 'HEAD' }).catch(
        () => undefined,
      )
    )?.headers.get('content-length') ?? 0,
  );
  // Event-loop delay of the backend process while under load: tells in-process stalls apart
  // from time the OS did not schedule us (2 shared cores).
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const result = await load(
    `${one.base}/clusters/big/status`,
    DURATION_S,
    'gzip',
  );
  const cpu = process.cpuUsage(cpuBefore);
  loopDelay.disable();
  const identity = await load(
    `${one.base}/clusters/big/status`,
    Math.max(5, Math.round(DURATION_S / 6)),
    'identity',
  );
  await one.backend.stop();

  // ---- 3: 100 clusters, requests per refresh interval -----------------------------------
  const fleetStandIn = await startKubeApiStandIn({ fixture: kpaasHaFixture() });
  const fleet = await startBackend({
    encryptionKey: ENCRYPTION_KEY,
    clusters: Array.from({ length: FLEET }, (_, i) =>
      cluster(`c${String(i + 1).padStart(3, '0')}`, fleetStandIn),
    ),
  });
  const intervalMs: number[] = [];
  fleetStandIn.requestLog.clear();
  for (let i = 0; i < INTERVALS; i++) {
    const started = performance.now();
    await fleet.runInterval();
    intervalMs.push(performance.now() - started);
  }
  const total = fleetStandIn.requestLog.entries.length;
  const nodeLists = fleetStandIn.countRequests({
    verb: 'list',
    resource: 'nodes',
  });
  const byPattern = fleetStandIn.stats();
  await fleet.backend.stop();
  await fleetStandIn.close();
  await big.close();

  // ---- report ----------------------------------------------------------------------------
  const p50 = result.latency.p50;
  const p99 = result.latency.p99;
  const errors = result.errors + result.timeouts + result.non2xx;
  const coldMedian = median(cold);
  const kubectlMedian = median(kubectl);
  const ratio = coldMedian / kubectlMedian;
  const listsPerCluster = nodeLists / FLEET / INTERVALS;

  console.log(
    '\n1. cached status, 1000 nodes (%s KB JSON, %s KB gzipped)',
    (sizeBytes / 1024).toFixed(0),
    (gzipBytes / 1024).toFixed(0),
  );
  console.log(
    `   ${result.requests.total} requests in ${DURATION_S} s (${result.requests.average} req/s), p50 ${p50} ms, p90 ${result.latency.p90} ms, p99 ${p99} ms, max ${result.latency.max} ms`,
  );
  console.log(
    `   errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`,
  );
  console.log(
    `   target p99 ≤ 25 ms: ${verdict(p99 <= 25)}; 0 errors: ${verdict(
      errors === 0,
    )}`,
  );
  console.log(
    `   backend process: event-loop delay p50 ${(
      loopDelay.percentile(50) / 1e6
    ).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(
      1,
    )} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms; CPU ${(
      (cpu.user + cpu.system) /
      1000 /
      result.requests.total
    ).toFixed(2)} ms per request`,
  );
  console.log(
    `   without compression (${identity.duration} s): ${
      identity.requests.average
    } req/s, p50 ${identity.latency.p50} ms, p99 ${
      identity.latency.p99
    } ms, errors ${identity.errors + identity.timeouts + identity.non2xx}`,
  );
  console.log(
    `\n2. cold status (${nodesInCold} nodes, computed on demand) vs kubectl get nodes -o json`,
  );
  console.log(
    `   cold:    ${cold.map(ms).join(', ')} (median ${ms(coldMedian)})`,
  );
  console.log(
    `   kubectl: ${kubectl.map(ms).join(', ')} (median ${ms(kubectlMedian)})`,
  );
  console.log(
    `   ratio cold/kubectl ${ratio.toFixed(2)}×; target ≤ 1.2×: ${verdict(
      ratio <= 1.2,
    )}`,
  );
  console.log(
    `\n3. ${FLEET} clusters (kpaasHaFixture), ${INTERVALS} refresh intervals`,
  );
  console.log(`   interval durations: ${intervalMs.map(ms).join(', ')}`);
  console.log(
    `   Kubernetes API requests per interval ${(total / INTERVALS).toFixed(
      0,
    )} (${(total / INTERVALS / FLEET).toFixed(
      1,
    )} per cluster); node LISTs per cluster per interval ${listsPerCluster.toFixed(
      2,
    )}`,
  );
  console.log(
    `   per cluster per interval: ${Object.entries(byPattern)
      .map(([k, v]) => `${k} ×${(v / FLEET / INTERVALS).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `   target ≤ 1 node LIST per cluster per interval: ${verdict(
      listsPerCluster <= 1,
    )}`,
  );
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
