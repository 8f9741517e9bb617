import {
  fixtureCatalog,
  specWith,
  vagrantSpec,
} from './__fixtures__/testSpecs';
import { derivePlatformLinks, resolveAddonInstallSet } from './addonPlan';
import { formatSpecErrors } from './errors';
import { ClusterSpec } from './schema';
import { parseClusterSpec } from './validate';

const catalog = fixtureCatalog();

/** A parsed spec with these add-ons (no catalog checks, so partial sets are allowed). */
function specWithAddons(...ids: string[]): ClusterSpec {
  const result = parseClusterSpec(
    specWith(vagrantSpec, d => {
      d.spec.addons = ids.map(id => ({ id }));
    }),
  );
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

describe('resolveAddonInstallSet', () => {
  it('adds the dependency closure and orders dependencies first, in waves', () => {
    const result = resolveAddonInstallSet(
      specWithAddons('metallb', 'kiali'),
      catalog,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { plan } = result;
    // kiali → kube-prometheus-stack, istiod → istio-base
    expect(plan.implied).toEqual([
      'istio-base',
      'kube-prometheus-stack',
      'istiod',
    ]);
    expect(plan.waves).toEqual([
      ['metallb', 'istio-base', 'kube-prometheus-stack'],
      ['istiod'],
      ['kiali'],
    ]);
    expect(plan.order).toEqual(plan.waves.flat());
    const position = (id: string) => plan.order.indexOf(id);
    expect(position('istio-base')).toBeLessThan(position('istiod'));
    expect(position('istiod')).toBeLessThan(position('kiali'));
    expect(position('kube-prometheus-stack')).toBeLessThan(position('kiali'));
    expect(plan.addons.find(a => a.id === 'kiali')).toMatchObject({
      wave: 2,
      requested: true,
      definition: { helm: { chart: 'kiali-server', version: '2.29.0' } },
    });
  });

  it('follows dependencies transitively (portal → harbor → ingress-nginx)', () => {
    const result = resolveAddonInstallSet(specWithAddons('cp-portal'), catalog);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.order).toEqual([
      'ingress-nginx',
      // wave 1: every UI routed by ingress-nginx waits for it
      'openbao',
      'harbor',
      'keycloak',
      'chartmuseum',
      'cp-portal',
    ]);
    expect(result.plan.waves).toEqual([
      ['ingress-nginx'],
      ['openbao', 'harbor', 'keycloak', 'chartmuseum'],
      ['cp-portal'],
    ]);
  });

  it('carries the value overrides of requested add-ons', () => {
    const spec = specWithAddons('metallb');
    spec.spec.addons[0].values = { speaker: { logLevel: 'debug' } };
    const result = resolveAddonInstallSet(spec, catalog);
    expect(result.ok && result.plan.addons[0].values).toEqual({
      speaker: { logLevel: 'debug' },
    });
  });

  it('rejects ids the catalog does not know', () => {
    expect(
      resolveAddonInstallSet(specWithAddons('metallb', 'traefik'), catalog),
    ).toEqual({
      ok: false,
      errors: [
        {
          path: 'spec.addons[1].id',
          message: expect.stringContaining(
            '"traefik" is not in the add-on catalog',
          ),
        },
      ],
    });
  });

  it('detects a dependency cycle in a catalog built in code', () => {
    const cyclic = structuredClone(catalog);
    cyclic.addons.find(a => a.id === 'istio-base')!.dependsOn = ['kiali'];
    const result = resolveAddonInstallSet(specWithAddons('kiali'), cyclic);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        path: 'spec.addons',
        message: expect.stringContaining(
          'dependency cycle istio-base → kiali → istiod → istio-base',
        ),
      },
    ]);
  });
});

describe('derivePlatformLinks', () => {
  it('links only the UIs of add-ons that get installed, under the cluster domain', () => {
    const links = derivePlatformLinks(
      specWithAddons('metallb', 'kiali', 'cp-portal'),
      catalog,
    );
    expect(links.map(({ route, ...link }) => link)).toEqual([
      {
        title: 'Grafana',
        url: 'https://grafana.k-paas.io',
        addonId: 'kube-prometheus-stack',
        icon: 'dashboard',
      },
      {
        title: 'OpenBao',
        url: 'https://openbao.k-paas.io',
        addonId: 'openbao',
        icon: 'kind:resource',
      },
      {
        title: 'Harbor',
        url: 'https://harbor.k-paas.io',
        addonId: 'harbor',
        icon: 'kind:resource',
      },
      {
        title: 'Keycloak',
        url: 'https://keycloak.k-paas.io/admin/cp-realm/console/',
        addonId: 'keycloak',
        icon: 'group',
      },
      {
        title: 'ChartMuseum',
        url: 'https://chartmuseum.k-paas.io',
        addonId: 'chartmuseum',
        icon: 'kind:resource',
      },
      {
        title: 'Kiali',
        url: 'https://kiali.k-paas.io/kiali',
        addonId: 'kiali',
        icon: 'dashboard',
      },
      {
        title: 'K-PaaS Portal',
        url: 'https://portal.k-paas.io',
        addonId: 'cp-portal',
        icon: 'catalog',
      },
    ]);
    expect(links.map(l => l.addonId)).not.toContain('vault');
    expect(links.map(l => l.addonId)).not.toContain('argo-cd');
  });

  it('uses the icon named by the catalog', () => {
    expect(derivePlatformLinks(specWithAddons('argo-cd'), catalog)).toEqual([
      {
        title: 'Argo CD',
        url: 'https://argocd.k-paas.io',
        addonId: 'argo-cd',
        icon: 'github',
        route: { kind: 'Ingress', namespace: 'argocd', name: 'argo-cd-ui' },
      },
    ]);
  });

  it('has no links without add-ons', () => {
    expect(derivePlatformLinks(specWithAddons(), catalog)).toEqual([]);
  });
});
