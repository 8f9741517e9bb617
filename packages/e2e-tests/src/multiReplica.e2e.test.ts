/*
 * Two kpaas backends side by side (each the README's `npm run start:production` on its own
 * loopback port) against one real PostgreSQL and one real Redis, 200 clusters on one
 * Kubernetes API stand-in (a token per cluster, so requests are counted per cluster):
 *  - each cluster is refreshed once per interval across both replicas (node LISTs counted at
 *    the stand-in, at least one interval apart);
 *  - both replicas serve the same status (Redis is the shared cache: what A computed, B serves);
 *  - a Terraform lock taken through A is refused through B (423);
 *  - A killed mid-refresh: B serves a fresh status of A's clusters within one interval;
 *  - A restarted: nothing lost (registrations, statuses, the lock).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  kpaasHaFixture,
  KubeApiStandIn,
  postgresUnavailableReason,
  redisUnavailableReason,
  startKubeApiStandIn,
  startTestPostgres,
  startTestRedis,
  TestPostgres,
  TestRedis,
} from '@internal/kpaas-testkit';
import { acquireE2eSlot, E2E_SLOT_WAIT_MS } from './e2eSlot';
import {
  createReplicaFleet,
  queryKpaasDatabase,
  redisCommand,
  Replica,
  ReplicaFleet,
  ReplicaOptions,
  startReplica,
} from './multiReplicaHarness';

const CLUSTERS = 200;
const INTERVAL_S = 10;
const INTERVAL_MS = INTERVAL_S * 1000;
const OPTIONS: ReplicaOptions = {
  intervalSeconds: INTERVAL_S,
  requestTimeoutSeconds: 3,
  clusterTimeoutSeconds: 4,
  concurrency: 10,
};
/** A refresh claim's lease (StatusService claimLeaseMs): one interval here. */
const LEASE_MS = Math.max(
  INTERVAL_MS,
  OPTIONS.clusterTimeoutSeconds! * 1000 + 5000,
);
/** Computing a status (bounded by the cluster deadline) and reading it back. */
const COMPUTE_SLACK_MS = OPTIONS.clusterTimeoutSeconds! * 1000 + 5000;
/** The refresh task's tick (plugin.ts refreshTick): a due cluster waits at most this long. */
const TICK_MS = Math.min(5000, INTERVAL_MS / 6);
const names = Array.from(
  { length: CLUSTERS },
  (_, i) => `c${String(i).padStart(3, '0')}`,
);

const unavailable = postgresUnavailableReason() ?? redisUnavailableReason();

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

