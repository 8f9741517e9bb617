import {
  GATEWAY_API_CRD_FIXTURES,
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { parseAddonCatalog } from '@internal/plugin-kpaas-common';
import fs from 'node:fs';
import path from 'node:path';
import { clusterSpec } from '../__testUtils__/rig';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { collectClusterStatus } from './collectStatus';
import { KubeClusterClient } from './KubeClusterClient';
import type { LinkProber } from './LinkProber';

// The cluster page's add-on readiness on a Gateway-routed cluster (issue 17): the same
// kpaas-common judgement as kpaas:addons, from the Gateway's and HTTPRoutes' conditions.
const networks = new ClusterNetworks(['127.0.0.0/8']);
// eslint-disable-next-line no-restricted-syntax
const repoRoot = path.resolve(__dirname, '../../../..');
const parsed = parseAddonCatalog(
  fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const catalog = parsed.catalog;

/** Probes are not what this test is about: every link answers 200. */
const prober = {
  probe: async () => ({ ok: true, httpStatus: 200, checkedAt: 'now' }),
} as unknown as LinkProber;

describe('collectClusterStatus: Gateway API routes', () => {
  let standIn: KubeApiStandIn;

  const create = (obj: any) =>
    standIn.store.create(obj, { scope: 'all' } as any);
  const deployment = (namespace: string, name: string, release: string) => {
    create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/instance': release },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: {} },
      },
    });
    standIn.setDeploymentReady(namespace, name, true);
  };
  const conditions = (ok: Record<string, boolean>) =>
    Object.entries(ok).map(([type, status]) => ({
      type,
      status: status ? 'True' : 'False',
      reason: status ? type : 'BackendNotFound',
      message: status ? '' : 'service argocd/argocd-server not found',
      observedGeneration: 1,
    }));

  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    for (const crd of GATEWAY_API_CRD_FIXTURES) {
      const [plural, ...group] = crd.name.split('.');
      create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd.name },
        spec: {
          group: group.join('.'),
          scope: crd.scope ?? 'Namespaced',
          names: { plural, singular: crd.kind.toLowerCase(), kind: crd.kind },
          versions: [{ name: crd.version, served: true, storage: true }],
        },
      });
    }
    for (const ns of ['metallb-system', 'envoy-gateway-system', 'argocd']) {
      create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    deployment('metallb-system', 'metallb-controller', 'metallb');
    create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: 'metallb-speaker',
        namespace: 'metallb-system',
        labels: { 'app.kubernetes.io/instance': 'metallb' },
      },
      spec: { selector: { matchLabels: { app: 's' } }, template: {} },
    });
    standIn.setDaemonSetReady('metallb-system', 'metallb-speaker', true);
    deployment('envoy-gateway-system', 'envoy-gateway', 'envoy-gateway');
    deployment('argocd', 'argocd-server', 'argocd');
    deployment('argocd', 'argocd-repo-server', 'argocd');
    create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 'argocd-application-controller',
        namespace: 'argocd',
        labels: { 'app.kubernetes.io/instance': 'argocd' },
      },
      spec: { replicas: 1, selector: { matchLabels: { app: 'c' } } },
    });
    standIn.setStatefulSetReady(
      'argocd',
      'argocd-application-controller',
      true,
    );
  });
  afterEach(() => standIn.close());

  function routes(programmed: boolean, resolvedRefs: boolean) {
    create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: {
        name: 'kpaas',
        namespace: 'envoy-gateway-system',
        labels: { 'kpaas.io/addon': 'envoy-gateway' },
        generation: 1,
      },
      spec: { gatewayClassName: 'kpaas-envoy' },
      status: {
        addresses: [{ type: 'IPAddress', value: '172.16.0.201' }],
        conditions: programmed
          ? conditions({ Programmed: true })
          : [
              {
                type: 'Programmed',
                status: 'False',
                reason: 'AddressNotAssigned',
                message: 'No addresses have been assigned to the Gateway',
                observedGeneration: 1,
              },
            ],
      },
    });
    create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'argo-cd-ui',
        namespace: 'argocd',
        labels: { 'kpaas.io/addon': 'argo-cd' },
        generation: 1,
      },
      spec: {},
      status: {
        parents: [
          {
            parentRef: { name: 'kpaas', namespace: 'envoy-gateway-system' },
            conditions: conditions({
              Accepted: true,
              ResolvedRefs: resolvedRefs,
            }),
          },
        ],
      },
    });
  }

  async function collect() {
    const base = clusterSpec('demo');
    const spec = {
      ...base,
      spec: {
        ...base.spec,
        addons: ['metallb', 'envoy-gateway', 'argo-cd'].map(id => ({ id })),
      },
    };
    const client = new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      { requestTimeoutMs: 5000, networks },
    );
    return collectClusterStatus({
      client,
      cluster: {
        name: 'demo',
        apiServerUrl: standIn.url,
        source: 'config',
        spec,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      } as ClusterRecord,
      catalog,
      prober,
    });
  }

  it('judges the Gateway and the HTTPRoutes by their conditions; links name their route', async () => {
    routes(true, true);
    const status = await collect();
    // in install order: argo-cd's HTTPRoute waits for the Gateway API implementation
    expect(status.addons.map(a => [a.id, a.state])).toEqual([
      ['metallb', 'Healthy'],
      ['envoy-gateway', 'Healthy'],
      ['argo-cd', 'Healthy'],
    ]);
    expect(status.addons.find(a => a.id === 'envoy-gateway')?.routes).toEqual([
      {
        kind: 'Gateway',
        namespace: 'envoy-gateway-system',
        name: 'kpaas',
        ready: true,
        addresses: ['172.16.0.201'],
      },
    ]);
    expect(status.links).toEqual([
      expect.objectContaining({
        title: 'Argo CD',
        url: 'http://argocd.demo.test',
        route: { kind: 'HTTPRoute', namespace: 'argocd', name: 'argo-cd-ui' },
      }),
    ]);
    expect(status.state).toBe('Healthy');
  });

  it('a not-Programmed Gateway and an unresolved backend degrade their add-ons with the named cause', async () => {
    routes(false, false);
    const status = await collect();
    expect(status.addons.find(a => a.id === 'envoy-gateway')).toMatchObject({
      state: 'Degraded',
      reason:
        'Gateway envoy-gateway-system/kpaas: Programmed is False (AddressNotAssigned: No addresses have been assigned to the Gateway)',
    });
    expect(status.addons.find(a => a.id === 'argo-cd')).toMatchObject({
      state: 'Degraded',
      reason:
        'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: service argocd/argocd-server not found)',
    });
    expect(status.state).toBe('Degraded');
  });
});
