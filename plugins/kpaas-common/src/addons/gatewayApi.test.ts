import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { specWith, vagrantSpec } from '../spec/__fixtures__/testSpecs';
import { derivePlatformLinks } from '../spec/addonPlan';
import { parseClusterSpec } from '../spec/validate';
import { parseAddonCatalog } from './catalog';
import { GATEWAY_API_CRDS } from './gatewayApi';
import { derivePlatformRouting, expectedGatewayApiObjects } from './routes';
import { AddonCatalog, AddonDefinitionInput } from './schema';

// The shipped catalog (values/addons.yaml) plus, where a test needs a second Gateway API
// implementation, NGINX Gateway Fabric 2.6.7 as its chart documents it: Gateway API v1.5.1
// standard-channel CRDs, installed separately (INDEX.md).
const repoRoot = path.resolve(__dirname, '../../../..');
const catalogText = fs.readFileSync(
  path.join(repoRoot, 'values/addons.yaml'),
  'utf8',
);

const nginxGatewayFabric: AddonDefinitionInput = {
  id: 'nginx-gateway-fabric',
  title: 'NGINX Gateway Fabric',
  category: 'networking',
  type: 'helm',
  helm: {
    repo: 'oci://ghcr.io/nginx/charts',
    chart: 'nginx-gateway-fabric',
    version: '2.6.7',
    releaseName: 'ngf',
    namespace: 'nginx-gateway',
  },
  dependsOn: ['metallb'],
  gatewayApi: {
    crds: { version: 'v1.5.1', channel: 'standard', bundled: false },
    gatewayClassName: 'nginx',
  },
  requiresCrds: [...GATEWAY_API_CRDS],
  readiness: [{ kind: 'Deployment', name: 'ngf-nginx-gateway-fabric' }],
};

function catalogWith(...extra: AddonDefinitionInput[]): AddonCatalog {
  const data = yaml.parse(catalogText);
  data.addons.push(...extra);
  const result = parseAddonCatalog(data);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.catalog;
}

const withAddons = (...ids: string[]) =>
  specWith(vagrantSpec, d => {
    d.spec.addons = ids.map(id => ({ id }));
  });

describe('Gateway API in the add-on catalog', () => {
  it('ships envoy-gateway as the Gateway API implementation with its bundled CRD release', () => {
    const catalog = catalogWith();
    const envoy = catalog.addons.find(a => a.id === 'envoy-gateway')!;
    expect(envoy.gatewayApi).toEqual({
      crds: { version: 'v1.6.1', channel: 'experimental', bundled: true },
      gatewayClassName: 'kpaas-envoy',
    });
    expect(envoy.postInstall.map(p => p.kind)).toEqual([
      'EnvoyProxy',
      'GatewayClass',
    ]);
    expect(catalog.addons.find(a => a.id === 'ingress-nginx')!.retired).toEqual(
      {
        announced: '2025-11-11',
        maintenanceEnded: '2026-03',
        url: 'https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/',
        replacement: 'envoy-gateway',
      },
    );
  });

  it('refuses an implementation that needs the CRDs installed separately but does not wait for them', () => {
    const data = yaml.parse(catalogText);
    data.addons.push({ ...nginxGatewayFabric, requiresCrds: [] });
    const result = parseAddonCatalog(data);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      expect.objectContaining({
        path: `addons[${data.addons.length - 1}].requiresCrds`,
        message: expect.stringContaining(
          'gatewayApi.crds.bundled: false), so it must wait for them: add gatewayclasses.gateway.networking.k8s.io',
        ),
      }),
    ]);
  });

  it('refuses two implementations needing different Gateway API CRD versions in one cluster, naming the field', () => {
    const catalog = catalogWith(nginxGatewayFabric);
    const result = parseClusterSpec(
      withAddons('metallb', 'envoy-gateway', 'nginx-gateway-fabric'),
      { catalog },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toContainEqual(
      expect.objectContaining({
        path: 'spec.addons[2].id',
        rule: 'addon-gateway-api-crds',
        message:
          '"nginx-gateway-fabric" cannot be installed with "envoy-gateway" (spec.addons[1]): "envoy-gateway" needs Gateway API v1.6.1 (experimental channel) CRDs and "nginx-gateway-fabric" needs v1.5.1 (standard channel); the CRDs are cluster-wide, so one would replace the other\'s; keep only one of them',
      }),
    );
    // each of them alone is fine
    for (const id of ['envoy-gateway', 'nginx-gateway-fabric']) {
      expect(parseClusterSpec(withAddons('metallb', id), { catalog }).ok).toBe(
        true,
      );
    }
  });

  it('accepts two implementations that need the same CRD release', () => {
    const catalog = catalogWith({
      ...nginxGatewayFabric,
      id: 'other-gateway',
      helm: { ...nginxGatewayFabric.helm!, releaseName: 'other' } as any,
      gatewayApi: {
        crds: { version: 'v1.6.1', channel: 'experimental', bundled: false },
        gatewayClassName: 'other',
      },
    } as AddonDefinitionInput);
    const result = parseClusterSpec(
      withAddons('metallb', 'envoy-gateway', 'other-gateway'),
      { catalog },
    );
    expect(
      !result.ok &&
        result.errors.filter(e => e.rule === 'addon-gateway-api-crds'),
    ).toBeFalsy();
  });

  it('refuses envoy-gateway together with the retired ingress-nginx (one ingress address)', () => {
    const result = parseClusterSpec(
      withAddons('metallb', 'envoy-gateway', 'ingress-nginx'),
      { catalog: catalogWith() },
    );
    expect(!result.ok && result.errors.map(e => e.message)).toContain(
      '"ingress-nginx" conflicts with "envoy-gateway" (spec.addons[1]): both provide ingress-controller; keep only one of them',
    );
  });
});

