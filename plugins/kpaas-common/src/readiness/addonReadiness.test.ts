import { parseAddonCatalog } from '../addons/catalog';
import type { AddonDefinition } from '../addons/schema';
import {
  chartVersionFromLabel,
  evaluateAddonReadiness,
  isCrdsOnlyAddon,
  observeWorkload,
  WorkloadObservation,
} from './addonReadiness';

const catalog = parseAddonCatalog(`
apiVersion: kpaas.io/v1alpha1
kind: AddonCatalog
addons:
  - id: metallb
    title: MetalLB
    category: networking
    type: helm
    helm: { repo: https://metallb.github.io/metallb, chart: metallb, version: 0.16.1, releaseName: metallb, namespace: metallb-system }
    readiness:
      - { kind: Deployment, name: metallb-controller }
      - { kind: DaemonSet, name: metallb-speaker }
  - id: prom
    title: Prometheus
    category: observability
    type: helm
    helm: { repo: https://prometheus-community.github.io/helm-charts, chart: kube-prometheus-stack, version: 70.4.2, releaseName: kps, namespace: monitoring }
    readiness:
      - { kind: StatefulSet, labelSelector: "app.kubernetes.io/name=prometheus" }
  - id: istio-base
    title: Istio base (CRDs)
    category: service-mesh
    type: helm
    helm: { repo: https://istio-release.storage.googleapis.com/charts, chart: base, version: 1.30.3, releaseName: istio-base, namespace: istio-system }
    requiresCrds: [peerauthentications.security.istio.io, gateways.networking.istio.io, telemetries.telemetry.istio.io]
  - id: istiod
    title: Istio control plane
    category: service-mesh
    type: helm
    helm: { repo: https://istio-release.storage.googleapis.com/charts, chart: istiod, version: 1.30.3, releaseName: istiod, namespace: istio-system }
    dependsOn: [istio-base]
    requiresCrds: [peerauthentications.security.istio.io, gateways.networking.istio.io]
    readiness:
      - { kind: Deployment, name: istiod }
`);
if (!catalog.ok) throw new Error(JSON.stringify(catalog.errors));
const byId = (id: string) =>
  catalog.ok
    ? (catalog.catalog.addons.find(a => a.id === id) as AddonDefinition)
    : (undefined as never);

const metallbLabels = (version = '0.16.1') => ({
  'app.kubernetes.io/instance': 'metallb',
  'helm.sh/chart': `metallb-${version}`,
});

function workload(
  o: Partial<WorkloadObservation> & Pick<WorkloadObservation, 'kind' | 'name'>,
): WorkloadObservation {
  return {
    namespace: 'metallb-system',
    labels: metallbLabels(),
    desired: 1,
    ready: 1,
    updated: 1,
    ...o,
  };
}

