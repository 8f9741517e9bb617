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
  lockInfo,
  stateDoc,
} from './__testUtils__/databases';

/*
 * Finding 7 through the real plugin wiring: DELETE /clusters/:name archives the cluster's
 * Terraform state, revokes its state credentials and releases its lock, so a new order of the
 * same name starts empty instead of inheriting them.
 */

jest.setTimeout(120_000);

const TOKEN = 'deletion-test-token';
const scaffolder = () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:scaffolder'),
    targetPluginId: 'kpaas',
  });

function tests(getKnex: () => Promise<Knex>) {
  let standIn: KubeApiStandIn;
  let rig: Awaited<ReturnType<typeof startKpaas>>;
  let knex: Knex;

  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture(),
      tokens: { [TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    knex = await getKnex();
    rig = await startKpaas({ knex });
  });
  afterEach(async () => {
    await rig?.stop();
    await standIn?.close();
  });

  it('DELETE /clusters/:name archives the state, revokes credentials, releases the lock', async () => {
    const api = '/api/kpaas/clusters/demo';
    const credentials = (taskId: string) =>
      request(rig.server)
        .post(`${api}/terraform/credentials`)
        .set('Authorization', scaffolder())
        .send({ newCluster: true, taskId });
    const first = await credentials('task-1');
    expect(first.status).toBe(201);
    const auth = basic(first.body);
    await request(rig.server)
      .post(`${api}/terraform/state`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(stateDoc(3))
      .expect(200);
    await request(rig.server)
      .lock(`${api}/terraform/state/lock`)
      .set('Authorization', auth)
      .send(JSON.stringify(lockInfo('run-1')))
      .expect(200);
    const registered = await request(rig.server)
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
      });
    expect(registered.status).toBe(201);

    // The name is taken by task-1's state while it is current.
    const reuse = await credentials('task-2');
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.message).toContain(
      'cluster demo already has Terraform state (1 versions',
    );

    const deleted = await request(rig.server)
      .delete(api)
      .set('Authorization', mockCredentials.user.header());
    expect(deleted.status).toBe(204);

    expect(
      (
        await request(rig.server)
          .get(`${api}/terraform/state`)
          .set('Authorization', auth)
      ).status,
    ).toBe(401);
    expect(await knex('kpaas_terraform_credentials')).toEqual([]);
    expect(await knex('kpaas_terraform_lock')).toEqual([]);
    const rows = await knex('kpaas_terraform_state').where({ cluster: 'demo' });
    expect(rows).toHaveLength(1);
    expect(rows[0].archived_at).not.toBeNull();

    const versions = await request(rig.server)
      .get(`${api}/terraform/state/versions`)
      .set('Authorization', mockCredentials.user.header());
    expect(versions.body.items).toEqual([]);
    expect(versions.body.archived).toHaveLength(1);

    // A new order of the same name starts empty.
    const fresh = await credentials('task-2');
    expect(fresh.status).toBe(201);
    expect(
      (
        await request(rig.server)
          .get(`${api}/terraform/state`)
          .set('Authorization', basic(fresh.body))
      ).status,
    ).toBe(204);
  });

  it("an unregistered cluster's state is its order's alone until the order registers it", async () => {
    const api = '/api/kpaas/clusters/demo';
    const credentials = (body: object) =>
      request(rig.server)
        .post(`${api}/terraform/credentials`)
        .set('Authorization', scaffolder())
        .send(body);
    const order = await credentials({ newCluster: true, taskId: 'order-1' });
    expect(order.status).toBe(201);
    await request(rig.server)
      .post(`${api}/terraform/state`)
      .set('Authorization', basic(order.body))
      .set('Content-Type', 'application/json')
      .send(stateDoc(1))
      .expect(200);

    // An apply run (not a new order) from any other task cannot continue it before registration.
    const other = await credentials({ taskId: 'apply-9' });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain(
      'cluster demo is not registered yet and its Terraform state (1 versions',
    );
    expect(await knex('kpaas_terraform_credentials')).toHaveLength(1);
    // The order itself may retry without newCluster.
    expect((await credentials({ taskId: 'order-1' })).status).toBe(201);

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
        taskId: 'order-1',
      })
      .expect(201);
    // Registered: changes go through the apply template (authorized per cluster by the actions).
    expect((await credentials({ taskId: 'apply-9' })).status).toBe(201);
  });
}

describeOnDatabases('Cluster deletion and Terraform state', tests);
