import type { CacheService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import {
  generateNodes,
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
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
 * Nodes and static pods by LIST+WATCH against the Kubernetes API stand-in over HTTPS: changes
 * reach the cached status without a new LIST, a 410 Gone costs exactly one re-LIST, a change of
 * one node re-derives one node, and the watch ends with the claim or the cluster.
 */

const networks = new ClusterNetworks(['127.0.0.0/8']);

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

/** Polls `check` until it returns a value (not undefined/false), or fails after `ms`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const WORKERS = 997;

describe('StatusService with watched nodes', () => {
  let standIn: KubeApiStandIn;
  let db: Knex;
  const started: StatusService[] = [];
  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false, workers: WORKERS }),
      bookmarkIntervalMs: 200,
    });
    db = await claimsDatabase();
  }, 60_000);
  afterAll(async () => {
    await standIn.close();
    await db.destroy();
  });
  beforeEach(() => db('kpaas_status_refresh').delete());
  afterEach(async () => {
    await Promise.all(started.splice(0).map(s => s.close()));
  });

  const record: ClusterRecord = {
    name: 'big',
    apiServerUrl: '',
    source: 'config',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  let registered = true;
  const registry = {
    list: async () => (registered ? [record] : []),
    get: async (name: string) =>
      registered && name === record.name ? record : undefined,
    getConnection: async () => ({
      name: 'big',
      apiServerUrl: standIn.url,
      caData: standIn.caPem,
      token: standIn.adminToken,
    }),
    runningEntry: async () => undefined,
  } as unknown as ClusterRegistry;

  const replica = (cache: CacheService, claimMs = 20_000) => {
    const service = new StatusService({
      networks,
      registry,
      cache,
      claims: new RefreshClaims(db, { claimMs }),
      logger: mockServices.logger.mock(),
      intervalMs: 60_000,
      coalesceMs: 20,
      watchBackoffMs: 50,
    });
    started.push(service);
    return service;
  };
  /** LISTs of nodes started (a 1000-node LIST is two pages, two requests). */
  const nodeLists = () =>
    standIn.requestLog.entries.filter(
      e =>
        e.verb === 'list' &&
        e.resource === 'nodes' &&
        !/(^|&)continue=/.test(e.query),
    ).length;
  const node = async (service: StatusService, name: string) =>
    (await service.peek('big'))?.status.nodes.find(n => n.name === name);

  it('shows added, modified and deleted nodes without a new LIST, re-deriving only those', async () => {
    const before = nodeLists();
    const service = replica(sharedCache());
    const first = await service.refresh(record);
    expect(first.status.nodes).toHaveLength(3 + WORKERS);
    expect(JSON.parse(first.json)).toEqual(first.status);
    expect(nodeLists() - before).toBe(1);
    const watch = service.watching().get('big')!;
    const derived = watch.nodes.derived;

    standIn.setNodeReady('worker-500', false, 'KubeletNotReady');
    await waitFor('worker-500 NotReady', async () =>
      (await node(service, 'worker-500'))?.ready === false ? true : undefined,
    );
    expect(watch.nodes.derived - derived).toBe(1);
    const degraded = (await service.peek('big'))!;
    expect(degraded.status.state).toBe('Degraded');
    expect(degraded.status.reason).toContain('worker-500');
    expect(JSON.parse(degraded.json)).toEqual(degraded.status);

    const [extra] = generateNodes(1, { namePrefix: 'added-' });
    standIn.store.create(extra);
    await waitFor('the added node', () => node(service, 'added-1'));
    standIn.store.delete({ apiVersion: 'v1', kind: 'Node', name: 'added-1' });
    await waitFor(
      'the deleted node gone',
      async () => (await node(service, 'added-1')) === undefined,
    );
    expect(watch.nodes.derived - derived).toBe(2);
    expect(nodeLists() - before).toBe(1);
    standIn.setNodeReady('worker-500', true);
  });
});