describe('evaluateAddonReadiness', () => {
  const healthy = [
    workload({ kind: 'Deployment', name: 'metallb-controller' }),
    workload({
      kind: 'DaemonSet',
      name: 'metallb-speaker',
      desired: 6,
      ready: 6,
      updated: 6,
    }),
  ];

  it('is Healthy when every workload is ready on the declared chart', () => {
    expect(evaluateAddonReadiness(byId('metallb'), healthy)).toEqual({
      id: 'metallb',
      title: 'MetalLB',
      namespace: 'metallb-system',
      declaredVersion: '0.16.1',
      runningVersion: '0.16.1',
      workloads: { ready: 2, total: 2 },
      state: 'Healthy',
    });
  });

  it('is Missing without workloads, or when a readiness check finds nothing', () => {
    expect(evaluateAddonReadiness(byId('metallb'), [])).toMatchObject({
      state: 'Missing',
      reason: expect.stringMatching(
        /release "metallb" in namespace metallb-system/,
      ),
    });
    expect(evaluateAddonReadiness(byId('metallb'), [healthy[0]])).toMatchObject(
      {
        state: 'Missing',
        reason: 'not found: DaemonSet metallb-speaker in metallb-system',
      },
    );
  });

  it('is Degraded when replicas are not ready, naming them', () => {
    const result = evaluateAddonReadiness(byId('metallb'), [
      healthy[0],
      { ...healthy[1], ready: 4 },
    ]);
    expect(result).toMatchObject({
      state: 'Degraded',
      workloads: { ready: 1, total: 2 },
      reason: 'not ready: DaemonSet metallb-speaker 4/6',
    });
  });

  it('is Progressing during a rollout', () => {
    expect(
      evaluateAddonReadiness(byId('metallb'), [
        { ...healthy[0], generation: 3, observedGeneration: 2 },
        healthy[1],
      ]).state,
    ).toBe('Progressing');
    expect(
      evaluateAddonReadiness(byId('metallb'), [
        healthy[0],
        { ...healthy[1], updated: 2, ready: 5 },
      ]),
    ).toMatchObject({
      state: 'Progressing',
      reason: expect.stringContaining('2/6 updated'),
    });
  });

  it('is Degraded when the running chart differs from the declared one', () => {
    const old = healthy.map(w => ({ ...w, labels: metallbLabels('0.14.9') }));
    expect(evaluateAddonReadiness(byId('metallb'), old)).toMatchObject({
      state: 'Degraded',
      runningVersion: '0.14.9',
      reason: expect.stringContaining(
        'chart 0.14.9 is running but 0.16.1 is declared',
      ),
    });
  });

  it('ignores other releases and namespaces, and sub-chart labels for the version', () => {
    const result = evaluateAddonReadiness(byId('prom'), [
      {
        kind: 'Deployment',
        namespace: 'monitoring',
        name: 'kps-operator',
        labels: {
          'app.kubernetes.io/instance': 'kps',
          'helm.sh/chart': 'kube-prometheus-stack-70.4.2',
        },
        desired: 1,
        ready: 1,
      },
      {
        kind: 'Deployment',
        namespace: 'monitoring',
        name: 'kps-grafana',
        labels: {
          'app.kubernetes.io/instance': 'kps',
          'helm.sh/chart': 'grafana-8.11.4',
        },
        desired: 1,
        ready: 1,
      },
      {
        kind: 'StatefulSet',
        namespace: 'monitoring',
        name: 'prometheus-kps',
        labels: { 'app.kubernetes.io/name': 'prometheus' },
        desired: 2,
        ready: 2,
      },
      { ...healthy[0], namespace: 'other' },
    ]);
    expect(result).toMatchObject({
      state: 'Healthy',
      runningVersion: '70.4.2',
      workloads: { ready: 3, total: 3 },
    });
  });
});

