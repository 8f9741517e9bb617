import type { CacheService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  postgresUnavailableReason,
  startKubeApiStandIn,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';
import type { Knex } from 'knex';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type {
  ClusterRecord,
  ClusterRegistry,
} from '../registry/ClusterRegistry';
import { claimsDatabase } from './__testUtils__/claimsDatabase';
import { RefreshClaims } from './RefreshClaims';
import { StatusService } from './StatusService';

/*
 * Two StatusService "replicas" over one database and one cache: each cluster is refreshed once
 * per interval across both, the work spreads, a dead replica's claim is taken over after its
 * lease, and a replica asked for a cluster the other is computing serves the other's result.
 * On SQLite (development) and, when available, a real PostgreSQL (production).
 */

// Each test starts 20 clusters' LISTs and watches; on a loaded 2-core machine that takes a while.
jest.setTimeout(30_000);

const networks = new ClusterNetworks(['127.0.0.0/8']);

/** Every replica a test starts; closed after it (stops its watches, hands its claims back). */
const started: StatusService[] = [];
function track(service: StatusService): StatusService {
  started.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map(s => s.close()));
});
const CLUSTERS = 20;

function sharedCache(): CacheService {
  const store = new Map<string, unknown>();
  const cache: CacheService = {
    get: async <T>(key: string) => store.get(key) as T,
    set: async (key, value) => {
      store.set(key, value);
    },
    delete: async key => {
      store.delete(key);
    },
    withOptions: () => cache,
  } as CacheService;
  return cache;
}

const pgUnavailable = postgresUnavailableReason();
const databases: Array<[string, () => Promise<Knex>]> = [
  ['SQLite', () => claimsDatabase()],
];
let pg: TestPostgres | undefined;
if (!pgUnavailable) {
  databases.push([
    'PostgreSQL',
    async () => {
      if (!pg) {
        const started = await startTestPostgres();
        if ('skipped' in started) throw new Error(started.skipped);
        pg = started;
      }
      return claimsDatabase(await pg.createDatabase());
    },
  ]);
} else {
  // eslint-disable-next-line no-console
  console.warn(`RefreshClaims on PostgreSQL skipped: ${pgUnavailable}`);
}

let standIn: KubeApiStandIn;
beforeAll(async () => {
  standIn = await startKubeApiStandIn({
    fixture: kpaasHaFixture({ addons: false }),
  });
  for (let i = 0; i < CLUSTERS; i++)
    standIn.addToken(`token-c${i}`, { user: `c${i}`, readOnly: true });
});
afterAll(async () => {
  await standIn?.close();
  await pg?.stop();
});

const records: ClusterRecord[] = Array.from({ length: CLUSTERS }, (_, i) => ({
  name: `c${i}`,
  apiServerUrl: '',
  source: 'config',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}));

const registry = {
  list: async () => records,
  get: async (name: string) => records.find(r => r.name === name),
  getConnection: async (name: string) => ({
    name,
    apiServerUrl: standIn.url,
    caData: standIn.caPem,
    token: `token-${name}`,
  }),
  runningEntry: async () => undefined,
} as unknown as ClusterRegistry;

const nodeLists = (cluster?: string) =>
  standIn.countRequests({ verb: 'list', resource: 'nodes', user: cluster });