(unavailable ? describe.skip : describe)(
  `two kpaas replicas on PostgreSQL and Redis${
    unavailable ? ` (skipped: ${unavailable})` : ''
  }`,
  () => {
    let pg: TestPostgres;
    let redis: TestRedis;
    let standIn: KubeApiStandIn;
    let fleet: ReplicaFleet;
    let a: Replica;
    let b: Replica;
    let portA: number;
    let releaseSlot: () => void = () => {};

    const call = (
      replica: Replica,
      route: string,
      init: RequestInit & { json?: unknown } = {},
    ) =>
      fetch(`${replica.base}/api/kpaas${route}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${fleet.token}`,
          ...(init.json !== undefined
            ? { 'Content-Type': 'application/json' }
            : {}),
          ...(init.headers as Record<string, string>),
        },
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
    const statusOf = async (replica: Replica, name: string) => {
      const res = await call(replica, `/clusters/${name}/status`);
      if (res.status !== 200)
        throw new Error(`${replica.name} ${name}: HTTP ${res.status}`);
      return {
        etag: res.headers.get('etag'),
        body: (await res.json()) as {
          checkedAt: string;
          api: { reachable: boolean };
        },
      };
    };
    const nodeListTimes = (cluster: string) =>
      standIn.requestLog.entries
        .filter(
          e =>
            e.verb === 'list' && e.resource === 'nodes' && e.user === cluster,
        )
        .map(e => e.time);

    beforeAll(async () => {
      releaseSlot = await acquireE2eSlot('multiReplica.e2e.test.ts');
      const startedPg = await startTestPostgres();
      if ('skipped' in startedPg)
        throw new Error(`PostgreSQL: ${startedPg.skipped}`);
      pg = startedPg;
      const startedRedis = await startTestRedis();
      if ('skipped' in startedRedis)
        throw new Error(`Redis: ${startedRedis.skipped}`);
      redis = startedRedis;
      standIn = await startKubeApiStandIn({
        fixture: kpaasHaFixture({ addons: false }),
      });
      for (const name of names)
        standIn.addToken(`token-${name}`, { user: name, readOnly: true });
      fleet = createReplicaFleet(pg, redis);
      portA = await freePort('127.0.0.1');
      a = startReplica(fleet, 'a', portA, OPTIONS);
      // B after A has migrated the database (both at once race on Backstage's own migrations)
      await a.ready();
      b = startReplica(fleet, 'b', await freePort('127.0.0.1'), OPTIONS);
      await b.ready();
    }, E2E_SLOT_WAIT_MS + 600_000);

    afterAll(async () => {
      try {
        await a?.stop();
        await b?.stop();
        await standIn?.close();
        await redis?.stop();
        await pg?.stop();
      } finally {
        releaseSlot();
      }
    }, 120_000);

    it('registers 200 clusters through both replicas; both serve the same status, shared through Redis', async () => {
      for (const [i, name] of names.entries()) {
        const res = await call(i % 2 ? b : a, '/clusters', {
          method: 'POST',
          json: {
            name,
            apiServerUrl: standIn.url,
            caData: standIn.caPem,
            serviceAccountToken: `token-${name}`,
          },
        });
        expect(res.status).toBe(201);
      }
      // every cluster computed (at registration or by a refresh), whichever replica did it
      await until('a status for every cluster', 4 * INTERVAL_MS, async () => {
        const res = await call(b, '/clusters');
        const { items } = (await res.json()) as {
          items: Array<{ name: string; checkedAt?: string }>;
        };
        return items.length === CLUSTERS && items.every(i => i.checkedAt);
      });
      // Same body from both (a replica re-reads the cache within 2 s of a newer status).
      const [replicaA, replicaB] = [a, b];
      for (const name of names) {
        await until(
          `the same status of ${name} from A and B`,
          10_000,
          async () => {
            const [fromA, fromB] = await Promise.all([
              statusOf(replicaA, name),
              statusOf(replicaB, name),
            ]);
            return fromA.etag === fromB.etag && fromA.body.api.reachable;
          },
        );
      }
      // The statuses are in Redis under Backstage's namespace (backend.cache.redis.client),
      // one per cluster; Backstage's cache client stores keys base64-encoded.
      const stdout = await redisCommand(redis, [
        '--scan',
        '--pattern',
        'backstage:kpaas:*',
      ]);
      const keys = stdout
        .split('\n')
        .filter(Boolean)
        .map(k =>
          Buffer.from(k.slice('backstage:kpaas:'.length), 'base64').toString(),
        );
      expect(keys.filter(k => /^status-v2:c\d{3}$/.test(k))).toHaveLength(
        CLUSTERS,
      );
      // Backstage configured the store from backend.cache.redis (no missing-config warning).
      expect(a.output()).not.toContain(
        'No configuration found for cache store',
      );
    }, 600_000);

    it('refreshes each cluster at most once per interval across both replicas', async () => {
      standIn.requestLog.clear();
      const started = Date.now();
      // a window of at least two intervals in which every cluster was refreshed
      await until(
        'a refresh of every cluster',
        10 * INTERVAL_MS,
        async () =>
          Date.now() - started >= 2 * INTERVAL_MS &&
          names.every(n => nodeListTimes(n).length >= 1),
      ).catch(async error => {
        const counts = names.map(n => nodeListTimes(n).length);
        throw new Error(
          `${error.message}; LISTs per cluster: ${JSON.stringify(
            counts,
          )}; schedule rows: ${(
            await queryKpaasDatabase(
              pg,
              'select cluster, next_due_ms, failures, claimed_by, claim_expires_ms from kpaas_status_refresh order by next_due_ms limit 20',
            )
          ).join('\n')}; now ${Date.now()}; logs in ${fleet.dir}`,
        );
      });
      const windowMs = Date.now() - started;
      let minGap = Infinity;
      let most = 0;
      for (const name of names) {
        const times = nodeListTimes(name).sort((x, y) => x - y);
        most = Math.max(most, times.length);
        for (let i = 1; i < times.length; i++)
          minGap = Math.min(minGap, times[i] - times[i - 1]);
      }
      // node LISTs of one cluster are at least one interval apart (≤ 1 per interval) …
      expect(minGap).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(most).toBeLessThanOrEqual(Math.ceil(windowMs / INTERVAL_MS));
      // one shared schedule row per cluster, none left claimed by a live replica for long
      const rows = await queryKpaasDatabase(
        pg,
        'select count(*) from kpaas_status_refresh',
      );
      expect(Number(rows[0])).toBe(CLUSTERS);
    }, 300_000);

    it('a Terraform lock taken through A is refused through B (423), with the holder', async () => {
      const issued = await call(a, '/clusters/locked/terraform/credentials', {
        method: 'POST',
        json: { newCluster: true, taskId: 'task-lock' },
      });
      expect(issued.status).toBe(201);
      const { username, password } = await issued.json();
      const basic = `Basic ${Buffer.from(`${username}:${password}`).toString(
        'base64',
      )}`;
      const lock = (replica: Replica, id: string) =>
        fetch(
          `${replica.base}/api/kpaas/clusters/locked/terraform/state/lock`,
          {
            method: 'LOCK',
            headers: {
              Authorization: basic,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ ID: id, Operation: 'OperationTypeApply' }),
          },
        );
      expect((await lock(a, 'lock-a')).status).toBe(200);
      // the credential A issued is valid on B; the lock A took holds there
      const refused = await lock(b, 'lock-b');
      expect(refused.status).toBe(423);
      expect(await refused.json()).toMatchObject({ ID: 'lock-a' });
    });

    it('A killed mid-refresh: B serves a fresh status of the clusters A was refreshing within one interval', async () => {
      // slow node LISTs so that A holds claims for a while
      standIn.faults.add({ match: '/api/v1/nodes', latencyMs: 2000 });
      const claimedByA = await until(
        'A holding refresh claims',
        4 * INTERVAL_MS,
        async () => {
          const rows = await queryKpaasDatabase(
            pg,
            `select cluster from kpaas_status_refresh where claimed_by like '%:${a.pid}:%'`,
          );
          return rows.length > 0 && rows;
        },
      );
      await a.kill();
      const killedAt = Date.now();
      standIn.faults.clear();
      const [survivor, database, logs] = [b, pg, fleet.dir];
      for (const name of claimedByA) {
        const diagnose = async (error: Error) => {
          throw new Error(
            `${
              error.message
            }; killed at ${killedAt}, now ${Date.now()}; row: ${await queryKpaasDatabase(
              database,
              `select * from kpaas_status_refresh where cluster = '${name}'`,
            )}; logs in ${logs}`,
          );
        };
        await until(
          `a status of ${name} computed after A died`,
          LEASE_MS + TICK_MS + COMPUTE_SLACK_MS,
          async () => {
            const { body } = await statusOf(survivor, name);
            return Date.parse(body.checkedAt) > killedAt;
          },
        ).catch(diagnose);
      }
      // B took the clusters over: fresh within one lease (one interval), a tick and the compute
      const tookMs = Date.now() - killedAt;
      expect(tookMs).toBeLessThan(LEASE_MS + TICK_MS + COMPUTE_SLACK_MS);
    }, 300_000);

    it('A restarted loses nothing: registrations, statuses and the lock', async () => {
      a = startReplica(fleet, 'a', portA, OPTIONS);
      await a.ready();
      const res = await call(a, '/clusters');
      const { items } = (await res.json()) as {
        items: Array<{ name: string; checkedAt?: string }>;
      };
      expect(items.filter(i => names.includes(i.name))).toHaveLength(CLUSTERS);
      // served from the shared cache at once: nothing "not checked yet"
      expect(items.every(i => i.checkedAt)).toBe(true);
      const issued = await call(a, '/clusters/locked/terraform/credentials', {
        method: 'POST',
        json: { newCluster: true, taskId: 'task-lock' },
      });
      expect(issued.status).toBe(201);
      const { username, password } = await issued.json();
      const relock = await fetch(
        `${a.base}/api/kpaas/clusters/locked/terraform/state/lock`,
        {
          method: 'LOCK',
          headers: {
            Authorization: `Basic ${Buffer.from(
              `${username}:${password}`,
            ).toString('base64')}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ ID: 'lock-c' }),
        },
      );
      expect(relock.status).toBe(423);
      expect(await relock.json()).toMatchObject({ ID: 'lock-a' });
    }, 300_000);
  },
);
