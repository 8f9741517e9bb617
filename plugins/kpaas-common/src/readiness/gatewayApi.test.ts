import { parseAddonCatalog } from '../addons/catalog';
import type { AddonCatalogInput } from '../addons/schema';
import { evaluateAddonReadiness, observeWorkload } from './addonReadiness';
import {
  evaluateGatewayApiObject,
  observeGatewayApiObject,
} from './gatewayApi';

const catalogInput: AddonCatalogInput = {
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'AddonCatalog',
  addons: [
    {
      id: 'envoy-gateway',
      title: 'Envoy Gateway',
      category: 'networking',
      type: 'helm',
      helm: {
        repo: 'oci://docker.io/envoyproxy',
        chart: 'gateway-helm',
        version: 'v1.9.0',
        releaseName: 'envoy-gateway',
        namespace: 'envoy-gateway-system',
      },
      gatewayApi: {
        crds: { version: 'v1.6.1', channel: 'experimental', bundled: true },
        gatewayClassName: 'kpaas-envoy',
      },
      readiness: [{ kind: 'Deployment', name: 'envoy-gateway' }],
    },
    {
      id: 'argo-cd',
      title: 'Argo CD',
      category: 'gitops',
      type: 'helm',
      helm: {
        repo: 'https://argoproj.github.io/argo-helm',
        chart: 'argo-cd',
        version: '10.1.1',
        releaseName: 'argocd',
        namespace: 'argocd',
      },
      readiness: [{ kind: 'Deployment', name: 'argocd-server' }],
      ui: {
        title: 'Argo CD',
        hostPrefix: 'argocd',
        service: 'argocd-server',
        port: 80,
      },
    },
  ],
};
const parsed = parseAddonCatalog(catalogInput);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const [envoy, argo] = parsed.catalog.addons;

const deployment = (
  namespace: string,
  name: string,
  release: string,
  chart: string,
) =>
  observeWorkload('Deployment', {
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/instance': release, 'helm.sh/chart': chart },
      generation: 1,
    },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 },
  });
const workloads = [
  deployment(
    'envoy-gateway-system',
    'envoy-gateway',
    'envoy-gateway',
    'gateway-helm-v1.9.0',
  ),
  deployment('argocd', 'argocd-server', 'argocd', 'argo-cd-10.1.1'),
];
const expected = [
  {
    addonId: 'envoy-gateway',
    kind: 'Gateway' as const,
    namespace: 'envoy-gateway-system',
    name: 'kpaas',
  },
  {
    addonId: 'argo-cd',
    kind: 'HTTPRoute' as const,
    namespace: 'argocd',
    name: 'argo-cd-ui',
  },
];

const gateway = (conditions: object[], generation = 1) =>
  observeGatewayApiObject('Gateway', {
    metadata: { name: 'kpaas', namespace: 'envoy-gateway-system', generation },
    status: {
      addresses: [{ type: 'IPAddress', value: '10.10.0.199' }],
      conditions,
    },
  });
const route = (conditions: object[]) =>
  observeGatewayApiObject('HTTPRoute', {
    metadata: { name: 'argo-cd-ui', namespace: 'argocd', generation: 1 },
    status: {
      parents: [
        {
          parentRef: { name: 'kpaas', namespace: 'envoy-gateway-system' },
          controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
          conditions,
        },
      ],
    },
  });
const programmed = {
  type: 'Programmed',
  status: 'True',
  reason: 'Programmed',
  observedGeneration: 1,
};
const accepted = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  observedGeneration: 1,
};
const resolved = {
  type: 'ResolvedRefs',
  status: 'True',
  reason: 'ResolvedRefs',
  observedGeneration: 1,
};

describe('Gateway API readiness by conditions', () => {
  it('is Healthy when the Gateway is Programmed and the HTTPRoute Accepted with ResolvedRefs', () => {
    const observed = [gateway([programmed]), route([accepted, resolved])];
    const gw = evaluateAddonReadiness(envoy, workloads, {
      gatewayApi: { expected, observed },
    });
    expect(gw.state).toBe('Healthy');
    expect(gw.routes).toEqual([
      {
        kind: 'Gateway',
        namespace: 'envoy-gateway-system',
        name: 'kpaas',
        ready: true,
        addresses: ['10.10.0.199'],
      },
    ]);
    const ui = evaluateAddonReadiness(argo, workloads, {
      gatewayApi: { expected, observed },
    });
    expect(ui.state).toBe('Healthy');
    expect(ui.routes).toEqual([
      {
        kind: 'HTTPRoute',
        namespace: 'argocd',
        name: 'argo-cd-ui',
        ready: true,
      },
    ]);
  });

  it('a Gateway that is not Programmed degrades its implementation with the named cause', () => {
    const observed = [
      gateway([
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          observedGeneration: 1,
        },
        {
          type: 'Programmed',
          status: 'False',
          reason: 'AddressNotAssigned',
          message: 'No addresses have been assigned to the Gateway',
          observedGeneration: 1,
        },
      ]),
      route([accepted, resolved]),
    ];
    const result = evaluateAddonReadiness(envoy, workloads, {
      gatewayApi: { expected, observed },
    });
    expect(result.state).toBe('Degraded');
    expect(result.reason).toBe(
      'Gateway envoy-gateway-system/kpaas: Programmed is False (AddressNotAssigned: No addresses have been assigned to the Gateway)',
    );
    // the workloads alone would say Healthy: the routes are only judged when observed
    expect(evaluateAddonReadiness(envoy, workloads).state).toBe('Healthy');
  });

  it('an HTTPRoute whose backend is missing degrades the UI add-on, naming the condition', () => {
    const observed = [
      gateway([programmed]),
      route([
        accepted,
        {
          type: 'ResolvedRefs',
          status: 'False',
          reason: 'BackendNotFound',
          message: 'service argocd/argocd-server not found',
          observedGeneration: 1,
        },
      ]),
    ];
    const result = evaluateAddonReadiness(argo, workloads, {
      gatewayApi: { expected, observed },
    });
    expect(result.state).toBe('Degraded');
    expect(result.reason).toBe(
      'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: service argocd/argocd-server not found)',
    );
  });

  it('missing objects, missing parents and stale conditions are not ready', () => {
    expect(evaluateGatewayApiObject(expected[0], undefined).reason).toBe(
      'Gateway envoy-gateway-system/kpaas not found',
    );
    expect(evaluateGatewayApiObject(expected[0], gateway([])).reason).toBe(
      'Gateway envoy-gateway-system/kpaas: no Programmed condition yet',
    );
    expect(
      evaluateGatewayApiObject(expected[0], gateway([programmed], 2)).reason,
    ).toBe(
      'Gateway envoy-gateway-system/kpaas: Programmed is for an older generation',
    );
    expect(
      evaluateGatewayApiObject(
        expected[1],
        observeGatewayApiObject('HTTPRoute', {
          metadata: { name: 'argo-cd-ui', namespace: 'argocd' },
        }),
      ).reason,
    ).toBe(
      'HTTPRoute argocd/argo-cd-ui: no Gateway has accepted it yet (no parent status)',
    );
    expect(
      evaluateGatewayApiObject(expected[1], route([resolved])).reason,
    ).toBe(
      'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: no Accepted condition yet',
    );
  });
});
