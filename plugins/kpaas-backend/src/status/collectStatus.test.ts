import * as k8s from '@kubernetes/client-node';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { AddonCatalog, parseAddonCatalog } from '@internal/plugin-kpaas-common';
import { clusterSpec } from '../__testUtils__/rig';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { collectClusterStatus } from './collectStatus';
import { KubeClusterClient } from './KubeClusterClient';
import { LinkProber } from './LinkProber';
import { ClusterNetworks } from '../network/ClusterNetworks';

/** The stand-in listens on loopback, which the default cluster networks refuse. */
const networks = new ClusterNetworks(['127.0.0.0/8']);

const ISTIO_CRDS: Array<[string, string]> = [
  ['peerauthentications.security.istio.io', 'PeerAuthentication'],
  ['authorizationpolicies.security.istio.io', 'AuthorizationPolicy'],
  ['virtualservices.networking.istio.io', 'VirtualService'],
  ['destinationrules.networking.istio.io', 'DestinationRule'],
  ['gateways.networking.istio.io', 'Gateway'],
  ['telemetries.telemetry.istio.io', 'Telemetry'],
];
const CRD_NAMES = ISTIO_CRDS.map(([name]) => name);

/** The istio entries as values/addons.yaml declares them (CRDs-only istio-base). */
function istioCatalog(): AddonCatalog {
  const list = CRD_NAMES.map(n => `      - ${n}`).join('\n');
  const parsed = parseAddonCatalog(`apiVersion: kpaas.io/v1alpha1
kind: AddonCatalog
addons:
  - id: metallb
    title: MetalLB
    category: networking
    type: helm
    helm: { repo: https://metallb.github.io/metallb, chart: metallb, version: 0.14.9, releaseName: metallb, namespace: metallb-system }
    readiness:
      - { kind: Deployment, name: metallb-controller }
  - id: istio-base
    title: Istio base (CRDs)
    category: service-mesh
    type: helm
    helm: { repo: https://istio-release.storage.googleapis.com/charts, chart: base, version: 1.30.3, releaseName: istio-base, namespace: istio-system }
    requiresCrds:
${list}
  - id: istiod
    title: Istio control plane
    category: service-mesh
    type: helm
    helm: { repo: https://istio-release.storage.googleapis.com/charts, chart: istiod, version: 1.30.3, releaseName: istiod, namespace: istio-system }
    dependsOn: [istio-base]
    requiresCrds:
${list}
    readiness:
      - { kind: Deployment, name: istiod }
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.catalog;
}

function specWith(addons: string[]) {
  const spec = clusterSpec('demo');
  return {
    ...spec,
    spec: { ...spec.spec, addons: addons.map(id => ({ id })) },
  };
}

describe('collectClusterStatus: add-ons judged on their CRDs', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  const catalog = istioCatalog();

  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .createNamespace({ body: { metadata: { name: 'istio-system' } } });
    await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: 'istio-system',
      body: {
        metadata: {
          name: 'istiod',
          namespace: 'istio-system',
          labels: {
            'app.kubernetes.io/instance': 'istiod',
            'helm.sh/chart': 'istiod-1.30.3',
          },
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'istiod' } },
          template: {
            metadata: { labels: { app: 'istiod' } },
            spec: { containers: [{ name: 'discovery', image: 'istio/pilot' }] },
          },
        },
      },
    });
    standIn.setDeploymentReady('istio-system', 'istiod', true);
  });
  afterEach(() => standIn.close());

  async function createIstioCrds(names = ISTIO_CRDS) {
    const apiext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const [name, kind] of names) {
      const [plural, ...group] = name.split('.');
      await apiext.createCustomResourceDefinition({
        body: {
          metadata: { name },
          spec: {
            group: group.join('.'),
            scope: 'Namespaced',
            names: { plural, singular: kind.toLowerCase(), kind },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object' } },
              },
            ],
          },
        },
      });
    }
  }

  async function collect(addons: string[]) {
    const record: ClusterRecord = {
      name: 'demo',
      apiServerUrl: standIn.url,
      source: 'config',
      spec: specWith(addons),
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    } as ClusterRecord;
    const client = new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      { requestTimeoutMs: 5000, networks },
    );
    standIn.requestLog.clear();
    return collectClusterStatus({
      client,
      cluster: record,
      catalog,
      prober: new LinkProber({ networks }),
    });
  }

  const addon = (status: Awaited<ReturnType<typeof collect>>, id: string) =>
    status.addons.find(a => a.id === id);

  it('shows the CRDs-only istio-base Healthy when its CRDs are established', async () => {
    await createIstioCrds();
    const status = await collect(['istio-base', 'istiod']);
    expect(addon(status, 'istio-base')).toMatchObject({
      state: 'Healthy',
      reason: expect.stringContaining('CRDs only'),
      workloads: { ready: 0, total: 0 },
    });
    expect(addon(status, 'istiod')).toMatchObject({ state: 'Healthy' });
    expect(status.state).toBe('Healthy');
    // one CRD LIST, one node LIST per collection
    expect(
      standIn.countRequests({
        verb: 'list',
        resource: 'customresourcedefinitions.apiextensions.k8s.io',
      }),
    ).toBe(1);
    expect(standIn.countRequests({ verb: 'list', resource: 'nodes' })).toBe(1);
  });

  it('shows istio-base Missing, naming the CRDs, when none exists; istiod Degraded', async () => {
    const status = await collect(['istio-base', 'istiod']);
    const base = addon(status, 'istio-base');
    expect(base?.state).toBe('Missing');
    for (const name of CRD_NAMES) expect(base?.reason).toContain(name);
    expect(addon(status, 'istiod')).toMatchObject({
      state: 'Degraded',
      workloads: { ready: 1, total: 1 },
      reason: expect.stringContaining('CRDs not established (6/6)'),
    });
    expect(status.state).toBe('Degraded');
  });

  it('names only the CRDs that are not established', async () => {
    await createIstioCrds(ISTIO_CRDS.slice(0, 4));
    const status = await collect(['istio-base', 'istiod']);
    expect(addon(status, 'istio-base')).toMatchObject({
      state: 'Degraded',
      reason:
        'CRDs only; CRDs not established (2/6): gateways.networking.istio.io, telemetries.telemetry.istio.io',
    });
  });

  it('does not list CRDs when no add-on of the spec declares requiresCrds', async () => {
    await createIstioCrds();
    const status = await collect(['metallb']);
    expect(status.addons.map(a => a.id)).toEqual(['metallb']);
    expect(
      standIn.countRequests({
        verb: 'list',
        resource: 'customresourcedefinitions.apiextensions.k8s.io',
      }),
    ).toBe(0);
  });
});
