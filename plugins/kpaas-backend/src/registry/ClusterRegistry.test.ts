import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { CredentialCipher } from '../crypto/CredentialCipher';
import {
  postgresUnavailableReason,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';
import { ClusterRegistry } from './ClusterRegistry';

const TOKEN = 'canary-registry-token-0123456789';
const CA = `-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUJ1Ag1c3V3D2wQ5KxC6w8gVt3S1swCgYIKoZIzj0EAwIw
-----END CERTIFICATE-----`;

const migrationsDir = resolve(__dirname, '../../migrations');

async function migrate(knex: Knex) {
  // The plugin's migrations folder, as the plugin runs it at startup.
  await knex.migrate.latest({
    directory: migrationsDir,
    loadExtensions: ['.js'],
  });
}

function registrySuite(name: string, createKnex: () => Promise<Knex>) {
  describe(`ClusterRegistry on ${name}`, () => {
    let knex: Knex;
    let registry: ClusterRegistry;
    let cipherKey: Buffer;
    const logger = mockServices.logger.mock();

    beforeEach(async () => {
      knex = await createKnex();
      await migrate(knex);
      cipherKey = randomBytes(32);
      registry = new ClusterRegistry(
        knex,
        new CredentialCipher(cipherKey),
        ClusterRegistry.readConfigClusters(
          new ConfigReader({
            kpaas: {
              clusters: [
                {
                  name: 'legacy',
                  url: 'https://10.0.0.1:6443',
                  serviceAccountToken: 'cfg-token',
                },
              ],
            },
          }),
        ),
        logger,
      );
    });

    it('stores the credential encrypted and returns it only through getConnection', async () => {
      const { record, created } = await registry.register({
        name: 'demo',
        apiServerUrl: 'https://172.16.0.100:6443',
        caData: CA,
        serviceAccountToken: TOKEN,
        spec: { metadata: { name: 'demo' } },
        taskId: 't1',
      });
      expect(created).toBe(true);
      expect(record).toMatchObject({
        name: 'demo',
        source: 'registered',
        taskId: 't1',
      });
      expect(JSON.stringify(record)).not.toContain(TOKEN);

      const row = await knex('kpaas_clusters').where({ name: 'demo' }).first();
      expect(JSON.stringify(row)).not.toContain(TOKEN);
      expect(JSON.stringify(row)).not.toContain(
        Buffer.from(TOKEN).toString('base64'),
      );
      expect(row.credential_ciphertext).toMatch(/^v1:[0-9a-f]{16}:/);
      expect((await registry.getConnection('demo'))?.token).toBe(TOKEN);

      const again = await registry.register({
        name: 'demo',
        apiServerUrl: 'https://172.16.0.100:6443',
        serviceAccountToken: 'rotated-token',
      });
      expect(again.created).toBe(false);
      expect(again.record.createdAt).toBe(record.createdAt);
      expect((await registry.getConnection('demo'))?.token).toBe(
        'rotated-token',
      );
    });

    it('merges config clusters, which win and cannot be changed through the API', async () => {
      await registry.register({
        name: 'a',
        apiServerUrl: 'https://a:6443',
        serviceAccountToken: 'x',
      });
      expect((await registry.list()).map(c => [c.name, c.source])).toEqual([
        ['a', 'registered'],
        ['legacy', 'config'],
      ]);
      await expect(
        registry.register({
          name: 'legacy',
          apiServerUrl: 'https://b:6443',
          serviceAccountToken: 'x',
        }),
      ).rejects.toThrow(/defined in app-config/);
      await expect(registry.delete('legacy')).rejects.toThrow(
        /defined in app-config/,
      );
      expect((await registry.getConnection('legacy'))?.token).toBe('cfg-token');
    });

    it('keeps a timeline, finishing running entries, and archives it with the cluster', async () => {
      await registry.addTimelineEntry('demo', {
        phase: 'provision',
        step: 'plan',
        status: 'succeeded',
      });
      const running = await registry.addTimelineEntry('demo', {
        phase: 'provision',
        step: 'apply',
        status: 'running',
        taskId: 't1',
      });
      expect(running.finishedAt).toBeUndefined();
      expect(await registry.runningEntry('demo')).toMatchObject({
        id: running.id,
      });
      const done = await registry.addTimelineEntry('demo', {
        phase: 'provision',
        step: 'apply',
        status: 'failed',
        summary: 'quota exceeded',
        taskId: 't1',
      });
      expect(done).toMatchObject({
        id: running.id,
        status: 'failed',
        summary: 'quota exceeded',
      });
      expect(done.finishedAt).toBeDefined();
      expect(await registry.runningEntry('demo')).toBeUndefined();
      expect((await registry.listTimeline('demo')).map(e => e.step)).toEqual([
        'plan',
        'apply',
      ]);

      await registry.register({
        name: 'demo',
        apiServerUrl: 'https://a:6443',
        serviceAccountToken: 'x',
      });
      await registry.delete('demo');
      // Archived, not erased: no longer the name's timeline, still on record.
      expect(await registry.listTimeline('demo')).toEqual([]);
      expect(await registry.runningEntry('demo')).toBeUndefined();
      expect(
        (await registry.listArchivedTimeline('demo')).map(e => e.step),
      ).toEqual(['plan', 'apply']);
      await expect(registry.delete('demo')).rejects.toThrow(
        /no cluster named "demo"/,
      );
    });

    it('re-encrypts rows written with a previous key', async () => {
      await registry.register({
        name: 'demo',
        apiServerUrl: 'https://a:6443',
        serviceAccountToken: TOKEN,
      });
      const newKey = randomBytes(32);
      const rotated = new ClusterRegistry(
        knex,
        new CredentialCipher(newKey, [cipherKey]),
        [],
        logger,
      );
      expect(await rotated.reencryptWithCurrentKey()).toBe(1);
      expect(await rotated.reencryptWithCurrentKey()).toBe(0);
      const withoutOld = new ClusterRegistry(
        knex,
        new CredentialCipher(newKey),
        [],
        logger,
      );
      expect((await withoutOld.getConnection('demo'))?.token).toBe(TOKEN);
    });
  });
}

const sqliteClients: Knex[] = [];
registrySuite('SQLite', async () => {
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
  console.warn(`PostgreSQL registry tests skipped: ${pgUnavailable}`);
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

  registrySuite('PostgreSQL', () => pg.createDatabase());

  it('is a real server', async () => {
    const knex = await pg.createDatabase();
    const { rows } = await knex.raw('show server_version');
    expect(rows[0].server_version).toMatch(/^\d+/);
  });
});
