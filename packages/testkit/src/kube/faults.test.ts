/*
 * Acceptance: injected faults look like a sick apiserver to real clients.
 */
import * as k8s from '@kubernetes/client-node';
import { kpaasHaFixture } from '../fixtures';
import { rawRequest } from './rawRequest';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';

describe('fault injection', () => {
  let standIn: KubeApiStandIn;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      host: '127.0.0.6',
      fixture: kpaasHaFixture(),
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterEach(() => standIn.faults.clear());
  afterAll(() => standIn?.close());

  it('answers an injected 500 with an InternalError Status, for the given number of times', async () => {
    const fault = standIn.faults.add({
      match: '/api/v1/nodes',
      status: 500,
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const error = await core.listNode().then(
        () => undefined,
        e => e,
      );
      expect(error?.code).toBe(500);
      expect(JSON.parse(error.body)).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'InternalError',
        code: 500,
      });
    }
    expect(fault.hits).toBe(2);
    expect((await core.listNode()).items).toHaveLength(6);
    expect(standIn.faults.list()).toHaveLength(0);
  });

  it('matches by method and regular expression, leaving other requests alone', async () => {
    standIn.faults.add({
      match: /\/configmaps(\/|$)/,
      method: 'POST',
      status: 503,
      body: { reason: 'ServiceUnavailable', message: 'etcd leader changed' },
    });
    expect(
      (await core.listNamespacedConfigMap({ namespace: 'kube-system' })).items
        .length,
    ).toBeGreaterThan(0);
    const error = await core
      .createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'x' } },
      })
      .catch(e => e);
    expect(error.code).toBe(503);
    expect(JSON.parse(error.body)).toMatchObject({
      reason: 'ServiceUnavailable',
      message: 'etcd leader changed',
      code: 503,
    });
    expect(
      standIn.store.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'x',
      }),
    ).toBeUndefined();
  });

  it('adds latency', async () => {
    standIn.faults.add({
      match: '/api/v1/namespaces',
      latencyMs: 300,
      times: 1,
    });
    const started = Date.now();
    const list = await core.listNamespace();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(list.items.map(n => n.metadata!.name)).toContain('kube-system');
    const quick = Date.now();
    await core.listNamespace();
    expect(Date.now() - quick).toBeLessThan(250);
  });

  it('hangs a request until the client times out', async () => {
    standIn.faults.add({ match: '/api/v1/pods', hang: true });
    const started = Date.now();
    await expect(
      rawRequest(standIn, '/api/v1/pods', { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    standIn.faults.clear();
    expect((await rawRequest(standIn, '/api/v1/pods?limit=1')).status).toBe(
      200,
    );
  });

  it('rejects valid credentials with 401 when told to', async () => {
    standIn.faults.add({
      match: '/api/v1/namespaces/default/secrets',
      unauthorized: true,
      times: 1,
    });
    standIn.faults.add({
      match: '/api/v1/namespaces/default/secrets',
      unauthorized: true,
      times: 1,
    });
    const error = await core
      .listNamespacedSecret({ namespace: 'default' })
      .catch(e => e);
    expect(error.code).toBe(401);
    // client-node drops 401 bodies; check the wire format directly.
    const raw = await rawRequest(standIn, '/api/v1/namespaces/default/secrets');
    expect(raw.status).toBe(401);
    expect(raw.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(
      (await core.listNamespacedSecret({ namespace: 'default' })).items,
    ).toBeDefined();
  });

  it('counts requests per verb and path pattern', async () => {
    standIn.requestLog.clear();
    await core.listNode();
    await core.listNode({ labelSelector: 'node-role.kubernetes.io/worker' });
    await core.readNamespacedPod({
      namespace: 'kube-system',
      name: 'etcd-cp-1',
    });
    await core.readNamespacedPod({
      namespace: 'kube-system',
      name: 'etcd-cp-2',
    });
    expect(standIn.stats()).toEqual({
      'list /api/v1/nodes': 2,
      'get /api/v1/namespaces/{namespace}/pods/{name}': 2,
    });
    expect(standIn.countRequests({ verb: 'list', resource: 'nodes' })).toBe(2);
    expect(
      standIn.countRequests({
        verb: 'get',
        resource: 'pods',
        namespace: 'kube-system',
      }),
    ).toBe(2);
    expect(standIn.requestLog.entries[1].query).toBe(
      'labelSelector=node-role.kubernetes.io%2Fworker',
    );
  });
});

describe('close()', () => {
  it('returns promptly with hung requests and open watches, and frees the port', async () => {
    const standIn = await startKubeApiStandIn({ host: '127.0.0.6' });
    standIn.faults.add({ match: '/api/v1/nodes', hang: true });
    const hung = rawRequest(standIn, '/api/v1/nodes').catch(e => e);
    const watch = rawRequest(standIn, '/api/v1/namespaces?watch=true').catch(
      e => e,
    );
    await new Promise(r => setTimeout(r, 100));
    const started = Date.now();
    await standIn.close();
    expect(Date.now() - started).toBeLessThan(500);
    const [hungResult, watchResult] = await Promise.all([hung, watch]);
    expect(hungResult).toHaveProperty('code', 'ECONNRESET');
    // The watch had started streaming; it ends (or is cut) rather than hanging.
    expect(
      watchResult.code === 'ECONNRESET' || watchResult.status === 200,
    ).toBe(true);
    await expect(
      rawRequest(standIn, '/version', { timeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await standIn.close(); // idempotent
  });
});
