import { mockCredentials } from '@backstage/backend-test-utils';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  postgresUnavailableReason,
  startKubeApiStandIn,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';
import request from 'supertest';
import { clusterSpec, startKpaas } from './__testUtils__/rig';

// The whole plugin (migrations, registry, timeline, status) on a real PostgreSQL.
const TOKEN = 'canary-pg-token-7e6d5c4b3a';

const pgUnavailable = postgresUnavailableReason();
if (pgUnavailable) {
  // eslint-disable-next-line no-console
  console.warn(`PostgreSQL plugin test skipped: ${pgUnavailable}`);
}

(pgUnavailable ? describe.skip : describe)('kpaasPlugin on PostgreSQL', () => {
  let pg: TestPostgres;
  let standIn: KubeApiStandIn;

  beforeAll(async () => {
    const started = await startTestPostgres();
    if ('skipped' in started)
      throw new Error(`PostgreSQL did not start: ${started.skipped}`);
    pg = started;
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture(),
      tokens: { [TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
  }, 60_000);

  afterAll(async () => {
    await standIn?.close();
    await pg?.stop();
  });

  it('registers (owner and repo recorded), stores the token encrypted, serves status and timeline, deletes by archiving', async () => {
    const knex = await pg.createDatabase();
    const rig = await startKpaas({ knex });
    try {
      const scaffolder = mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('plugin:scaffolder'),
        targetPluginId: 'kpaas',
      });
      const created = await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder)
        .send({
          name: 'demo',
          apiServerUrl: standIn.url,
          caData: standIn.caPem,
          serviceAccountToken: TOKEN,
          spec: clusterSpec('demo'),
          repoUrl: 'https://GitHub.com/org/demo-cluster.git/',
        });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        owner: 'group:default/platform-team',
        repoUrl: 'https://github.com/org/demo-cluster',
      });

      const rows = await knex('kpaas_clusters').select();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        owner: 'group:default/platform-team',
        repo_url: 'https://github.com/org/demo-cluster',
      });
      expect(JSON.stringify(rows)).not.toContain(TOKEN);
      expect(rows[0].created_at).toBeInstanceOf(Date); // timestamptz on PostgreSQL

      const status = await request(rig.server).get(
        '/api/kpaas/clusters/demo/status',
      );
      expect(status.body).toMatchObject({
        state: 'Healthy',
        nodes: expect.any(Array),
      });
      expect(status.body.nodes).toHaveLength(6);

      await request(rig.server)
        .post('/api/kpaas/clusters/demo/timeline')
        .set('Authorization', scaffolder)
        .send({ phase: 'bootstrap', step: 'join', status: 'succeeded' })
        .expect(201);
      const timeline = await request(rig.server).get(
        '/api/kpaas/clusters/demo/timeline',
      );
      expect(timeline.body.items).toEqual([
        expect.objectContaining({
          phase: 'bootstrap',
          step: 'join',
          status: 'succeeded',
          id: expect.any(Number),
        }),
      ]);

      await request(rig.server).delete('/api/kpaas/clusters/demo').expect(204);
      expect(await knex('kpaas_clusters').count({ n: '*' })).toEqual([
        { n: '0' },
      ]);
      // The timeline is archived, not erased; a new cluster of the name starts without it.
      const kept = await knex('kpaas_timeline').where({ cluster: 'demo' });
      expect(kept).toHaveLength(1);
      expect(kept[0].archived_at).toBeInstanceOf(Date);
      await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder)
        .send({
          name: 'demo',
          apiServerUrl: standIn.url,
          caData: standIn.caPem,
          serviceAccountToken: TOKEN,
        })
        .expect(201);
      const fresh = await request(rig.server).get(
        '/api/kpaas/clusters/demo/timeline',
      );
      expect(fresh.body.items).toEqual([]);
      for (const line of rig.lines) expect(line).not.toContain(TOKEN);
    } finally {
      await rig.stop();
    }
  }, 30_000);
});
