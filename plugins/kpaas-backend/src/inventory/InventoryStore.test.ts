import {
  postgresUnavailableReason,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import knexFactory, { Knex } from 'knex';
import { resolve } from 'node:path';
import { InventoryStore } from './InventoryStore';

const migrationsDir = resolve(__dirname, '../../migrations');
const KEY_A = `SHA256:${'A'.repeat(43)}`;
const KEY_B = `SHA256:${'B'.repeat(43)}`;

const nodes = (): InventoryNode[] => [
  { name: 'cp-1', role: 'control-plane', address: '10.0.0.11', port: 22 },
  { name: 'w-1', role: 'worker', address: '10.0.0.21', port: 22 },
];

function inventorySuite(name: string, createKnex: () => Promise<Knex>) {
  describe(`InventoryStore on ${name}`, () => {
    let store: InventoryStore;

    beforeEach(async () => {
      const knex = await createKnex();
      await knex.migrate.latest({
        directory: migrationsDir,
        loadExtensions: ['.js'],
      });
      store = new InventoryStore(knex);
    });

    it('keeps the machines and the host keys bootstrap recorded across a re-provision', async () => {
      const order = { taskId: 'task-1', registered: false };
      expect((await store.put('demo', nodes(), order)).created).toBe(true);
      await store.recordHostKeys(
        'demo',
        [{ name: 'cp-1', fingerprint: KEY_A }],
        order,
      );
      // the apply template adds a worker: cp-1 is the same machine and keeps its key
      const scaled = [
        ...nodes(),
        {
          name: 'w-2',
          role: 'worker' as const,
          address: '10.0.0.22',
          port: 22,
        },
      ];
      const { inventory, created } = await store.put('demo', scaled, {
        taskId: 'task-2',
        registered: true,
      });
      expect(created).toBe(false);
      expect(inventory.nodes.map(n => [n.name, n.hostKeyFingerprint])).toEqual([
        ['cp-1', KEY_A],
        ['w-1', undefined],
        ['w-2', undefined],
      ]);
      expect(inventory.taskId).toBe('task-2');
      // a machine at a new address is another machine: its old key does not follow it
      const moved = scaled.map(n =>
        n.name === 'cp-1' ? { ...n, address: '10.0.0.99' } : n,
      );
      const after = await store.put('demo', moved, {
        taskId: 'task-3',
        registered: true,
      });
      expect(after.inventory.nodes[0].hostKeyFingerprint).toBeUndefined();
    });

    it('until the cluster is registered, only the order task reads or writes its inventory', async () => {
      await store.put('demo', nodes(), { taskId: 'task-1', registered: false });
      const other = { taskId: 'task-9', registered: false };
      await expect(store.get('demo', other)).rejects.toThrow(
        /cluster "demo" is not registered yet and its inventory belongs to the order that is creating it \(task task-1\); only that task may read it/,
      );
      await expect(store.put('demo', nodes(), other)).rejects.toThrow(
        /only that task may write it/,
      );
      await expect(
        store.recordHostKeys('demo', [{ name: 'cp-1', fingerprint: KEY_A }], {
          registered: false,
        }),
      ).rejects.toThrow(/only that task may write it/);
      // the order's own retry, and anyone's run once the cluster is registered
      expect(
        await store.get('demo', { taskId: 'task-1', registered: false }),
      ).toMatchObject({ cluster: 'demo', taskId: 'task-1' });
      expect(
        await store.get('demo', { taskId: 'task-9', registered: true }),
      ).toMatchObject({ cluster: 'demo' });
    });

    it('refuses a changed host key and a key for a node it does not have', async () => {
      const caller = { taskId: 'task-1', registered: false };
      await store.put('demo', nodes(), caller);
      await store.recordHostKeys(
        'demo',
        [{ name: 'w-1', fingerprint: KEY_A }],
        caller,
      );
      // recording the same key again changes nothing
      await store.recordHostKeys(
        'demo',
        [{ name: 'w-1', fingerprint: KEY_A }],
        caller,
      );
      await expect(
        store.recordHostKeys(
          'demo',
          [{ name: 'w-1', fingerprint: KEY_B }],
          caller,
        ),
      ).rejects.toThrow(
        /host key of w-1 in cluster "demo" differs from the recorded one/,
      );
      await expect(
        store.recordHostKeys(
          'demo',
          [{ name: 'w-7', fingerprint: KEY_B }],
          caller,
        ),
      ).rejects.toThrow(/hostKeys: "w-7" is not a node of cluster "demo"/);
      expect(
        await store.recordHostKeys(
          'nothing',
          [{ name: 'w-1', fingerprint: KEY_A }],
          caller,
        ),
      ).toBeUndefined();
      const kept = await store.get('demo', caller);
      expect(kept?.nodes[1].hostKeyFingerprint).toBe(KEY_A);
    });

    it('forgets a deleted cluster: a new order of the name starts clean', async () => {
      await store.put('demo', nodes(), { taskId: 'task-1', registered: false });
      await store.delete('demo');
      expect(
        await store.get('demo', { taskId: 'task-2', registered: false }),
      ).toBeUndefined();
      const { created } = await store.put('demo', nodes(), {
        taskId: 'task-2',
        registered: false,
      });
      expect(created).toBe(true);
    });
  });
}

const sqliteClients: Knex[] = [];
inventorySuite('SQLite', async () => {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  sqliteClients.push(knex);
  return knex;
});
afterAll(async () => {
  await Promise.all(sqliteClients.map(k => k.destroy()));
});

const pgUnavailable = postgresUnavailableReason();
if (pgUnavailable) {
  // eslint-disable-next-line no-console
  console.warn(`PostgreSQL inventory tests skipped: ${pgUnavailable}`);
}
(pgUnavailable ? describe.skip : describe)('on a throwaway PostgreSQL', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    const started = await startTestPostgres();
    if ('skipped' in started)
      throw new Error(`PostgreSQL did not start: ${started.skipped}`);
    pg = started;
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  inventorySuite('PostgreSQL', () => pg.createDatabase());
});
