/*
 * bench/multi-replica: two kpaas backends (each `npm run start:production`) on one real
 * PostgreSQL and one real Redis, 1000 clusters × 50 nodes on the Kubernetes API stand-in.
 *
 *   npm run bench -- multi-replica
 *   (BENCH_MR_DURATION_S=20 BENCH_MR_CLUSTERS=200 for a quick run)
 *
 * 1. Status API (GET /api/kpaas/clusters/<random cluster>/status) at 400 req/s spread over
 *    both replicas for 60 s (autocannon, one process per replica): p50, p99, errors.
 * 2. Node LISTs per cluster per refresh interval during the load (counted at the stand-in,
 *    one token per cluster).                         Target: ≤ 1.
 * 3. Redis commands and PostgreSQL transactions per request: their rate under load minus
 *    their rate while idle (the refreshes), times the load's duration, over its requests.
 * 4. One replica (B stopped) at 200 req/s: ratio of p99 and of throughput
 *    (goal: two replicas serve twice the load at the same p99).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  generateNodes,
  startKubeApiStandIn,
  startTestPostgres,
  startTestRedis,
  TestPostgres,
  TestRedis,
} from '@internal/kpaas-testkit';
import {
  createReplicaFleet,
  queryKpaasDatabase,
  redisCommand,
  Replica,
  startReplica,
} from '../../packages/e2e-tests/src/multiReplicaHarness';
import { goal } from '../_lib';

const DURATION_S = Number(process.env.BENCH_MR_DURATION_S ?? 60);
const RATE = Number(process.env.BENCH_MR_RATE ?? 400);
const CLUSTERS = Number(process.env.BENCH_MR_CLUSTERS ?? 1000);
const NODES = Number(process.env.BENCH_MR_NODES ?? 50);
const INTERVAL_S = Number(process.env.BENCH_MR_INTERVAL_S ?? 30);
const IDLE_S = 20;

interface LoadResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
}

/** autocannon in its own process: `rate` req/s on random clusters' status. */
const LOADER = `
const autocannon = require(process.argv[2]);
const o = JSON.parse(process.argv[3]);
autocannon({
  url: o.url, connections: o.connections, overallRate: o.rate, duration: o.duration,
  headers: o.headers,
  requests: [{ setupRequest: req => ({ ...req, path: o.paths[Math.floor(Math.random() * o.paths.length)] }) }],
}, (error, result) => {
  if (error) { console.error(error); process.exit(1); }
  process.stdout.write(JSON.stringify(result));
});
`;

