import { stringify } from 'yaml';
import { addonCatalogFixture } from './__fixtures__/addonCatalogFixture';
import { parseAddonCatalog } from './catalog';
import { findDependencyCycle, orderByDependencies } from './graph';

type Json = Record<string, any>;

function catalogWith(change: (addons: Json[]) => void): Json {
  const copy = structuredClone(addonCatalogFixture) as Json;
  change(copy.addons);
  return copy;
}

const entry = (addons: Json[], id: string) =>
  addons.find(a => a.id === id) as Json;

describe('parseAddonCatalog', () => {
  it('accepts the fixture catalog as YAML and applies defaults', () => {
    const result = parseAddonCatalog(stringify(addonCatalogFixture));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const metallb = result.catalog.addons[0];
    expect(metallb).toMatchObject({
      id: 'metallb',
      dependsOn: [],
      conflictsWith: [],
      provides: ['load-balancer'],
      exposesLoadBalancer: false,
      valuesFiles: [],
    });
    const kiali = result.catalog.addons.find(a => a.id === 'kiali');
    expect(kiali?.ui?.path).toBe('/kiali');
    expect(result.catalog.addons.find(a => a.id === 'harbor')?.ui?.path).toBe(
      '/',
    );
  });

  const cases: Array<{
    rule: string;
    catalog: unknown;
    errors: Array<[string, string]>;
  }> = [
    {
      rule: 'version-pinned (range)',
      catalog: catalogWith(a => {
        a[0].helm.version = '^0.16.0';
      }),
      errors: [
        [
          'addons[0].helm.version',
          'is not an exact chart version; pin one release',
        ],
      ],
    },
    {
      rule: 'version-pinned (latest)',
      catalog: catalogWith(a => {
        a[0].helm.version = 'latest';
      }),
      errors: [
        ['addons[0].helm.version', 'no ranges, "x", "^", "~" or "latest"'],
      ],
    },
    {
      rule: 'repo-url',
      catalog: catalogWith(a => {
        a[0].helm.repo = 'metallb.github.io/metallb';
      }),
      errors: [['addons[0].helm.repo', 'use https://… or oci://…']],
    },
    {
      rule: 'release-name-length',
      catalog: catalogWith(a => {
        a[0].helm.releaseName = 'm'.repeat(54);
      }),
      errors: [['addons[0].helm.releaseName', 'shorten it to at most 53']],
    },
    {
      rule: 'addon-type',
      catalog: catalogWith(a => {
        a[0].type = 'kustomize';
      }),
      errors: [['addons[0].type', 'must be one of helm, script']],
    },
    {
      rule: 'category',
      catalog: catalogWith(a => {
        a[0].category = 'network';
      }),
      errors: [['addons[0].category', 'use one of networking, storage']],
    },
    {
      rule: 'values-file-path',
      catalog: catalogWith(a => {
        a[1].valuesFiles = ['../secrets/values.yaml'];
      }),
      errors: [
        [
          'addons[1].valuesFiles[0]',
          'must be a relative path inside the repo without ".."',
        ],
      ],
    },
    {
      rule: 'readiness-target',
      catalog: catalogWith(a => {
        a[0].readiness = [{ kind: 'Deployment' }];
      }),
      errors: [
        [
          'addons[0].readiness[0].name',
          'set exactly one of name or labelSelector',
        ],
      ],
    },
    {
      rule: 'readiness-kind',
      catalog: catalogWith(a => {
        a[0].readiness = [{ kind: 'Job', name: 'x' }];
      }),
      errors: [
        [
          'addons[0].readiness[0].kind',
          'use one of Deployment, StatefulSet, DaemonSet',
        ],
      ],
    },
    {
      rule: 'credentials-are-a-secret-reference',
      catalog: catalogWith(a => {
        entry(a, 'argo-cd').credentials.password = 'admin';
      }),
      errors: [['addons[13].credentials.password', 'is not a known field']],
    },
    {
      rule: 'requires-crds-names',
      catalog: catalogWith(a => {
        a[0].requiresCrds = ['ServiceMonitor'];
      }),
      errors: [['addons[0].requiresCrds[0]', 'use <plural>.<group>']],
    },
    {
      rule: 'catalog-unique (id)',
      catalog: catalogWith(a => {
        entry(a, 'nfs-provisioner').id = 'local-path-provisioner';
      }),
      errors: [
        [
          'addons[6].id',
          '"local-path-provisioner" is already used by addons[5]',
        ],
      ],
    },
    {
      rule: 'catalog-unique (release)',
      catalog: catalogWith(a => {
        entry(a, 'istiod').helm.releaseName = 'istio-base';
      }),
      errors: [
        [
          'addons[3].helm.releaseName',
          'Helm would overwrite one with the other',
        ],
      ],
    },
    {
      rule: 'catalog-unique (UI host)',
      catalog: catalogWith(a => {
        entry(a, 'openbao').ui.hostPrefix = 'vault';
      }),
      errors: [
        [
          'addons[15].ui.hostPrefix',
          'host prefix "vault" is also addons[14]\'s',
        ],
      ],
    },
    {
      rule: 'catalog-references (unknown dependency)',
      catalog: catalogWith(a => {
        entry(a, 'kiali').dependsOn.push('prometheus');
      }),
      errors: [
        [
          'addons[12].dependsOn[2]',
          '"prometheus" is not an add-on of this catalog',
        ],
      ],
    },
    {
      rule: 'catalog-references (unknown conflict)',
      catalog: catalogWith(a => {
        entry(a, 'vault').conflictsWith = ['bao'];
      }),
      errors: [
        [
          'addons[14].conflictsWith[0]',
          '"bao" is not an add-on of this catalog',
        ],
      ],
    },
    {
      rule: 'catalog-references (self)',
      catalog: catalogWith(a => {
        entry(a, 'jaeger').dependsOn = ['jaeger'];
      }),
      errors: [['addons[11].dependsOn[0]', '"jaeger" depends on itself']],
    },
    {
      rule: 'catalog-references (depends on a conflict)',
      catalog: catalogWith(a => {
        entry(a, 'loki-stack').dependsOn = ['loki'];
      }),
      errors: [
        [
          'addons[10].dependsOn[0]',
          'both depends on and conflicts with "loki"',
        ],
      ],
    },
    {
      rule: 'catalog-cycle',
      catalog: catalogWith(a => {
        entry(a, 'istio-base').dependsOn = ['istio-gateway'];
      }),
      errors: [
        [
          'addons[2].dependsOn',
          'dependency cycle istio-base → istio-gateway → istiod → istio-base',
        ],
      ],
    },
  ];

  it.each(cases.map(c => [c.rule, c] as const))('rejects: %s', (_, c) => {
    const result = parseAddonCatalog(c.catalog);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const summary = result.errors.map(e => [e.path, e.message]);
    expect(summary).toHaveLength(c.errors.length);
    for (const [path, fragment] of c.errors) {
      expect(summary).toContainEqual([path, expect.stringContaining(fragment)]);
    }
  });

  it('reports YAML syntax errors', () => {
    expect(parseAddonCatalog('addons: 1\naddons: 2\n')).toEqual({
      ok: false,
      errors: [
        {
          path: '(document)',
          message: expect.stringContaining(
            'Map keys must be unique at line 2, column 1',
          ),
        },
      ],
    });
  });
});

describe('dependency graph helpers', () => {
  const deps: Record<string, string[]> = {
    a: ['b', 'c'],
    b: ['c'],
    c: [],
    d: [],
  };
  const of = (id: string) => deps[id] ?? [];

  it('orders dependencies first, stable for ties', () => {
    expect(orderByDependencies(['a', 'b', 'c', 'd'], of)).toEqual({
      ok: true,
      value: { order: ['c', 'd', 'b', 'a'], waves: [['c', 'd'], ['b'], ['a']] },
    });
  });

  it('returns the cycle as a closed path', () => {
    const cyclic = { ...deps, c: ['a'] };
    expect(
      findDependencyCycle(
        ['a', 'b', 'c'],
        id => cyclic[id as keyof typeof cyclic],
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      orderByDependencies(
        ['a', 'b', 'c'],
        id => cyclic[id as keyof typeof cyclic],
      ),
    ).toEqual({
      ok: false,
      cycle: ['a', 'b', 'c', 'a'],
    });
  });
});