describe('evaluateAddonReadiness with established CRDs', () => {
  const ISTIO_CRDS = [
    'peerauthentications.security.istio.io',
    'gateways.networking.istio.io',
    'telemetries.telemetry.istio.io',
  ];
  const crds = (...names: string[]) => ({ establishedCrds: new Set(names) });
  const istiod = (o: Partial<WorkloadObservation> = {}) =>
    workload({
      kind: 'Deployment',
      name: 'istiod',
      namespace: 'istio-system',
      labels: {
        'app.kubernetes.io/instance': 'istiod',
        'helm.sh/chart': 'istiod-1.30.3',
      },
      ...o,
    });

  it('tells a CRDs-only add-on from one that runs workloads', () => {
    expect(isCrdsOnlyAddon(byId('istio-base'))).toBe(true);
    expect(isCrdsOnlyAddon(byId('istiod'))).toBe(false);
    expect(isCrdsOnlyAddon(byId('metallb'))).toBe(false);
  });

  it('judges a CRDs-only add-on Healthy when all its CRDs are established', () => {
    expect(
      evaluateAddonReadiness(byId('istio-base'), [], crds(...ISTIO_CRDS)),
    ).toEqual({
      id: 'istio-base',
      title: 'Istio base (CRDs)',
      namespace: 'istio-system',
      declaredVersion: '1.30.3',
      runningVersion: undefined,
      workloads: { ready: 0, total: 0 },
      state: 'Healthy',
      reason: 'CRDs only: all 3 established',
    });
  });

  it('judges a CRDs-only add-on Missing when none exists, Degraded when some are missing', () => {
    expect(
      evaluateAddonReadiness(byId('istio-base'), [], crds('other.example.io')),
    ).toMatchObject({
      state: 'Missing',
      reason: `CRDs only; CRDs not established (3/3): ${ISTIO_CRDS.join(', ')}`,
    });
    expect(
      evaluateAddonReadiness(byId('istio-base'), [], crds(ISTIO_CRDS[0])),
    ).toMatchObject({
      state: 'Degraded',
      reason:
        'CRDs only; CRDs not established (2/3): gateways.networking.istio.io, telemetries.telemetry.istio.io',
    });
  });

  it('keeps the workload judgement without the CRD observation (unchanged behaviour)', () => {
    expect(evaluateAddonReadiness(byId('istio-base'), [])).toMatchObject({
      state: 'Missing',
      reason:
        'no Deployment, StatefulSet or DaemonSet of release "istio-base" in namespace istio-system',
    });
    expect(evaluateAddonReadiness(byId('istiod'), [istiod()])).toMatchObject({
      state: 'Healthy',
    });
    expect(evaluateAddonReadiness(byId('istiod'), [istiod()], {})).toEqual(
      evaluateAddonReadiness(byId('istiod'), [istiod()]),
    );
    // an add-on without requiresCrds ignores the CRD observation
    expect(
      evaluateAddonReadiness(byId('metallb'), [], crds(...ISTIO_CRDS)),
    ).toEqual(evaluateAddonReadiness(byId('metallb'), []));
  });

  it('degrades an add-on with healthy workloads whose required CRDs are not established', () => {
    expect(
      evaluateAddonReadiness(byId('istiod'), [istiod()], crds(...ISTIO_CRDS)),
    ).toMatchObject({ state: 'Healthy' });
    expect(
      evaluateAddonReadiness(byId('istiod'), [istiod()], crds(...ISTIO_CRDS)),
    ).not.toHaveProperty('reason');
    expect(
      evaluateAddonReadiness(byId('istiod'), [istiod()], crds(ISTIO_CRDS[1])),
    ).toMatchObject({
      state: 'Degraded',
      workloads: { ready: 1, total: 1 },
      reason:
        'CRDs not established (1/2): peerauthentications.security.istio.io',
    });
    expect(
      evaluateAddonReadiness(
        byId('istiod'),
        [istiod({ ready: 0 })],
        crds(ISTIO_CRDS[1]),
      ),
    ).toMatchObject({
      state: 'Degraded',
      reason:
        'CRDs not established (1/2): peerauthentications.security.istio.io; not ready: Deployment istiod 0/1',
    });
  });

  it('names the CRDs in the reason of an add-on that is missing anyway', () => {
    expect(evaluateAddonReadiness(byId('istiod'), [], crds())).toMatchObject({
      state: 'Missing',
      reason:
        'no Deployment, StatefulSet or DaemonSet of release "istiod" in namespace istio-system; CRDs not established (2/2): peerauthentications.security.istio.io, gateways.networking.istio.io',
    });
  });
});

describe('observeWorkload', () => {
  it('reads Deployments and DaemonSets as the API returns them', () => {
    expect(
      observeWorkload('Deployment', {
        metadata: {
          name: 'd',
          namespace: 'n',
          labels: { a: 'b' },
          generation: 2,
        },
        spec: { replicas: 3 },
        status: { readyReplicas: 2, updatedReplicas: 3, observedGeneration: 2 },
      }),
    ).toEqual({
      kind: 'Deployment',
      name: 'd',
      namespace: 'n',
      labels: { a: 'b' },
      desired: 3,
      ready: 2,
      updated: 3,
      generation: 2,
      observedGeneration: 2,
    });
    expect(
      observeWorkload('DaemonSet', {
        metadata: { name: 'ds', namespace: 'n' },
        status: {
          desiredNumberScheduled: 6,
          numberReady: 5,
          updatedNumberScheduled: 6,
        },
      }),
    ).toMatchObject({ desired: 6, ready: 5, updated: 6 });
    expect(
      observeWorkload('StatefulSet', { metadata: { name: 's' } }),
    ).toMatchObject({
      desired: 1,
      ready: 0,
    });
  });

  it('parses chart versions only for the add-on chart', () => {
    expect(chartVersionFromLabel('ingress-nginx-4.12.1', 'ingress-nginx')).toBe(
      '4.12.1',
    );
    expect(chartVersionFromLabel('cert-manager-v1.17.2', 'cert-manager')).toBe(
      'v1.17.2',
    );
    expect(
      chartVersionFromLabel('grafana-8.11.4', 'kube-prometheus-stack'),
    ).toBeUndefined();
    expect(chartVersionFromLabel(undefined, 'x')).toBeUndefined();
  });
});
