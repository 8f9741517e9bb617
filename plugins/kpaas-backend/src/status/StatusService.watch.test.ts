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

// 1000 nodes, several replicas, on a loaded 2-core machine
jest.setTimeout(60_000);

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

  const replica = (
    cache: CacheService,
    claimMs = 20_000,
    watchTimeoutSeconds?: number,
  ) => {
    const service = new StatusService({
      watchTimeoutSeconds,
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

  it('re-LISTs exactly once after 410 Gone, then watches on', async () => {
    // Without bookmarks (they keep a watch's resourceVersion current) a compaction makes the
    // next resumption 410 Gone; the server ends each watch after 1 s, so it resumes soon.
    const big = standIn;
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false, workers: 20 }),
      bookmarkIntervalMs: 0,
    });
    try {
      await reList();
    } finally {
      await standIn.close();
      standIn = big;
    }
  });

  async function reList() {
    const service = replica(sharedCache(), 20_000, 1);
    await service.refresh(record);
    const watch = service.watching().get('big')!;
    const before = nodeLists();
    const watchesBefore = standIn.countRequests({
      verb: 'watch',
      resource: 'nodes',
    });
    // another object changes (the global resourceVersion moves on), then history is compacted
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'moves-on', namespace: 'default' },
    });
    standIn.store.compact();
    await waitFor('a re-LIST', () => nodeLists() > before);
    // it watches again from the new LIST, across further resumptions, without another LIST
    await waitFor(
      'two more watches',
      () =>
        standIn.countRequests({ verb: 'watch', resource: 'nodes' }) >=
        watchesBefore + 3,
    );
    standIn.setNodeReady('worker-7', false);
    await waitFor('worker-7 NotReady', async () =>
      (await node(service, 'worker-7'))?.ready === false ? true : undefined,
    );
    expect(nodeLists() - before).toBe(1);
    expect(watch.nodes.size).toBe(3 + 20);
  }

  it('stops watching when the cluster is deleted', async () => {
    const service = replica(sharedCache());
    await service.refresh(record);
    const watch = service.watching().get('big')!;
    await service.forget('big');
    expect(service.watching().size).toBe(0);
    const lists = nodeLists();
    standIn.setNodeReady('worker-9', false);
    // nothing of this cluster is stored any more, and the watch's model stays as it was
    await sleep(0);
    expect(await service.peek('big')).toBeUndefined();
    expect(watch.nodes.statuses().find(n => n.name === 'worker-9')?.ready).toBe(
      true,
    );
    expect(nodeLists()).toBe(lists);
    standIn.setNodeReady('worker-9', true);

    // a scheduled run of a replica whose registry no longer has it drops the watch too
    const again = replica(sharedCache());
    await again.refresh(record);
    registered = false;
    try {
      await again.refreshAll();
      await waitFor('the watch dropped', async () => {
        await again.refreshAll();
        return again.watching().size === 0;
      });
    } finally {
      registered = true;
    }
  });

  it('stops watching when another replica took the claim over', async () => {
    const cache = sharedCache();
    const a = replica(cache, 1000);
    await a.refresh(record);
    expect([...a.watching().keys()]).toEqual(['big']);
    // A stalls past its lease and the interval; B's scheduled run takes the cluster over
    await db('kpaas_status_refresh').update({ next_due_ms: 0 });
    const b = replica(cache);
    await waitFor(
      'B watching',
      async () => {
        await b.refreshAll();
        return b.watching().has('big');
      },
      10_000,
    );
    // A's next run finds its claim gone and stops
    await a.refreshAll();
    expect(a.watching().size).toBe(0);
    // B's watch keeps the shared status current
    standIn.setNodeReady('worker-11', false);
    await waitFor('worker-11 NotReady from B', async () =>
      (await node(a, 'worker-11'))?.ready === false ? true : undefined,
    );
    standIn.setNodeReady('worker-11', true);
  });
});