describe.each(databases)('status refresh claims on %s', (_label, open) => {
  let db: Knex;
  let cache: CacheService;
  const replica = (claimMs = 20_000) =>
    track(
      new StatusService({
        networks,
        registry,
        cache,
        claims: new RefreshClaims(db, { claimMs }),
        logger: mockServices.logger.mock(),
        intervalMs: 60_000,
        concurrency: 4,
      }),
    );

  beforeAll(async () => {
    db = await open();
  }, 60_000);
  afterAll(() => db?.destroy());
  beforeEach(async () => {
    await db('kpaas_status_refresh').delete();
    cache = sharedCache();
    standIn.requestLog.clear();
  });

  it('refreshes each cluster once per interval across two replicas, spreading the work', async () => {
    const a = replica();
    const b = replica();
    const [ra, rb] = await Promise.all([a.refreshAll(), b.refreshAll()]);
    expect(ra.refreshed + rb.refreshed).toBe(CLUSTERS);
    expect(ra.refreshed).toBeGreaterThan(0);
    expect(rb.refreshed).toBeGreaterThan(0);
    for (const r of records) expect(nodeLists(r.name)).toBe(1);
    // both served every cluster from the shared cache
    for (const r of records) {
      expect((await a.peek(r.name))?.etag).toBe((await b.peek(r.name))?.etag);
    }
    // within the interval nothing is due on either replica
    const again = await Promise.all([a.refreshAll(), b.refreshAll()]);
    expect(again.map(r => r.refreshed)).toEqual([0, 0]);
    expect(nodeLists()).toBe(CLUSTERS);
  });

  it('a cluster registered while a run is under way is refreshed in that run, once', async () => {
    // another replica added c19's row; this run's list predates the registration
    const late = track(
      new StatusService({
        networks,
        registry: {
          ...registry,
          list: async () => records.slice(0, CLUSTERS - 1),
        } as unknown as ClusterRegistry,
        cache,
        claims: new RefreshClaims(db, { claimMs: 20_000 }),
        logger: mockServices.logger.mock(),
        intervalMs: 60_000,
        concurrency: 4,
      }),
    );
    await new RefreshClaims(db, { claimMs: 20_000 }).ensure(['c19']);
    expect(await late.refreshAll()).toMatchObject({ refreshed: CLUSTERS });
    expect(nodeLists('c19')).toBe(1);
    expect((await late.refreshAll()).refreshed).toBe(0);
  });

  it('a dead replica claim is taken over once its lease ends, not before', async () => {
    const claimMs = 3000;
    // replica A claims c0 and dies before computing it
    const dead = new RefreshClaims(db, { claimMs });
    await dead.ensure(records.map(r => r.name));
    const claimedAt = Date.now();
    expect(await dead.claim('c0')).toEqual({ cluster: 'c0', failures: 0 });
    // claimed: neither claimable by due nor directly elsewhere until the lease ends
    expect(
      await new RefreshClaims(db, { claimMs }).claim('c0'),
    ).toBeUndefined();

    // B keeps running its refresh until it has taken c0 over
    const b = replica(claimMs);
    while (nodeLists('c0') === 0) {
      expect(Date.now() - claimedAt).toBeLessThan(claimMs + 10_000);
      await b.refreshAll();
      await sleep(100);
    }
    const [listedAt] = standIn.requestLog.entries
      .filter(
        e => e.user === 'c0' && e.verb === 'list' && e.resource === 'nodes',
      )
      .map(e => e.time);
    expect(listedAt - claimedAt).toBeGreaterThanOrEqual(claimMs);
    for (const r of records) expect(nodeLists(r.name)).toBe(1);
    expect((await b.peek('c0'))?.status.api.reachable).toBe(true);
    // A's late release (if it came back) does not undo B's refresh
    expect(await dead.release('c0', 0, 0)).toBe(false);
  });

  it('a replica asked for a cluster the other is computing serves that result, without its own LIST', async () => {
    const a = replica();
    const b = replica();
    standIn.faults.add({
      match: '/api/v1/nodes',
      latencyMs: 800,
      times: 1,
    });
    const computing = a.refresh(records[0]);
    // wait until A holds the claim
    const claims = new RefreshClaims(db, { claimMs: 20_000 });
    while (!(await claims.isClaimed('c0'))) await sleep(20);
    const fromB = await b.refresh(records[0]);
    const fromA = await computing;
    expect(fromB.etag).toBe(fromA.etag);
    expect(nodeLists('c0')).toBe(1);
  });
});
