import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  generateNodes,
  KubeApiStandIn,
  kpaasHaFixture,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import {
  KPAAS_CP_KUBERNETES_VERSION,
  kpaasClusterCreatePermission,
  kpaasClusterPermissions,
  kpaasPermissions,
} from '@internal/plugin-kpaas-common';
import { DEFAULT_CLUSTER_NETWORKS } from './network/ClusterNetworks';
import { isClusterOwner } from './permissions/clusterResource';
import request from 'supertest';
import { clusterSpec, startKpaas } from './__testUtils__/rig';
import { kpaasPlugin } from './plugin';

// Secret values that must never appear in a response body, header or log line.
const CANARY_TOKEN = 'canary-token-5f0e1d2c3b4a';
const CANARY_CONFIG_TOKEN = 'canary-config-token-9a8b7c';

const scaffolder = () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:scaffolder'),
    targetPluginId: 'kpaas',
  });
const otherPlugin = () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('plugin:catalog'),
    targetPluginId: 'kpaas',
  });

describe('kpaasPlugin', () => {
  let standIn: KubeApiStandIn;
  let rig: Awaited<ReturnType<typeof startKpaas>> | undefined;
  const bodies: string[] = [];

  const register = (name = 'demo', extra: Record<string, unknown> = {}) =>
    request(rig!.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', scaffolder())
      .send({
        name,
        entityRef: `resource:default/${name}`,
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        serviceAccountToken: CANARY_TOKEN,
        spec: clusterSpec(name),
        taskId: 'task-1',
        ...extra,
      });

  const record = (res: request.Response) => {
    bodies.push(JSON.stringify(res.headers), res.text ?? '');
    return res;
  };

  beforeEach(async () => {
    // the rig's cluster.yaml installs with kpaas-cp, which runs its bundle's version
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({
        kubernetesVersion: KPAAS_CP_KUBERNETES_VERSION,
      }),
      kubernetesVersion: KPAAS_CP_KUBERNETES_VERSION,
      tokens: { [CANARY_TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
  });

  afterEach(async () => {
    // Every recorded response (headers and body) and every log line of every test.
    const leaks = [...bodies, ...(rig?.lines ?? [])].filter(
      text =>
        text.includes(CANARY_TOKEN) ||
        text.includes(CANARY_CONFIG_TOKEN) ||
        /BEGIN [A-Z ]*PRIVATE KEY/.test(text),
    );
    bodies.length = 0;
    await rig?.stop();
    rig = undefined;
    await standIn.close();
    if (leaks.length > 0) {
      throw new Error(
        `a secret leaked into a response or log line: ${leaks[0].slice(
          0,
          200,
        )}`,
      );
    }
  });

  it('answers /health without credentials', async () => {
    rig = await startKpaas();
    const res = await request(rig.server)
      .get('/api/kpaas/health')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('registers the kpaas permissions, the kpaas-cluster resource type and a refresh task on every replica', async () => {
    const permissionsRegistry = mockServices.permissionsRegistry.mock({
      getPermissionRuleset: () =>
        ({ getRuleByName: () => isClusterOwner } as any),
    });
    await startTestBackend({
      features: [kpaasPlugin, permissionsRegistry.factory],
    });
    expect(permissionsRegistry.addPermissions).toHaveBeenCalledWith([
      kpaasClusterCreatePermission,
    ]);
    expect(permissionsRegistry.addResourceType).toHaveBeenCalledWith(
      expect.objectContaining({
        resourceRef: expect.objectContaining({
          pluginId: 'kpaas',
          resourceType: 'kpaas-cluster',
        }),
        permissions: kpaasClusterPermissions,
        rules: [isClusterOwner],
      }),
    );
    expect(
      [kpaasClusterCreatePermission, ...kpaasClusterPermissions].map(
        p => p.name,
      ),
    ).toEqual(kpaasPermissions.map(p => p.name));
    rig = await startKpaas();
    expect(rig.scheduleDefinition).toMatchObject({
      id: 'kpaas-cluster-status-refresh',
      // ticks within the 30 s interval; each tick claims only due clusters (RefreshClaims)
      frequency: { milliseconds: 5000 },
      scope: 'local',
    });
  });

  it('registers, re-registers and serves a full status without the credential', async () => {
    rig = await startKpaas({
      argocdAddress: `127.0.0.1:${standIn.port}`,
    });
    const created = record(await register());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'demo',
      apiServerUrl: standIn.url,
      source: 'registered',
      entityRef: 'resource:default/demo',
    });
    expect(created.body.caFingerprint).toMatch(
      /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/,
    );
    expect(created.body).not.toHaveProperty('caData');
    expect(created.body).not.toHaveProperty('serviceAccountToken');

    const again = record(await register('demo', { taskId: 'task-2' }));
    expect(again.status).toBe(200);

    const status = record(
      await request(rig.server).get('/api/kpaas/clusters/demo/status'),
    );
    expect(status.status).toBe(200);
    const s = status.body;
    expect(s.state).toBe('Healthy');
    expect(s.reason).toBeUndefined();
    expect(Date.parse(s.checkedAt)).not.toBeNaN();
    expect(s.api).toMatchObject({ reachable: true, version: 'v1.33.5' });
    expect(s.api.checks.length).toBeGreaterThan(10);
    expect(s.api.checks.every((c: any) => c.ok)).toBe(true);
    expect(s.controlPlane).toMatchObject({
      ready: 3,
      total: 3,
      etcd: { members: 3, healthyMembers: 3, quorum: true },
    });
    expect(s.controlPlane.staticPods).toHaveLength(12);
    expect(s.nodes).toHaveLength(6);
    const cp1 = s.nodes.find((n: any) => n.name === 'cp-1');
    expect(cp1).toMatchObject({
      roles: ['control-plane'],
      ready: true,
      status: 'Ready',
      unschedulable: false,
      kubeletVersion: 'v1.33.5',
      internalIp: '172.16.0.101',
      capacity: { cpu: '4', memory: '8388608Ki' },
    });
    expect(cp1.taints).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
    ]);
    expect(cp1.conditions.find((c: any) => c.type === 'Ready').status).toBe(
      'True',
    );
    // in install order: argo-cd's UI waits for the ingress controller that routes it
    expect(s.addons.map((a: any) => [a.id, a.state, a.runningVersion])).toEqual(
      [
        ['metallb', 'Healthy', '0.16.1'],
        ['ingress-nginx', 'Healthy', '4.15.1'],
        ['argo-cd', 'Healthy', '10.1.1'],
      ],
    );
    expect(s.addons.find((a: any) => a.id === 'argo-cd')).toMatchObject({
      workloads: { ready: 4, total: 4 },
      uiUrl: 'https://argocd.demo.test',
    });
    // The platform link is probed with TLS verified against the cluster CA: the stand-in
    // answers for argocd.demo.test with a certificate that does not name that host, which is
    // reported as a finding.
    expect(s.links).toEqual([
      expect.objectContaining({
        title: 'Argo CD',
        url: 'https://argocd.demo.test',
        addonId: 'argo-cd',
        icon: 'scaffolder',
        probe: {
          ok: false,
          error: expect.stringMatching(
            /^TLS certificate not trusted \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
          ),
          latencyMs: expect.any(Number),
          checkedAt: expect.any(String),
        },
      }),
    ]);
    expect(s.bom).toMatchObject({
      kubernetes: 'v1.33.5',
      containerRuntimes: [expect.stringMatching(/^cri-o:\/\//)],
      cni: expect.stringMatching(/^calico/),
      addons: expect.arrayContaining([
        { id: 'metallb', chart: 'metallb', version: '0.16.1' },
      ]),
    });

    const registration = record(
      await request(rig.server).get('/api/kpaas/clusters/demo'),
    );
    expect(registration.status).toBe(200);
    expect(registration.body.spec.metadata.name).toBe('demo');

    const list = record(await request(rig.server).get('/api/kpaas/clusters'));
    expect(list.body.items).toEqual([
      expect.objectContaining({
        name: 'demo',
        state: 'Healthy',
        kubernetesVersion: 'v1.33.5',
        nodes: { ready: 6, total: 6 },
        controlPlanes: { ready: 3, total: 3 },
        addons: { healthy: 3, total: 3 },
        owner: 'group:default/platform-team',
        environment: 'dev',
        target: 'kakao-cloud',
      }),
    ]);
  });

  it('computes a status on demand once (cold), then serves it from the cache', async () => {
    rig = await startKpaas();
    await request(rig.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', scaffolder())
      .send({
        name: 'cold',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        serviceAccountToken: CANARY_TOKEN,
      });
    // the background first refresh has LISTed the nodes (a GET now joins or reads it)
    while (standIn.countRequests({ verb: 'list', resource: 'nodes' }) === 0)
      await new Promise(r => setTimeout(r, 20));
    standIn.requestLog.clear();
    const first = await request(rig.server).get(
      '/api/kpaas/clusters/cold/status',
    );
    expect(first.status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(rig!.server).get('/api/kpaas/clusters/cold/status'),
      ),
    );
    expect(
      results.every(
        r => r.status === 200 && r.body.checkedAt === first.body.checkedAt,
      ),
    ).toBe(true);
    expect(standIn.countRequests({ verb: 'list', resource: 'nodes' })).toBe(0);

    // Tagged and compressed once: conditional requests get 304, gzip is served as is.
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    const notModified = await request(rig.server)
      .get('/api/kpaas/clusters/cold/status')
      .set('If-None-Match', first.headers.etag);
    expect(notModified.status).toBe(304);
    const gzipped = await request(rig.server)
      .get('/api/kpaas/clusters/cold/status')
      .set('Accept-Encoding', 'gzip');
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.body).toEqual(first.body);
    const identity = await request(rig.server)
      .get('/api/kpaas/clusters/cold/status')
      .set('Accept-Encoding', 'identity');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body).toEqual(first.body);
  }, 30_000); // a backend, a stand-in and 24 requests on a loaded 2-core machine

  it('reports a NotReady node and a degraded add-on with reasons', async () => {
    rig = await startKpaas();
    standIn.setNodeReady('worker-2', false);
    standIn.setDeploymentReady('argocd', 'argocd-server', false);
    await register();
    const res = await request(rig.server).post(
      '/api/kpaas/clusters/demo/refresh',
    );
    expect(res.status).toBe(200);
    const s = res.body.status;
    expect(s.state).toBe('Degraded');
    expect(s.reason).toContain('1/6 nodes not ready (worker-2)');
    expect(s.reason).toContain('argo-cd (Degraded)');
    expect(s.nodes.find((n: any) => n.name === 'worker-2')).toMatchObject({
      ready: false,
      status: 'NotReady',
    });
    expect(s.addons.find((a: any) => a.id === 'argo-cd').reason).toMatch(
      /argocd-server 0\/1/,
    );
  });

  it('lists 1000 nodes in pages of 500, once: later refreshes watch them', async () => {
    await standIn.close();
    standIn = await startKubeApiStandIn({
      fixture: generateNodes(1000, { controlPlanes: 3, notReady: 2 }),
      tokens: { [CANARY_TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    rig = await startKpaas({ watch: true });
    standIn.requestLog.clear();
    await request(rig.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', scaffolder())
      .send({
        name: 'big',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        serviceAccountToken: CANARY_TOKEN,
      });
    await request(rig.server).get('/api/kpaas/clusters/big/status'); // the background first status
    await rig.runRefresh();
    const nodeLists = standIn.requestLog.entries.filter(
      e => e.verb === 'list' && e.resource === 'nodes',
    );
    expect(
      nodeLists.map(e => new URLSearchParams(e.query).get('limit')),
    ).toEqual(['500', '500']);
    expect(
      new URLSearchParams(nodeLists[1].query).get('continue'),
    ).toBeTruthy();
    const s = (await request(rig.server).get('/api/kpaas/clusters/big/status'))
      .body;
    expect(s.nodes).toHaveLength(1000);
    expect(s.nodes.filter((n: any) => !n.ready)).toHaveLength(2);
    expect(s.controlPlane).toMatchObject({ ready: 3, total: 3 });
    expect(s.reason).toContain('2/1000 nodes not ready');
  }, 30_000); // 1000 (700) nodes on a loaded 2-core machine

  it('keeps the last complete status when a LIST fails mid-way, marked stale', async () => {
    await standIn.close();
    standIn = await startKubeApiStandIn({
      fixture: generateNodes(700),
      tokens: { [CANARY_TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    // every refresh LISTs the nodes (a watched cluster LISTs them only when its watch starts)
    rig = await startKpaas({ watch: false });
    await request(rig.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', scaffolder())
      .send({
        name: 'big',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        serviceAccountToken: CANARY_TOKEN,
      });
    const complete = (
      await request(rig.server).post('/api/kpaas/clusters/big/refresh')
    ).body.status;
    expect(complete.nodes).toHaveLength(700);
    // A node changes, then the first page is served and the continuation fails.
    standIn.setNodeReady('node-001', false);
    // The stand-in's faults match paths, not queries: fail exactly the second nodes request.
    let listCalls = 0;
    const realTake = standIn.faults.take.bind(standIn.faults);
    standIn.faults.take = (method: string, path: string) => {
      if (path === '/api/v1/nodes' && ++listCalls === 2) {
        return { id: 0, hits: 1, match: path, status: 500, remove() {} } as any;
      }
      return realTake(method, path);
    };
    await rig.runRefresh();
    const stale = (
      await request(rig.server).get('/api/kpaas/clusters/big/status')
    ).body;
    expect(stale.stale).toBe(true);
    expect(stale.staleReason).toMatch(/LIST nodes: HTTP 500/);
    expect(stale.checkedAt).toBe(complete.checkedAt);
    expect(stale.nodes).toHaveLength(700);
    expect(stale.nodes.find((n: any) => n.name === 'node-001').ready).toBe(
      true,
    );
  }, 30_000); // 1000 (700) nodes on a loaded 2-core machine

  it('reports 401 and a hung API server as Unreachable without slowing other clusters', async () => {
    const healthy = await startKubeApiStandIn({
      host: '127.0.0.2',
      fixture: kpaasHaFixture({ addons: false }),
      tokens: { [CANARY_TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
    try {
      rig = await startKpaas({ requestTimeoutSeconds: 1 });
      await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder())
        .send({
          name: 'hung',
          apiServerUrl: standIn.url,
          caData: standIn.caPem,
          serviceAccountToken: CANARY_TOKEN,
        });
      await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder())
        .send({
          name: 'rejected',
          apiServerUrl: healthy.url,
          caData: healthy.caPem,
          serviceAccountToken: 'wrong-token',
        });
      await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder())
        .send({
          name: 'fine',
          apiServerUrl: healthy.url,
          caData: healthy.caPem,
          serviceAccountToken: CANARY_TOKEN,
        });
      // Let the first (background) status of each cluster finish before the API server hangs.
      for (const name of ['hung', 'rejected', 'fine']) {
        await request(rig.server).get(`/api/kpaas/clusters/${name}/status`);
      }
      standIn.faults.add({ match: /^\/(version|readyz)/, hang: true });
      const started = Date.now();
      await rig.runRefresh();
      const elapsed = Date.now() - started;
      // One request timeout (1 s in the rig) plus slack, not one per cluster.
      expect(elapsed).toBeLessThan(2900);
      const get = async (name: string) =>
        record(
          await request(rig!.server).get(`/api/kpaas/clusters/${name}/status`),
        ).body;
      const hung = await get('hung');
      expect(hung).toMatchObject({
        state: 'Unreachable',
        api: { reachable: false },
      });
      expect(hung.reason).toMatch(/timed out/);
      const rejected = await get('rejected');
      expect(rejected.state).toBe('Unreachable');
      expect(rejected.reason).toMatch(/HTTP 401.*token was rejected/);
      expect((await get('fine')).state).toBe('Healthy');

      // The unreachable cluster backs off: the next interval does not ask it again.
      standIn.requestLog.clear();
      await rig.runRefresh();
      expect(standIn.countRequests({ pattern: '/version' })).toBe(0);
      expect(
        healthy.countRequests({ verb: 'list', resource: 'nodes' }),
      ).toBeGreaterThan(0);
    } finally {
      standIn.faults.clear();
      await healthy.close();
    }
  }, 15000);

  it('rate-limits manual refreshes per cluster with 429 and Retry-After', async () => {
    rig = await startKpaas();
    await register();
    expect(
      (await request(rig.server).post('/api/kpaas/clusters/demo/refresh'))
        .status,
    ).toBe(200);
    const limited = record(
      await request(rig.server).post('/api/kpaas/clusters/demo/refresh'),
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(10);
  });

  it('records the timeline and reports Provisioning while a step runs', async () => {
    rig = await startKpaas();
    const post = (body: object) =>
      request(rig!.server)
        .post('/api/kpaas/clusters/demo/timeline')
        .set('Authorization', scaffolder())
        .send(body);
    // The provision phase writes before the cluster is registered.
    expect(
      (
        await post({
          phase: 'provision',
          step: 'apply',
          status: 'succeeded',
          taskId: 't1',
        })
      ).status,
    ).toBe(201);
    await register();
    await request(rig.server).post('/api/kpaas/clusters/demo/refresh');
    const running = await post({
      phase: 'addons',
      step: 'install:argo-cd',
      status: 'running',
      taskId: 't1',
    });
    expect(running.body).toMatchObject({ cluster: 'demo', status: 'running' });
    let s = (await request(rig.server).get('/api/kpaas/clusters/demo/status'))
      .body;
    expect(s.state).toBe('Provisioning');
    expect(s.reason).toContain('addons install:argo-cd running');
    const done = await post({
      phase: 'addons',
      step: 'install:argo-cd',
      status: 'succeeded',
      taskId: 't1',
      summary: 'ready',
    });
    expect(done.body).toMatchObject({
      id: running.body.id,
      status: 'succeeded',
      summary: 'ready',
    });
    s = (await request(rig.server).get('/api/kpaas/clusters/demo/status')).body;
    expect(s.state).toBe('Healthy');
    const timeline = await request(rig.server).get(
      '/api/kpaas/clusters/demo/timeline',
    );
    expect(
      timeline.body.items.map((e: any) => [e.phase, e.step, e.status]),
    ).toEqual([
      ['provision', 'apply', 'succeeded'],
      ['addons', 'install:argo-cd', 'succeeded'],
    ]);
    const bad = await post({ phase: 'Provision!', step: 'x', status: 'done' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/phase: .*status: /);
  });

  it('merges config clusters, which cannot be re-registered or deleted', async () => {
    rig = await startKpaas({
      config: {
        clusters: [
          {
            name: 'legacy',
            url: standIn.url,
            caData: standIn.caPem,
            serviceAccountToken: CANARY_CONFIG_TOKEN,
          },
        ],
      },
    });
    standIn.addToken(CANARY_CONFIG_TOKEN, {
      user: 'legacy-reader',
      readOnly: true,
    });
    const list = record(await request(rig.server).get('/api/kpaas/clusters'));
    expect(list.body.items).toEqual([
      expect.objectContaining({ name: 'legacy', source: 'config' }),
    ]);
    const s = record(
      await request(rig.server).get('/api/kpaas/clusters/legacy/status'),
    );
    expect(s.body.state).toBe('Healthy');
    expect(s.body.addons).toEqual([]);
    const del = record(
      await request(rig.server).delete('/api/kpaas/clusters/legacy'),
    );
    expect(del.status).toBe(409);
    const reg = record(await register('legacy'));
    expect(reg.status).toBe(409);
  });

  it('validates registrations and names the field', async () => {
    rig = await startKpaas();
    const res = record(
      await request(rig.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder())
        .send({
          name: 'Bad_Name',
          apiServerUrl: 'http://x',
          serviceAccountToken: CANARY_TOKEN,
        }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(/name: must be a DNS-1123 label/);
    expect(res.body.error.message).toMatch(
      /apiServerUrl: must be an https:\/\/ URL/,
    );
    const spec = clusterSpec('other');
    const mismatch = record(await register('demo', { spec }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.message).toMatch(/spec.metadata.name/);
    const key = record(
      await register('demo', {
        caData:
          '-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----',
      }),
    );
    expect(key.status).toBe(400);
    expect(key.body.error.message).toMatch(
      /caData: must be the CA certificate only/,
    );
  });

  it('deletes a cluster', async () => {
    rig = await startKpaas();
    await register();
    expect(
      (await request(rig.server).delete('/api/kpaas/clusters/demo')).status,
    ).toBe(204);
    expect(
      (await request(rig.server).get('/api/kpaas/clusters/demo')).status,
    ).toBe(404);
    expect(
      (await request(rig.server).get('/api/kpaas/clusters/demo/status')).status,
    ).toBe(404);
    expect(
      (await request(rig.server).delete('/api/kpaas/clusters/demo')).status,
    ).toBe(404);
  });

  it('records the cluster repo normalized and refuses a registration from another repo', async () => {
    rig = await startKpaas();
    const first = record(
      await register('demo', { repoUrl: 'https://GitHub.com/org/demo/' }),
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      repoUrl: 'https://github.com/org/demo',
      owner: 'group:default/platform-team',
    });
    expect(
      (await register('demo', { repoUrl: 'https://github.com/org/demo.git' }))
        .status,
    ).toBe(200);
    const foreign = record(
      await register('demo', { repoUrl: 'https://github.com/evil/demo' }),
    );
    expect(foreign.status).toBe(409);
    expect(foreign.body.error.message).toBe(
      'cluster "demo" is registered from https://github.com/org/demo; a registration from https://github.com/evil/demo is refused. Run the cluster\'s own repo, or delete the cluster first',
    );
    const insecure = record(
      await register('other', { repoUrl: 'http://github.com/org/other' }),
    );
    expect(insecure.status).toBe(400);
    expect(insecure.body.error.message).toMatch(
      /repoUrl: must be an https:\/\/ URL/,
    );
    // Nothing already stored is lost by a refused request.
    const kept = await request(rig.server).get('/api/kpaas/clusters/demo');
    expect(kept.body.repoUrl).toBe('https://github.com/org/demo');
  });

  describe('outbound allow-list (kpaas.clusterNetworks)', () => {
    const registerAt = (apiServerUrl: string) =>
      request(rig!.server)
        .post('/api/kpaas/clusters')
        .set('Authorization', scaffolder())
        .send({
          name: 'ssrf',
          apiServerUrl,
          serviceAccountToken: CANARY_TOKEN,
        });

    it('refuses an API server on loopback with the default networks, naming kpaas.clusterNetworks', async () => {
      rig = await startKpaas({
        config: { clusterNetworks: DEFAULT_CLUSTER_NETWORKS },
      });
      const res = record(await registerAt(`https://127.0.0.1:${standIn.port}`));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(
        /^apiServerUrl: 127\.0\.0\.1 is outside kpaas\.clusterNetworks/,
      );
      expect(
        (await request(rig.server).get('/api/kpaas/clusters/ssrf')).status,
      ).toBe(404);
      expect(standIn.requestLog.count()).toBe(0);
    });

    it('refuses the metadata address even when every network is listed', async () => {
      rig = await startKpaas({ config: { clusterNetworks: ['0.0.0.0/0'] } });
      const res = record(await registerAt('https://169.254.169.254'));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(
        /apiServerUrl: 169\.254\.169\.254 is a link-local or metadata address.*kpaas\.clusterNetworks/,
      );
    });

    it('does not connect to a cluster whose name resolves outside the networks', async () => {
      // A config cluster skips the registration check: the connection-time check still holds.
      rig = await startKpaas({
        config: {
          clusterNetworks: DEFAULT_CLUSTER_NETWORKS,
          clusters: [
            {
              name: 'rebound',
              url: `https://localhost:${standIn.port}`,
              caData: standIn.caPem,
              serviceAccountToken: CANARY_CONFIG_TOKEN,
            },
            {
              name: 'literal',
              url: `https://127.0.0.1:${standIn.port}`,
              caData: standIn.caPem,
              serviceAccountToken: CANARY_CONFIG_TOKEN,
            },
          ],
        },
      });
      for (const name of ['rebound', 'literal']) {
        const res = record(
          await request(rig.server).post(`/api/kpaas/clusters/${name}/refresh`),
        );
        expect(res.status).toBe(200);
        expect(res.body.status.state).toBe('Unreachable');
        expect(res.body.status.reason).toMatch(/kpaas\.clusterNetworks/);
      }
      expect(standIn.requestLog.count()).toBe(0);
    });
  });

  describe('authorization', () => {
    const routes: Array<{
      method: 'get' | 'post' | 'delete';
      path: string;
      permission: string;
      body?: object;
      ok: number;
    }> = [
      {
        method: 'get',
        path: '/clusters',
        permission: 'kpaas.cluster.read',
        ok: 200,
      },
      {
        method: 'get',
        path: '/clusters/demo',
        permission: 'kpaas.cluster.read',
        ok: 200,
      },
      {
        method: 'get',
        path: '/clusters/demo/status',
        permission: 'kpaas.cluster.read',
        ok: 200,
      },
      {
        method: 'get',
        path: '/clusters/demo/timeline',
        permission: 'kpaas.cluster.read',
        ok: 200,
      },
      {
        method: 'post',
        path: '/clusters/demo/timeline',
        permission: 'kpaas.cluster.update',
        body: { phase: 'addons', step: 'verify', status: 'succeeded' },
        ok: 201,
      },
      {
        method: 'post',
        path: '/clusters/demo/refresh',
        permission: 'kpaas.cluster.refresh',
        ok: 200,
      },
      {
        method: 'delete',
        path: '/clusters/demo',
        permission: 'kpaas.cluster.delete',
        ok: 204,
      },
    ];

    it.each(routes)(
      '$method $path is allowed with $permission',
      async route => {
        rig = await startKpaas({ allow: [route.permission] });
        expect((await register()).status).toBe(201);
        const res = record(
          await request(rig.server)
            [route.method](`/api/kpaas${route.path}`)
            .send(route.body),
        );
        expect(res.status).toBe(route.ok);
      },
    );

    it('lists only the clusters the user may read (none without kpaas.cluster.read)', async () => {
      rig = await startKpaas({
        allow: kpaasPermissions
          .map(p => p.name)
          .filter(n => n !== 'kpaas.cluster.read'),
      });
      expect((await register()).status).toBe(201);
      const res = record(await request(rig.server).get('/api/kpaas/clusters'));
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    });

    it.each(routes.filter(r => r.path !== '/clusters'))(
      '$method $path is denied without $permission',
      async route => {
        rig = await startKpaas({
          allow: kpaasPermissions
            .map(p => p.name)
            .filter(n => n !== route.permission),
        });
        expect((await register()).status).toBe(201);
        const res = record(
          await request(rig.server)
            [route.method](`/api/kpaas${route.path}`)
            .send(route.body),
        );
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
      },
    );

    it('lets users with kpaas.cluster.create register a new cluster, and refuses users without it', async () => {
      rig = await startKpaas({ allow: ['kpaas.cluster.create'] });
      const body = {
        name: 'u',
        apiServerUrl: standIn.url,
        serviceAccountToken: CANARY_TOKEN,
      };
      const user = mockCredentials.user.header('user:default/admin');
      expect(
        (
          await request(rig.server)
            .post('/api/kpaas/clusters')
            .set('Authorization', user)
            .send(body)
        ).status,
      ).toBe(201);
      await rig.stop();
      rig = await startKpaas({ allow: [] });
      const denied = record(
        await request(rig.server)
          .post('/api/kpaas/clusters')
          .set('Authorization', user)
          .send(body),
      );
      expect(denied.status).toBe(403);
    });

    it('lets the scaffolder register without a policy grant, and refuses other plugins', async () => {
      rig = await startKpaas({ allow: [] });
      expect((await register()).status).toBe(201);
      const other = record(
        await request(rig.server)
          .post('/api/kpaas/clusters')
          .set('Authorization', otherPlugin())
          .send({
            name: 'x',
            apiServerUrl: standIn.url,
            serviceAccountToken: CANARY_TOKEN,
          }),
      );
      expect(other.status).toBe(403);
      expect(other.body.error.message).toMatch(/only the scaffolder/);
      const timeline = record(
        await request(rig.server)
          .post('/api/kpaas/clusters/demo/timeline')
          .set('Authorization', otherPlugin())
          .send({ phase: 'addons', step: 'verify', status: 'succeeded' }),
      );
      expect(timeline.status).toBe(403);
    });
  });
});
