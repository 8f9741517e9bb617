import fs from 'node:fs';
import path from 'node:path';
import { resolveAddonRefs } from '../spec/addonPlan';
import { parseAddonCatalog } from './catalog';
import { installDependencies, orderByDependencies } from './graph';
import { derivePlatformRouting } from './routes';
import { AddonCatalog, AddonDefinition } from './schema';

const repoRoot = path.resolve(__dirname, '../../../..');
const parsed = parseAddonCatalog(
  fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error('values/addons.yaml does not parse');
const catalog: AddonCatalog = parsed.catalog;
const def = (id: string): AddonDefinition =>
  catalog.addons.find(a => a.id === id)!;

/** The whole shipped catalog behind one entry point, minus the entries that exclude each other. */
function fullSet(entryPoint: 'envoy-gateway' | 'ingress-nginx'): string[] {
  const left = [
    entryPoint === 'envoy-gateway' ? 'ingress-nginx' : 'envoy-gateway',
    // built on ingress-nginx, and conflicting with harbor and keycloak
    'kpaas-cp-portal',
    // secrets-manager and default-storage-class: one each
    'openbao',
    'nfs-subdir-external-provisioner',
  ];
  return catalog.addons.map(a => a.id).filter(id => !left.includes(id));
}

function plan(ids: string[], cat: AddonCatalog = catalog) {
  const result = resolveAddonRefs(
    ids.map(id => ({ id })),
    cat,
  );
  if (!result.ok) throw new Error(result.errors.map(e => e.message).join());
  return result.plan;
}

describe('installDependencies', () => {
  it('puts envoy-gateway in an earlier wave than every add-on it routes (the full add-on set)', () => {
    const p = plan(fullSet('envoy-gateway'));
    const wave = (id: string) => p.addons.find(a => a.id === id)!.wave;
    const routing = derivePlatformRouting(
      p.addons.map(a => a.definition),
      'k-paas.io',
    );
    expect(routing.via).toBe('gateway-api');
    const routed = routing.routes.map(r => r.addonId);
    expect(routed).toEqual(
      expect.arrayContaining([
        'argo-cd',
        'kube-prometheus-stack',
        'jaeger',
        'vault',
        'harbor',
      ]),
    );
    // metallb and cert-manager first, then the Gateway (HTTPS from cert-manager), then the UIs
    expect(wave('metallb')).toBe(0);
    expect(wave('cert-manager')).toBe(0);
    expect(wave('envoy-gateway')).toBe(1);
    for (const id of routed) {
      expect(wave(id)).toBeGreaterThan(wave('envoy-gateway'));
      expect(p.addons.find(a => a.id === id)!.dependsOn).toContain(
        'envoy-gateway',
      );
    }
    expect(wave('argo-cd')).toBe(2);
    expect(wave('kube-prometheus-stack')).toBe(2);
    expect(wave('jaeger')).toBe(2);
    expect(wave('vault')).toBe(2);
    expect(wave('harbor')).toBe(2);
    // kiali waits for kube-prometheus-stack too
    expect(wave('kiali')).toBe(3);
    // add-ons without a route keep their catalog place
    expect(wave('metrics-server')).toBe(0);
    expect(wave('opentelemetry-collector')).toBe(3);
    // one computation: order, waves and each add-on's wave agree
    expect(p.order).toEqual(p.waves.flat());
    p.waves.forEach((ids, w) => ids.forEach(id => expect(wave(id)).toBe(w)));
  });

  it('puts ingress-nginx before every UI it routes on an Ingress-routed cluster', () => {
    const p = plan(fullSet('ingress-nginx'));
    const wave = (id: string) => p.addons.find(a => a.id === id)!.wave;
    expect(wave('ingress-nginx')).toBe(1);
    for (const a of p.addons.filter(x => x.definition.ui)) {
      expect(a.dependsOn).toContain('ingress-nginx');
      expect(a.wave).toBeGreaterThan(wave('ingress-nginx'));
    }
    // no Gateway: ingress-nginx does not wait for cert-manager
    expect(p.addons.find(a => a.id === 'ingress-nginx')!.dependsOn).toEqual([
      'metallb',
    ]);
  });

  it('makes the Gateway wait for cert-manager only when its listener is HTTPS', () => {
    const withTls = installDependencies(
      ['metallb', 'envoy-gateway', 'cert-manager'].map(def),
    );
    expect(withTls.get('envoy-gateway')).toEqual(['metallb', 'cert-manager']);
    const plain = installDependencies(['metallb', 'envoy-gateway'].map(def));
    expect(plain.get('envoy-gateway')).toEqual(['metallb']);
  });

  it('adds no routing edge when nothing routes the UIs', () => {
    const deps = installDependencies(['argo-cd', 'jaeger', 'metallb'].map(def));
    expect(deps.get('argo-cd')).toEqual([]);
    expect(deps.get('jaeger')).toEqual([]);
  });

  it('makes an add-on wait for the add-on that installs the CRDs it requires', () => {
    const needsRoutes: AddonDefinition = {
      ...def('metrics-server'),
      id: 'route-user',
      requiresCrds: ['httproutes.gateway.networking.k8s.io'],
    };
    const needsIstio: AddonDefinition = {
      ...def('metrics-server'),
      id: 'mesh-user',
      requiresCrds: ['virtualservices.networking.istio.io'],
    };
    const deps = installDependencies([
      def('metallb'),
      def('envoy-gateway'),
      def('istio-base'),
      needsRoutes,
      needsIstio,
    ]);
    expect(deps.get('route-user')).toEqual(['envoy-gateway']);
    expect(deps.get('mesh-user')).toEqual(['istio-base']);
    // a CRDs-only add-on waits for nobody for its own CRDs
    expect(deps.get('istio-base')).toEqual([]);
  });

  it('reports a Gateway that depends on an add-on it routes as a cycle', () => {
    const cyclic: AddonCatalog = {
      ...catalog,
      addons: catalog.addons.map(a =>
        a.id === 'envoy-gateway'
          ? { ...a, dependsOn: [...a.dependsOn, 'jaeger'] }
          : a,
      ),
    };
    const result = resolveAddonRefs(
      ['metallb', 'envoy-gateway', 'jaeger'].map(id => ({ id })),
      cyclic,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].message).toMatch(
      /dependency cycle (envoy-gateway → jaeger → envoy-gateway|jaeger → envoy-gateway → jaeger) \(dependsOn, or an add-on waiting for the Gateway/,
    );
  });

  it('orders by what installDependencies returns (waves follow the routing edges)', () => {
    const ids = ['argo-cd', 'metallb', 'envoy-gateway'];
    const deps = installDependencies(ids.map(def));
    const ordered = orderByDependencies(ids, id => deps.get(id) ?? []);
    expect(ordered.ok && ordered.value.waves).toEqual([
      ['metallb'],
      ['envoy-gateway'],
      ['argo-cd'],
    ]);
  });
});
