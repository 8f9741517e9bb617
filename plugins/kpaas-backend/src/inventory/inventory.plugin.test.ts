import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  KubeApiStandIn,
  kpaasHaFixture,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { clusterSpec, startKpaas } from '../__testUtils__/rig';
import { describeOnDatabases } from '../state/__testUtils__/databases';

/*
 * The inventory through the real plugin wiring: kpaas:provision stores the machines, kpaas:bootstrap
 * records host keys and both read them by cluster name; until the order registers its cluster,
 * only the order's task may read or change them (as for its Terraform state); deleting the
 * cluster forgets them.
 */

jest.setTimeout(120_000);

const TOKEN = 'inventory-test-token';
const KEY = `SHA256:${'a'.repeat(43)}`;
const OTHER_KEY = `SHA256:${'b'.repeat(43)}`;
const scaffolder = () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:scaffolder'),
    targetPluginId: 'kpaas',
  });
const NODES = [
  { name: 'demo-cp-1', role: 'control-plane', address: '10.0.0.11', port: 22 },
  { name: 'demo-worker-1', role: 'worker', address: '10.0.0.21', port: 22 },
];

function tests(getKnex: () => Promise<Knex>) {
  let standIn: KubeApiStandIn;
  let rig: Awaited<ReturnType<typeof startKpaas>>;

  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture(),
      tokens: { [TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    rig = await startKpaas({ knex: await getKnex() });
  });
  afterEach(async () => {
    await rig?.stop();
    await standIn?.close();
  });

  const api = '/api/kpaas/clusters/demo/inventory';
  const put = (body: object) =>
    request(rig.server).put(api).set('Authorization', scaffolder()).send(body);
  const get = (taskId?: string) =>
    request(rig.server)
      .get(taskId ? `${api}?taskId=${taskId}` : api)
      .set('Authorization', scaffolder());
  const hostKeys = (body: object) =>
    request(rig.server)
      .post(`${api}/host-keys`)
      .set('Authorization', scaffolder())
      .send(body);

  it("is the order's alone until it registers the cluster, then the cluster's", async () => {
    expect((await get('order-1')).status).toBe(404);
    expect((await put({ taskId: 'order-1', nodes: NODES })).status).toBe(201);
    const other = await get('apply-9');
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain(
      'cluster "demo" is not registered yet and its inventory belongs to the order that is creating it (task order-1)',
    );
    expect((await put({ taskId: 'apply-9', nodes: [NODES[0]] })).status).toBe(
      409,
    );
    expect(
      (await hostKeys({ hostKeys: [{ name: 'demo-cp-1', fingerprint: KEY }] }))
        .status,
    ).toBe(409);
    // the order's own bootstrap records the key it trusted
    const recorded = await hostKeys({
      taskId: 'order-1',
      hostKeys: [{ name: 'demo-cp-1', fingerprint: KEY }],
    });
    expect(recorded.status).toBe(200);
    expect(recorded.body.nodes[0]).toMatchObject({
      name: 'demo-cp-1',
      hostKeyFingerprint: KEY,
    });

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

    // registered: an apply run (authorized per cluster by the actions) reads and scales it
    const read = await get('apply-9');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ cluster: 'demo', taskId: 'order-1' });
    const scaled = await put({
      taskId: 'apply-9',
      nodes: [
        ...NODES,
        { name: 'demo-worker-2', role: 'worker', address: '10.0.0.22' },
      ],
    });
    expect(scaled.status).toBe(200);
    expect(
      scaled.body.nodes.map((n: any) => [n.name, n.port, n.hostKeyFingerprint]),
    ).toEqual([
      ['demo-cp-1', 22, KEY],
      ['demo-worker-1', 22, undefined],
      ['demo-worker-2', 22, undefined],
    ]);
    // a changed host key is never recorded
    const changed = await hostKeys({
      taskId: 'apply-9',
      hostKeys: [{ name: 'demo-cp-1', fingerprint: OTHER_KEY }],
    });
    expect(changed.status).toBe(409);
    expect(changed.body.error.message).toContain(
      'host key of demo-cp-1 in cluster "demo" differs from the recorded one',
    );

    // deleting the cluster forgets its machines: a new order of the name starts clean
    await request(rig.server)
      .delete('/api/kpaas/clusters/demo')
      .set('Authorization', mockCredentials.user.header())
      .expect(204);
    expect((await get('order-2')).status).toBe(404);
    expect((await put({ taskId: 'order-2', nodes: NODES })).status).toBe(201);
  });

  it('names the bad field of an inventory before storing anything', async () => {
    const bad = await put({
      taskId: 'order-1',
      nodes: [
        { name: 'Bad_Name', role: 'worker', address: '10.0.0.21' },
        { name: 'demo-cp-1', role: 'boss', address: '' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /nodes\.0\.name: must be a DNS-1123 label/,
    );
    expect(bad.body.error.message).toMatch(/nodes\.1\.role/);
    const twice = await put({ taskId: 'order-1', nodes: [NODES[0], NODES[0]] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toContain(
      'nodes.1.name: "demo-cp-1" is used twice',
    );
    expect((await get('order-1')).status).toBe(404);
  });
}

describeOnDatabases('Cluster inventory', tests);
