import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  KubeApiStandIn,
  kpaasHaFixture,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { clusterSpec, startKpaas } from '../__testUtils__/rig';
import {
  basic,
  describeOnDatabases,
  stateDoc,
} from '../state/__testUtils__/databases';

/*
 * POST /clusters/:name/retire through the real plugin wiring, on SQLite and PostgreSQL: the
 * registration and machines kept in kpaas_retired_clusters, the Terraform state and the
 * timeline archived, the inventory and the registry entry gone; kpaas.cluster.delete and the
 * name typed again are required.
 */

jest.setTimeout(120_000);

const TOKEN = 'retire-test-token';
const scaffolder = () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:scaffolder'),
    targetPluginId: 'kpaas',
  });
const api = '/api/kpaas/clusters/demo';

function tests(getKnex: () => Promise<Knex>) {
  let standIn: KubeApiStandIn;
  let knex: Knex;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture(),
      tokens: { [TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    knex = await getKnex();
  });
  afterEach(() => standIn?.close());

  async function orderedCluster(rig: Awaited<ReturnType<typeof startKpaas>>) {
    const cred = await request(rig.server)
      .post(`${api}/terraform/credentials`)
      .set('Authorization', scaffolder())
      .send({ newCluster: true, taskId: 'task-1' });
    expect(cred.status).toBe(201);
    await request(rig.server)
      .post(`${api}/terraform/state`)
      .set('Authorization', basic(cred.body))
      .set('Content-Type', 'application/json')
      .send(stateDoc(3))
      .expect(200);
    await request(rig.server)
      .put(`${api}/inventory`)
      .set('Authorization', scaffolder())
      .send({
        taskId: 'task-1',
        nodes: [
          {
            name: 'demo-cp-1',
            role: 'control-plane',
            address: '172.16.0.101',
            port: 22,
          },
          {
            name: 'demo-worker-1',
            role: 'worker',
            address: '172.16.0.111',
            port: 22,
          },
        ],
      })
      .expect(201);
    await request(rig.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', scaffolder())
      .send({
        name: 'demo',
        entityRef: 'resource:default/demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        serviceAccountToken: TOKEN,
        spec: clusterSpec('demo'),
        taskId: 'task-1',
        repoUrl: 'https://github.com/acme/demo-cluster',
      })
      .expect(201);
    await request(rig.server)
      .post(`${api}/timeline`)
      .set('Authorization', scaffolder())
      .send({
        phase: 'provision',
        step: 'apply',
        status: 'succeeded',
        taskId: 'task-1',
      })
      .expect(201);
    return cred.body;
  }

  it('keeps the registration and machines, archives state and timeline, removes the entry', async () => {
    const rig = await startKpaas({ knex });
    try {
      const stateCredential = await orderedCluster(rig);
      const refused = await request(rig.server)
        .post(`${api}/retire`)
        .set('Authorization', scaffolder())
        .send({ confirm: 'demo-prod', taskId: 'task-9' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain(
        'confirm: type the cluster\'s name "demo" again to retire it (got "demo-prod")',
      );

      const res = await request(rig.server)
        .post(`${api}/retire`)
        .set('Authorization', scaffolder())
        .send({ confirm: 'demo', taskId: 'task-9' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        archivedStateVersions: 1,
        archivedTimelineEntries: 1,
        retired: {
          cluster: 'demo',
          taskId: 'task-9',
          registration: {
            name: 'demo',
            entityRef: 'resource:default/demo',
            repoUrl: 'https://github.com/acme/demo-cluster',
          },
          inventory: [{ name: 'demo-cp-1' }, { name: 'demo-worker-1' }],
        },
      });
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);

      // gone: registration, inventory, state (credential revoked); kept: the archive rows
      await request(rig.server)
        .get(api)
        .set('Authorization', mockCredentials.user.header())
        .expect(404);
      await request(rig.server)
        .get(`${api}/inventory`)
        .set('Authorization', mockCredentials.user.header())
        .expect(404);
      expect(
        (
          await request(rig.server)
            .get(`${api}/terraform/state`)
            .set('Authorization', basic(stateCredential))
        ).status,
      ).toBe(401);
      const stateRows = await knex('kpaas_terraform_state').where({
        cluster: 'demo',
      });
      expect(stateRows.every((r: any) => r.archived_at !== null)).toBe(true);
      const timeline = await knex('kpaas_timeline').where({ cluster: 'demo' });
      expect(timeline).toHaveLength(1);
      expect(timeline[0].archived_at).not.toBeNull();

      const listed = await request(rig.server)
        .get(`${api}/retired`)
        .set('Authorization', mockCredentials.user.header());
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
      expect(listed.body.items[0].registration.name).toBe('demo');

      // nothing left to retire
      await request(rig.server)
        .post(`${api}/retire`)
        .set('Authorization', scaffolder())
        .send({ confirm: 'demo' })
        .expect(404);
    } finally {
      await rig.stop();
    }
  });

  it('needs kpaas.cluster.delete', async () => {
    const rig = await startKpaas({
      knex,
      allow: [
        'kpaas.cluster.read',
        'kpaas.cluster.update',
        'kpaas.cluster.create',
      ],
    });
    try {
      const res = await request(rig.server)
        .post(`${api}/retire`)
        .set('Authorization', mockCredentials.user.header())
        .send({ confirm: 'demo' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('kpaas.cluster.delete');
    } finally {
      await rig.stop();
    }
  });
}

describeOnDatabases('retiring a cluster', tests);