function load(
  replica: Replica,
  token: string,
  rate: number,
  paths: string[],
  loader: string,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        loader,
        require.resolve('autocannon'),
        JSON.stringify({
          url: replica.base,
          connections: 20,
          rate,
          duration: DURATION_S,
          headers: {
            authorization: `Bearer ${token}`,
            'accept-encoding': 'gzip',
          },
          paths,
        }),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

/** Redis commands processed so far. */
async function redisCommands(redis: TestRedis): Promise<number> {
  const stdout = await redisCommand(redis, ['info', 'stats']);
  return Number(/total_commands_processed:(\d+)/.exec(stdout)?.[1] ?? NaN);
}

/** PostgreSQL transactions (each autocommit statement is one) in kpaas's database so far. */
async function pgTransactions(pg: TestPostgres): Promise<number> {
  const [row] = await queryKpaasDatabase(
    pg,
    "select xact_commit + xact_rollback from pg_stat_database where datname = 'backstage_plugin_kpaas'",
  );
  return Number(row);
}

async function counters(pg: TestPostgres, redis: TestRedis) {
  return {
    at: Date.now(),
    redis: await redisCommands(redis),
    pg: await pgTransactions(pg),
  };
}

const load1 = () => os.loadavg()[0].toFixed(1);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

async function main() {
  console.log(
    `multi-replica: ${CLUSTERS} clusters × ${NODES} nodes, interval ${INTERVAL_S} s, ${RATE} req/s over two replicas for ${DURATION_S} s (BENCH_MR_*); load average ${load1()}`,
  );
  const pg = await startTestPostgres();
  if ('skipped' in pg) throw new Error(`PostgreSQL: ${pg.skipped}`);
  const redis = await startTestRedis();
  if ('skipped' in redis) throw new Error(`Redis: ${redis.skipped}`);
  const standIn = await startKubeApiStandIn({
    fixture: generateNodes(NODES, { controlPlanes: 3, notReady: 0 }),
  });
  const names = Array.from(
    { length: CLUSTERS },
    (_, i) => `c${String(i).padStart(4, '0')}`,
  );
  for (const name of names)
    standIn.addToken(`token-${name}`, { user: name, readOnly: true });
  const fleet = createReplicaFleet(pg, redis);
  const loader = path.join(fleet.dir, 'loader.js');
  fs.writeFileSync(loader, LOADER);
  const options = { intervalSeconds: INTERVAL_S, concurrency: 10 };
  const replicas: Replica[] = [];
  try {
    const a = startReplica(fleet, 'a', await freePort('127.0.0.1'), options);
    replicas.push(a);
    await a.ready(600_000);
    const b = startReplica(fleet, 'b', await freePort('127.0.0.1'), options);
    replicas.push(b);
    await b.ready(600_000);

    const started = Date.now();
    let next = 0;
    const register = async (replica: Replica) => {
      while (next < names.length) {
        const name = names[next++];
        const res = await fetch(`${replica.base}/api/kpaas/clusters`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${fleet.token}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({
            name,
            apiServerUrl: standIn.url,
            caData: standIn.caPem,
            serviceAccountToken: `token-${name}`,
          }),
        });
        if (res.status !== 201)
          throw new Error(
            `register ${name}: HTTP ${res.status} ${await res.text()}`,
          );
      }
    };
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => register(i % 2 ? b : a)),
    );
    for (;;) {
      const res = await fetch(`${a.base}/api/kpaas/clusters`, {
        headers: { Authorization: `Bearer ${fleet.token}` },
      });
      const { items } = (await res.json()) as {
        items: Array<{ checkedAt?: string }>;
      };
      if (items.filter(i => i.checkedAt).length === CLUSTERS) break;
      await sleep(1000);
    }
    console.log(
      `registered and computed ${CLUSTERS} clusters in ${(
        (Date.now() - started) /
        1000
      ).toFixed(1)} s`,
    );
    const paths = names.map(n => `/api/kpaas/clusters/${n}/status`);

    // the background (refreshes only), for the per-request round trips
    const idleFrom = await counters(pg, redis);
    await sleep(IDLE_S * 1000);
    const idleTo = await counters(pg, redis);

    // ---- 1-3: two replicas -------------------------------------------------------------
    standIn.requestLog.clear();
    const loadFrom = await counters(pg, redis);
    const loadStart = Date.now();
    const loadAvgBefore = load1();
    const [ra, rb] = await Promise.all([
      load(a, fleet.token, RATE / 2, paths, loader),
      load(b, fleet.token, RATE / 2, paths, loader),
    ]);
    const loadTo = await counters(pg, redis);
    const loadMs = Date.now() - loadStart;
    const loadAvgAfter = load1();
    const nodeLists = standIn.countRequests({
      verb: 'list',
      resource: 'nodes',
    });
    let maxPerCluster = 0;
    for (const name of names)
      maxPerCluster = Math.max(
        maxPerCluster,
        standIn.countRequests({ verb: 'list', resource: 'nodes', user: name }),
      );
    const intervals = loadMs / (INTERVAL_S * 1000);

    const requests = ra.requests.total + rb.requests.total;
    const errors = [ra, rb].reduce(
      (n, r) => n + r.errors + r.timeouts + r.non2xx,
      0,
    );
    const perRequest = (key: 'redis' | 'pg') => {
      const idleRate =
        (idleTo[key] - idleFrom[key]) / (idleTo.at - idleFrom.at);
      const extra =
        loadTo[key] - loadFrom[key] - idleRate * (loadTo.at - loadFrom.at);
      return extra / requests;
    };
    const throughputTwo = requests / DURATION_S;
    const p99Two = Math.max(ra.latency.p99, rb.latency.p99);

    // ---- 4: one replica ------------------------------------------------------------------
    await b.stop();
    const one = await load(a, fleet.token, RATE / 2, paths, loader);
    const errorsOne = one.errors + one.timeouts + one.non2xx;
    const throughputOne = one.requests.total / DURATION_S;

    console.log(
      `\n1. two replicas, ${RATE} req/s (${
        RATE / 2
      } each) for ${DURATION_S} s; load average ${loadAvgBefore} before, ${loadAvgAfter} after`,
    );
    for (const [label, r] of [
      ['A', ra],
      ['B', rb],
    ] as const) {
      console.log(
        `   ${label}: ${r.requests.total} requests (${r.requests.average} req/s), p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`,
      );
    }
    console.log(
      `   both: ${requests} requests, ${throughputTwo.toFixed(
        1,
      )} req/s, p99 ${p99Two} ms, errors ${errors}; 0 errors: ${verdict(
        errors === 0,
      )}`,
    );
    console.log(
      `\n2. node LISTs during the load: ${nodeLists} for ${CLUSTERS} clusters over ${intervals.toFixed(
        2,
      )} intervals = ${(nodeLists / CLUSTERS / intervals).toFixed(
        2,
      )} per cluster per interval (most for one cluster: ${maxPerCluster}); ≤ 1: ${verdict(
        nodeLists / CLUSTERS / intervals <= 1,
      )}`,
    );
    console.log(
      `\n3. per status request (load minus the idle refresh rate): Redis commands ${perRequest(
        'redis',
      ).toFixed(2)}, PostgreSQL transactions ${perRequest('pg').toFixed(2)}`,
    );
    console.log(
      `   idle (refreshes only): Redis ${(
        ((idleTo.redis - idleFrom.redis) * 1000) /
        (idleTo.at - idleFrom.at)
      ).toFixed(1)} commands/s, PostgreSQL ${(
        ((idleTo.pg - idleFrom.pg) * 1000) /
        (idleTo.at - idleFrom.at)
      ).toFixed(1)} transactions/s`,
    );
    console.log(
      `\n4. one replica at ${RATE / 2} req/s: ${one.requests.total} requests (${
        one.requests.average
      } req/s), p50 ${one.latency.p50} ms, p99 ${
        one.latency.p99
      } ms, errors ${errorsOne}; load average ${load1()}`,
    );
    console.log(
      `   two vs one: throughput ${(throughputTwo / throughputOne).toFixed(
        2,
      )}× (goal 2×), p99 ${(p99Two / Math.max(one.latency.p99, 1)).toFixed(
        2,
      )}× (goal ≤ 1×)`,
    );
    goal(
      'multi-replica errors at 400 req/s over two replicas',
      errors,
      '==',
      0,
    );
    goal(
      'multi-replica node LISTs per cluster per interval',
      nodeLists / CLUSTERS / intervals,
      '<=',
      1,
      { digits: 2 },
    );
    goal(
      'multi-replica throughput two / one replica',
      throughputTwo / throughputOne,
      '>=',
      2,
      { unit: 'x', digits: 2 },
    );
    goal(
      'multi-replica p99 two / one replica',
      p99Two / Math.max(one.latency.p99, 1),
      '<=',
      1,
      { unit: 'x', digits: 2 },
    );
  } finally {
    for (const r of replicas) await r.stop();
    await standIn.close();
    await redis.stop();
    await pg.stop();
    fs.rmSync(fleet.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