describe('derivePlatformRouting and the platform links', () => {
  const catalog = catalogWith();
  const byId = (ids: string[]) =>
    ids.map(id => catalog.addons.find(a => a.id === id)!);

  it('routes every UI through one Gateway with HTTPS from cert-manager', () => {
    const routing = derivePlatformRouting(
      byId(['metallb', 'cert-manager', 'envoy-gateway', 'argo-cd', 'harbor']),
      'k-paas.io',
    );
    expect(routing.via).toBe('gateway-api');
    expect(routing.gateway).toEqual({
      addonId: 'envoy-gateway',
      name: 'kpaas',
      namespace: 'envoy-gateway-system',
      gatewayClassName: 'kpaas-envoy',
      tls: true,
      hostname: '*.k-paas.io',
    });
    expect(
      routing.routes.map(r => [r.kind, r.namespace, r.name, r.url]),
    ).toEqual([
      ['HTTPRoute', 'argocd', 'argo-cd-ui', 'https://argocd.k-paas.io'],
      ['HTTPRoute', 'harbor', 'harbor-ui', 'https://harbor.k-paas.io'],
    ]);
    expect(routing.routes[1].extraPaths.map(p => p.path)).toEqual([
      '/api/',
      '/service/',
      '/v2/',
      '/chartrepo/',
      '/c/',
    ]);
    expect(expectedGatewayApiObjects(routing)).toEqual([
      {
        addonId: 'envoy-gateway',
        kind: 'Gateway',
        namespace: 'envoy-gateway-system',
        name: 'kpaas',
      },
      {
        addonId: 'argo-cd',
        kind: 'HTTPRoute',
        namespace: 'argocd',
        name: 'argo-cd-ui',
      },
      {
        addonId: 'harbor',
        kind: 'HTTPRoute',
        namespace: 'harbor',
        name: 'harbor-ui',
      },
    ]);
  });

  it('serves plain HTTP links without cert-manager, and Ingress links under ingress-nginx', () => {
    const plain = derivePlatformRouting(
      byId(['metallb', 'envoy-gateway', 'kiali']),
      'lab.example.com',
    );
    expect(plain.gateway?.tls).toBe(false);
    expect(plain.routes[0].url).toBe('http://kiali.lab.example.com/kiali');

    const ingress = derivePlatformRouting(
      byId(['metallb', 'ingress-nginx', 'argo-cd']),
      'lab.example.com',
    );
    expect(ingress.via).toBe('ingress');
    expect(ingress.gateway).toBeUndefined();
    expect(expectedGatewayApiObjects(ingress)).toEqual([]);
    expect(ingress.routes[0]).toEqual(
      expect.objectContaining({
        kind: 'Ingress',
        name: 'argo-cd-ui',
        url: 'https://argocd.lab.example.com',
      }),
    );
  });

  it('platform links follow the routes', () => {
    const parsed = parseClusterSpec(
      withAddons('metallb', 'envoy-gateway', 'kube-prometheus-stack'),
      { catalog },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(derivePlatformLinks(parsed.spec, catalog)).toEqual([
      {
        title: 'Grafana',
        url: 'http://grafana.k-paas.io',
        addonId: 'kube-prometheus-stack',
        icon: 'dashboard',
        route: {
          kind: 'HTTPRoute',
          namespace: 'monitoring',
          name: 'kube-prometheus-stack-ui',
        },
      },
    ]);
  });
});
