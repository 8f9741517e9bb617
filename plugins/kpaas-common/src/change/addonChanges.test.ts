import {
  addonRemovalProblems,
  formatAddonUpgrades,
  planAddonChanges,
} from './addonChanges';

const deps: Record<string, string[]> = {
  'ingress-nginx': ['metallb'],
  'envoy-gateway': ['metallb'],
  istiod: ['istio-base'],
  kiali: ['istiod', 'kube-prometheus-stack'],
};
const dependenciesOf = (id: string) => deps[id] ?? [];

describe('planAddonChanges', () => {
  it('installs the new, upgrades on a version or values change, uninstalls dependants first', () => {
    const changes = planAddonChanges(
      [
        { id: 'metallb', chart: 'metallb', version: '0.16.1', values: {} },
        {
          id: 'ingress-nginx',
          chart: 'ingress-nginx',
          version: '4.15.1',
          values: { controller: { replicaCount: 2 } },
        },
        { id: 'cert-manager', chart: 'cert-manager', version: 'v1.19.1' },
        { id: 'istio-base', version: '1.28.0' },
        { id: 'istiod', version: '1.28.0' },
        { id: 'kiali', version: '2.18.0' },
      ],
      [
        { id: 'metallb', chart: 'metallb', version: '0.16.1', values: {} },
        {
          id: 'ingress-nginx',
          chart: 'ingress-nginx',
          version: '4.15.1',
          values: { controller: { replicaCount: 3 } },
        },
        { id: 'cert-manager', chart: 'cert-manager', version: 'v1.20.0' },
        { id: 'envoy-gateway', version: 'v1.9.0' },
      ],
      dependenciesOf,
    );
    expect(changes.install).toEqual(['envoy-gateway']);
    expect(changes.current).toEqual(['metallb']);
    expect(changes.upgrade).toEqual([
      {
        id: 'ingress-nginx',
        chart: 'ingress-nginx',
        from: '4.15.1',
        to: '4.15.1',
        valuesDiff: [
          '--- a/ingress-nginx values',
          '+++ b/ingress-nginx values',
          '@@ -1,2 +1,2 @@',
          ' controller:',
          '-  replicaCount: 2',
          '+  replicaCount: 3',
          '',
        ].join('\n'),
      },
      // values not read on one side: only the version is compared
      {
        id: 'cert-manager',
        chart: 'cert-manager',
        from: 'v1.19.1',
        to: 'v1.20.0',
        valuesDiff: '',
      },
    ]);
    // kiali before istiod before istio-base
    expect(changes.uninstall).toEqual(['kiali', 'istiod', 'istio-base']);
  });

  it('ignores the order of keys', () => {
    const changes = planAddonChanges(
      [{ id: 'a', version: '1.0.0', values: { x: 1, y: { b: 2, a: 1 } } }],
      [{ id: 'a', version: '1.0.0', values: { y: { a: 1, b: 2 }, x: 1 } }],
      dependenciesOf,
    );
    expect(changes.current).toEqual(['a']);
    expect(changes.upgrade).toEqual([]);
  });

  it('renders the upgrades as Markdown with the diff', () => {
    const [upgrade] = planAddonChanges(
      [{ id: 'a', chart: 'c', version: '1.0.0', values: { x: 1 } }],
      [{ id: 'a', chart: 'c', version: '1.1.0', values: { x: 2 } }],
      dependenciesOf,
    ).upgrade;
    expect(formatAddonUpgrades([upgrade]).join('\n')).toBe(
      [
        '- `a` (chart `c`): 1.0.0 → 1.1.0 (`helm upgrade --atomic`)',
        '',
        '  ```diff',
        '  --- a/a values',
        '  +++ b/a values',
        '  @@ -1,1 +1,1 @@',
        '  -x: 1',
        '  +x: 2',
        '  ```',
      ].join('\n'),
    );
  });
});

describe('addonRemovalProblems', () => {
  it('names the removed add-on and every one that stays and depends on it', () => {
    expect(
      addonRemovalProblems(
        ['metallb', 'istio-base', 'kiali'],
        ['ingress-nginx', 'envoy-gateway', 'istiod'],
        dependenciesOf,
      ),
    ).toEqual([
      {
        id: 'metallb',
        dependents: ['ingress-nginx', 'envoy-gateway'],
        message:
          '"metallb" cannot be removed: "ingress-nginx", "envoy-gateway" depend on it; remove ingress-nginx, envoy-gateway as well, or keep "metallb"',
      },
      {
        id: 'istio-base',
        dependents: ['istiod'],
        message:
          '"istio-base" cannot be removed: "istiod" depends on it; remove istiod as well, or keep "istio-base"',
      },
    ]);
  });
});
