import type { CacheService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import type {
  ClusterRecord,
  ClusterRegistry,
} from '../registry/ClusterRegistry';
import { ClusterNetworks } from '../network/ClusterNetworks';
import { StatusService } from './StatusService';
import { RefreshClaims } from './RefreshClaims';
import { claimsDatabase } from './__testUtils__/claimsDatabase';

/** The stand-in listens on loopback, which the default cluster networks refuse. */
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

/** The cache service as every replica sees it (one shared store). */
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

describe('StatusService across replicas', () => {
  let standIn: KubeApiStandIn;
  let db: Knex;
  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    db = await claimsDatabase();
  });
  afterAll(async () => {
    await standIn.close();
    await db.destroy();
  });
  beforeEach(() => db('kpaas_status_refresh').delete());
  /** A replica's claims over the shared database. */
  const claims = () => new RefreshClaims(db, { claimMs: 20_000 });

  const record: ClusterRecord = {
    name: 'demo',
    apiServerUrl: '',
    source: 'config',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const registry = () =>
    ({
      list: async () => [record],
      getConnection: async () => ({
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      }),
      runningEntry: async () => undefined,
    } as unknown as ClusterRegistry);

  it('serves what the refreshing replica stored, and picks up newer statuses in the background', async () => {
    const cache = sharedCache();
    const logger = mockServices.logger.mock();
    const refresher = track(
      new StatusService({
        networks,
        registry: registry(),
        cache,
        claims: claims(),
        logger,
      }),
    );
    const reader = track(
      new StatusService({
        networks,
        registry: registry(),
        cache,
        claims: claims(),
        logger,
        memoTtlMs: 60_000,
      }),
    );

    expect(await reader.peek('demo')).toBeUndefined();
    await refresher.refreshAll();
    const first = await reader.peek('demo');
    expect(first?.status.nodes).toHaveLength(6);

    standIn.setNodeReady('worker-1', false);
    // not due again within the interval: a scheduled run leaves it, a refresh computes it
    expect(await refresher.refreshAll()).toEqual({ refreshed: 0, skipped: 1 });
    await refresher.refresh(record);
    // Within the TTL the reader serves its copy without asking the cache.
    expect((await reader.peek('demo'))?.etag).toBe(first?.etag);

    const realNow = Date.now.bind(Date);
    const clock = jest
      .spyOn(Date, 'now')
      .mockImplementation(() => realNow() + 61_000);
    try {
      // Expired: served at once, revalidated in the background.
      expect((await reader.peek('demo'))?.etag).toBe(first?.etag);
      let second = await reader.peek('demo');
      for (let i = 0; i < 100 && second?.etag === first?.etag; i++) {
        await new Promise(r => setTimeout(r, 10));
        second = await reader.peek('demo');
      }
      expect(second?.etag).not.toBe(first?.etag);
      expect(second?.status.state).toBe('Degraded');
      expect(second?.status.reason).toContain('worker-1');
    } finally {
      clock.mockRestore();
      standIn.setNodeReady('worker-1', true);
    }
  });

  it('a new registration is Provisioning until first Healthy, then a NotReady node is Degraded', async () => {
    const fresh: ClusterRecord = {
      ...record,
      source: 'registered',
      createdAt: new Date().toISOString(),
    };
    const cache = sharedCache();
    // each call a replica that refreshes once and shuts down (handing its claim back)
    const service = () => ({
      refresh: async (cluster: ClusterRecord) => {
        const replica = new StatusService({
          networks,
          registry: registry(),
          cache,
          claims: claims(),
          logger: mockServices.logger.mock(),
        });
        try {
          return await replica.refresh(cluster);
        } finally {
          await replica.close();
        }
      },
    });
    standIn.setNodeReady('worker-1', false, 'KubeletNotReady');
    try {
      const settling = await service().refresh(fresh);
      expect(settling.status.state).toBe('Provisioning');
      expect(settling.status.reason).toMatch(/still settling: .*worker-1/);

      standIn.setNodeReady('worker-1', true);
      expect((await service().refresh(fresh)).status.state).toBe('Healthy');

      // another replica (same shared cache) after the node fails again
      standIn.setNodeReady('worker-1', false, 'KubeletNotReady');
      const degraded = await service().refresh(fresh);
      expect(degraded.status.state).toBe('Degraded');
      expect(degraded.status.reason).toMatch(/worker-1/);

      // a re-registration under the same name settles again
      const again = {
        ...fresh,
        createdAt: new Date(Date.now() + 1).toISOString(),
      };
      expect((await service().refresh(again)).status.state).toBe(
        'Provisioning',
      );
    } finally {
      standIn.setNodeReady('worker-1', true);
    }
  });

  it('backs off an unreachable cluster exponentially, capped', async () => {
    const unreachable = {
      ...registry(),
      getConnection: async () => ({
        name: 'demo',
        apiServerUrl: 'https://127.0.0.1:9',
        token: 't',
      }),
    } as unknown as ClusterRegistry;
    const service = track(
      new StatusService({
        networks,
        registry: unreachable,
        cache: sharedCache(),
        claims: claims(),
        logger: mockServices.logger.mock(),
        intervalMs: 1000,
        maxBackoffMs: 3000,
      }),
    );
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await service.refresh(record);
      const b = (await service.backoffOf('demo'))!;
      delays.push(Math.round((b.nextAttemptAt - Date.now()) / 1000));
    }
    expect(delays).toEqual([1, 2, 3, 3]);
    expect(await service.refreshAll()).toEqual({ refreshed: 0, skipped: 1 });
    const status = (await service.peek('demo'))!.status;
    expect(status).toMatchObject({
      state: 'Unreachable',
      api: { reachable: false },
    });
    expect(status.reason).toMatch(/ECONNREFUSED/);
  });
});
