/*
 * The stand-in's HTTP surface at the wire level: listening rules, TLS,
 * authentication, discovery, health, tables, watches, CRDs and subresources.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { kpaasHaFixture } from '../fixtures';
import { AGGREGATED_DISCOVERY_V2 } from './discovery';
import { rawRequest } from './rawRequest';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** Reads a watch stream for a while and returns the parsed events. */
async function readWatch(
  standIn: KubeApiStandIn,
  path: string,
  forMs: number,
  during?: () => void,
) {
  const res = rawRequest(standIn, path, { timeoutMs: forMs }).catch(e => e);
  if (during) {
    await new Promise(r => setTimeout(r, 100));
    during();
  }
  const outcome = await res;
  // A watch that is cut by our timeout rejects; one the server ends resolves.
  return outcome;
}

describe('startKubeApiStandIn', () => {
  it.each(['0.0.0.0', '192.168.10.5', 'localhost', '::1', '127.0.0.256'])(
    'refuses to listen on %s',
    async host => {
      await expect(startKubeApiStandIn({ host })).rejects.toThrow(
        /only listens on IPv4 loopback addresses/,
      );
    },
  );
});

describe('the stand-in over HTTPS', () => {
  let standIn: KubeApiStandIn;

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      host: '127.0.0.7',
      fixture: kpaasHaFixture(),
      bookmarkIntervalMs: 100,
      tokens: {
        'ro-token': {
          user: 'system:serviceaccount:kpaas:reader',
          groups: ['system:serviceaccounts'],
          readOnly: true,
        },
      },
    });
  });
  afterAll(() => standIn?.close());

  it('serves a certificate for its IP and localhost, signed by its CA', async () => {
    const socket = connect({
      host: '127.0.0.7',
      port: standIn.port,
      ca: standIn.caPem,
      servername: 'localhost',
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    const altNames = socket.getPeerCertificate().subjectaltname;
    socket.destroy();
    expect(altNames).toContain('DNS:localhost');
    expect(altNames).toContain('IP Address:127.0.0.7');
    const ca = new X509Certificate(standIn.caPem);
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyType).toBe('ec');
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(standIn.url).toBe(`https://127.0.0.7:${standIn.port}`);
  });

  it('answers /version anonymously, but 401s resources without credentials', async () => {
    const version = await rawRequest(standIn, '/version', { token: null });
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({
      major: '1',
      minor: '35',
      gitVersion: 'v1.35.1', // kpaas's DEFAULT_KUBERNETES_VERSION
      platform: 'linux/amd64',
    });
    const nodes = await rawRequest(standIn, '/api/v1/nodes', { token: null });
    expect(nodes.status).toBe(401);
    expect(nodes.json).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      code: 401,
    });
    const wrong = await rawRequest(standIn, '/version', { token: 'wrong' });
    expect(wrong.status).toBe(401);
  });

  it('accepts client certificates from its own CA only', async () => {
    const cert = standIn.issueClientCert('carol', ['team-a', 'team-b']);
    const review = await rawRequest(
      standIn,
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        method: 'POST',
        cert,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        }),
      },
    );
    expect(review.status).toBe(201);
    expect(review.json.status.userInfo).toEqual({
      username: 'carol',
      groups: ['team-a', 'team-b', 'system:authenticated'],
    });

    const other = await startKubeApiStandIn({ host: '127.0.0.7' });
    try {
      const foreign = other.issueClientCert('mallory', ['system:masters']);
      const res = await rawRequest(standIn, '/api/v1/namespaces', {
        cert: foreign,
      });
      expect(res.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('forbids writes for read-only tokens with a Forbidden Status', async () => {
    const res = await rawRequest(
      standIn,
      '/api/v1/namespaces/default/configmaps',
      {
        method: 'POST',
        token: 'ro-token',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'nope' },
        }),
      },
    );
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'configmaps is forbidden: User "system:serviceaccount:kpaas:reader" cannot create resource "configmaps" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'configmaps' },
      code: 403,
    });
    expect(
      (
        await rawRequest(standIn, '/api/v1/namespaces/default/configmaps', {
          token: 'ro-token',
        })
      ).status,
    ).toBe(200);
  });

  it('serves legacy and aggregated discovery', async () => {
    const api = await rawRequest(standIn, '/api');
    expect(api.json).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.7:${standIn.port}` },
      ],
    });
    const core = await rawRequest(standIn, '/api/v1');
    const pods = core.json.resources.find((r: any) => r.name === 'pods');
    expect(pods).toMatchObject({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      shortNames: ['po'],
    });
    expect(pods.verbs).toEqual([
      'create',
      'delete',
      'deletecollection',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    expect(
      core.json.resources.find((r: any) => r.name === 'pods/status'),
    ).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });

    const apps = await rawRequest(standIn, '/apis/apps/v1');
    expect(apps.json.resources.map((r: any) => r.name)).toEqual(
      expect.arrayContaining([
        'deployments',
        'deployments/status',
        'deployments/scale',
        'statefulsets',
        'daemonsets',
        'replicasets',
      ]),
    );
    const groups = await rawRequest(standIn, '/apis');
    const names = groups.json.groups.map((g: any) => g.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'apps',
        'rbac.authorization.k8s.io',
        'apiextensions.k8s.io',
        'metallb.io',
      ]),
    );

    const aggregated = await rawRequest(standIn, '/apis', {
      headers: { Accept: `${AGGREGATED_DISCOVERY_V2},application/json` },
    });
    expect(aggregated.headers['content-type']).toBe(AGGREGATED_DISCOVERY_V2);
    const rbac = aggregated.json.items.find(
      (g: any) => g.metadata.name === 'rbac.authorization.k8s.io',
    );
    expect(
      rbac.versions[0].resources.find(
        (r: any) => r.resource === 'clusterroles',
      ),
    ).toMatchObject({
      responseKind: {
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        kind: 'ClusterRole',
      },
      scope: 'Cluster',
      singularResource: 'clusterrole',
    });
  });

  it('serves health endpoints with verbose output, exclusions and injected failures', async () => {
    expect((await rawRequest(standIn, '/readyz')).body).toBe('ok');
    const verbose = await rawRequest(standIn, '/livez?verbose');
    const lines = verbose.body.trim().split('\n');
    expect(lines[0]).toBe('[+]ping ok');
    expect(lines[lines.length - 1]).toBe('livez check passed');

    standIn.health.fail('etcd', 'etcd cluster is unavailable', ['readyz']);
    try {
      const failing = await rawRequest(standIn, '/readyz?verbose');
      expect(failing.status).toBe(500);
      expect(failing.body).toContain('[-]etcd failed: reason withheld\n');
      expect(failing.body.trim().endsWith('readyz check failed')).toBe(true);
      expect((await rawRequest(standIn, '/readyz/etcd')).status).toBe(500);
      expect((await rawRequest(standIn, '/readyz/ping')).body).toBe('ok');
      expect((await rawRequest(standIn, '/livez')).status).toBe(200);
      const excluded = await rawRequest(
        standIn,
        '/readyz?verbose&exclude=etcd',
      );
      expect(excluded.status).toBe(200);
      expect(excluded.body).toContain('[+]etcd excluded: ok');
    } finally {
      standIn.health.reset();
    }
  });

  it('prints Tables for kubectl-style requests', async () => {
    const nodes = await rawRequest(standIn, '/api/v1/nodes', {
      headers: { Accept: TABLE_ACCEPT },
    });
    expect(nodes.json.kind).toBe('Table');
    expect(
      nodes.json.columnDefinitions
        .filter((c: any) => c.priority === 0)
        .map((c: any) => c.name),
    ).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect(nodes.json.rows[0].cells.slice(0, 3)).toEqual([
      'cp-1',
      'Ready',
      'control-plane',
    ]);
    expect(nodes.json.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'cp-1' },
    });

    const svc = await rawRequest(
      standIn,
      '/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller',
      {
        headers: { Accept: TABLE_ACCEPT },
      },
    );
    expect(svc.json.rows[0].cells.slice(0, 5)).toEqual([
      'ingress-nginx-controller',
      'LoadBalancer',
      '10.97.24.113',
      '172.16.0.200',
      '80:30080/TCP,443:30443/TCP',
    ]);
    const plain = await rawRequest(standIn, '/api/v1/nodes?limit=1');
    expect(plain.json.kind).toBe('NodeList');
  });

  it('streams watches with bookmarks, initial events, legacy paths and timeouts', async () => {
    const started = Date.now();
    const res = await readWatch(
      standIn,
      '/api/v1/watch/namespaces/kube-system/configmaps?allowWatchBookmarks=true&sendInitialEvents=true&timeoutSeconds=1',
      3000,
      () =>
        standIn.store.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'during-watch', namespace: 'kube-system' },
        }),
    );
    expect(Date.now() - started).toBeLessThan(2000); // the server ended it after timeoutSeconds
    expect(res.status).toBe(200);
    const events = res.body
      .trim()
      .split('\n')
      .map((l: string) => JSON.parse(l));
    const types = events.map((e: any) => e.type);
    const firstBookmark = types.indexOf('BOOKMARK');
    expect(
      types.slice(0, firstBookmark).every((t: string) => t === 'ADDED'),
    ).toBe(true);
    expect(events[firstBookmark].object.metadata.annotations).toEqual({
      'k8s.io/initial-events-end': 'true',
    });
    expect(
      events.slice(0, firstBookmark).map((e: any) => e.object.metadata.name),
    ).toEqual(['coredns', 'kube-proxy', 'kubeadm-config', 'kubelet-config']);
    expect(
      events.find((e: any) => e.object.metadata?.name === 'during-watch')?.type,
    ).toBe('ADDED');
    expect(
      types.filter((t: string) => t === 'BOOKMARK').length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('sends DELETED to a label-selector watch when an object stops matching', async () => {
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'flip', namespace: 'default', labels: { stage: 'a' } },
    });
    const rv = standIn.store.resourceVersion;
    standIn.store.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'flip',
      },
      { metadata: { labels: { stage: 'b' } } },
    );
    standIn.store.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'flip',
      },
      { metadata: { labels: { stage: 'a' } } },
    );
    const res = await rawRequest(
      standIn,
      `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=stage%3Da&resourceVersion=${rv}&timeoutSeconds=1`,
    );
    const events = res.body
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(
      events.map(e => `${e.type}:${e.object.metadata.labels.stage}`),
    ).toEqual(['DELETED:b', 'ADDED:a']);
  });

  it('registers custom resources from CRDs and from registerCustomResource', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'clusters.kpaas.io' },
      spec: {
        group: 'kpaas.io',
        scope: 'Cluster',
        names: {
          kind: 'KpaasCluster',
          plural: 'clusters',
          singular: 'cluster',
          shortNames: ['kc'],
        },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object' } },
          },
        ],
      },
    };
    const created = await rawRequest(
      standIn,
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(crd),
      },
    );
    expect(created.status).toBe(201);
    expect(
      created.json.status.conditions.find((c: any) => c.type === 'Established'),
    ).toMatchObject({ status: 'True' });

    const cr = await rawRequest(standIn, '/apis/kpaas.io/v1alpha1/clusters', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'kpaas.io/v1alpha1',
        kind: 'KpaasCluster',
        metadata: { name: 'prod' },
        spec: { nodes: 6 },
      }),
    });
    expect(cr.status).toBe(201);
    expect(cr.json.metadata.generation).toBe(1);
    const discovery = await rawRequest(standIn, '/apis/kpaas.io/v1alpha1');
    expect(discovery.json.resources[0]).toMatchObject({
      name: 'clusters',
      kind: 'KpaasCluster',
      namespaced: false,
      shortNames: ['kc'],
    });

    standIn.registerCustomResource({
      group: 'demo.kpaas.io',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
    });
    const widget = standIn.store.create({
      apiVersion: 'demo.kpaas.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'default' },
    });
    expect(widget.metadata?.namespace).toBe('default');
    expect(
      (
        await rawRequest(
          standIn,
          '/apis/demo.kpaas.io/v1/namespaces/default/widgets/w',
        )
      ).json.kind,
    ).toBe('Widget');

    const deleted = await rawRequest(
      standIn,
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusters.kpaas.io',
      { method: 'DELETE' },
    );
    expect(deleted.status).toBe(200);
    const gone = await rawRequest(
      standIn,
      '/apis/kpaas.io/v1alpha1/clusters/prod',
    );
    expect(gone.status).toBe(404);
  });

  it('returns NotFound Statuses with details and plain 404s for unknown paths', async () => {
    const pod = await rawRequest(
      standIn,
      '/apis/apps/v1/namespaces/default/deployments/nope',
    );
    expect(pod.status).toBe(404);
    expect(pod.json).toMatchObject({
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
    });
    const unknown = await rawRequest(
      standIn,
      '/apis/apps/v1/namespaces/default/gizmos',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
    const page = await rawRequest(standIn, '/not-an-api');
    expect(page.status).toBe(404);
    expect(page.body).toBe('404 page not found\n');
  });

  it('cascades namespace deletion and garbage-collects owned objects', async () => {
    const deployment = (
      await rawRequest(
        standIn,
        '/apis/apps/v1/namespaces/kube-system/deployments/coredns',
      )
    ).json;
    const rs = standIn.store.list({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      namespace: 'kube-system',
      labelSelector: 'k8s-app=kube-dns',
    });
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata?.ownerReferences?.[0].uid).toBe(
      deployment.metadata.uid,
    );
    const del = await rawRequest(
      standIn,
      '/apis/apps/v1/namespaces/kube-system/deployments/coredns',
      { method: 'DELETE' },
    );
    expect(del.json).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'coredns', group: 'apps', kind: 'deployments' },
    });
    expect(
      standIn.store.list({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'kube-system',
        labelSelector: 'k8s-app=kube-dns',
      }),
    ).toEqual([]);
    expect(
      standIn.store.list({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        namespace: 'kube-system',
        labelSelector: 'k8s-app=kube-dns',
      }),
    ).toEqual([]);

    const ns = await rawRequest(standIn, '/api/v1/namespaces/argocd', {
      method: 'DELETE',
    });
    expect(ns.json.kind).toBe('Namespace');
    expect(
      standIn.store.list({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'argocd',
      }),
    ).toEqual([]);
    const create = await rawRequest(
      standIn,
      '/api/v1/namespaces/argocd/configmaps',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'late' } }),
      },
    );
    expect(create.status).toBe(404);
    expect(create.json.message).toBe('namespaces "argocd" not found');
  });

  it('serves the scale subresource and setDeploymentReady', async () => {
    const path =
      '/apis/apps/v1/namespaces/ingress-nginx/deployments/ingress-nginx-controller';
    const scale = await rawRequest(standIn, `${path}/scale`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 3 } }),
    });
    expect(scale.json).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 3 },
    });
    const scaled = standIn.setDeploymentReady(
      'ingress-nginx',
      'ingress-nginx-controller',
      false,
    );
    expect(scaled.spec?.replicas).toBe(3);
    expect(scaled.metadata?.generation).toBe(2);
    expect(scaled.status).toMatchObject({
      replicas: 3,
      unavailableReplicas: 3,
      observedGeneration: 2,
    });
    const ready = standIn.setDeploymentReady(
      'ingress-nginx',
      'ingress-nginx-controller',
      true,
    );
    expect(ready.status).toMatchObject({
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(
      ready.status?.conditions.find((c: any) => c.type === 'Available'),
    ).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
  });
});
