import {
  existingSpec,
  fixtureCatalog,
  kakaoSpec,
  specWith,
  vagrantSpec,
} from '../spec/__fixtures__/testSpecs';
import { formatSpecErrors } from '../spec/errors';
import { ClusterSpec } from '../spec/schema';
import { parseClusterSpec } from '../spec/validate';
import {
  applyClusterChange,
  ClusterChangeRequest,
} from './applyChange';

const catalog = fixtureCatalog();

function parsed(input: unknown): ClusterSpec {
  const result = parseClusterSpec(input, { catalog });
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

/** lite on Vagrant: 2 workers, v1.33.5, metallb + ingress-nginx + harbor + loki + promtail. */
const base = parsed(
  specWith(vagrantSpec, d => {
    d.spec.kubernetes = { version: 'v1.33.5' };
    d.spec.addons = [
      'metallb',
      'ingress-nginx',
      'local-path-provisioner',
      'loki',
      'promtail',
      'harbor',
    ].map(id => ({ id }));
  }),
);

function refused(spec: ClusterSpec, request: ClusterChangeRequest) {
  const result = applyClusterChange(spec, request, catalog);
  if (result.ok) throw new Error('expected the change to be refused');
  return result.errors;
}

function applied(spec: ClusterSpec, request: ClusterChangeRequest) {
  const result = applyClusterChange(spec, request, catalog);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result;
}

describe('applyClusterChange: workers', () => {
  it('scales up and names the new nodes', () => {
    const { spec, plan } = applied(base, { workers: 3 });
    expect(spec.spec.workers.count).toBe(3);
    expect(plan.workers).toEqual({
      from: 2,
      to: 3,
      add: ['lite-worker-3'],
      remove: [],
    });
    expect(plan.unchanged).toBe(false);
  });

  it('scales down: names the nodes to drain and remove, newest first; nothing left to do by hand', () => {
    const four = applied(base, { workers: 4 }).spec;
    const { spec, plan } = applied(four, { workers: 2 });
    expect(spec.spec.workers.count).toBe(2);
    expect(plan.workers?.remove).toEqual(['lite-worker-4', 'lite-worker-3']);
  });

  it('refuses 0 workers naming the field (the control planes run no workloads) and a count above the schema naming spec.workers.count', () => {
    // below what the control planes need: they run no workloads (NoSchedule), so at least 1
    expect(refused(base, { workers: 0 })).toEqual([
      {
        path: 'workers',
        message:
          '0 workers would leave cluster "lite" with its control planes only, which are tainted NoSchedule, so no workload or add-on could run; keep at least 1 worker',
      },
    ]);
    expect(refused(base, { workers: 101 })[0].path).toBe('spec.workers.count');
  });

  it('refuses a count change on existing machines, naming the field and the host list', () => {
    const metal = parsed(existingSpec);
    expect(refused(metal, { workers: metal.spec.workers.count + 1 })).toEqual([
      {
        path: 'workers',
        message: expect.stringMatching(
          /existing machines.*spec\.target\.hosts.*leave workers at \d/,
        ),
      },
    ]);
  });

  it('reports no change when the request repeats the spec', () => {
    const { plan } = applied(base, {
      workers: 2,
      kubernetesVersion: 'v1.33.5',
      addAddons: [],
      removeAddons: [],
    });
    expect(plan.unchanged).toBe(true);
  });
});

describe('applyClusterChange: add-ons', () => {
  it('adds an add-on with its dependencies, dependencies first, appended to spec.addons', () => {
    const { spec, plan } = applied(base, { addAddons: ['kiali'] });
    // kube-prometheus-stack's UI route waits for the cluster's entry point: wave 1, like istiod
    expect(plan.addons.install).toEqual([
      'istio-base',
      'istiod',
      'kube-prometheus-stack',
      'kiali',
    ]);
    expect(plan.addons.addedAsDependency).toEqual([
      'istio-base',
      'istiod',
      'kube-prometheus-stack',
    ]);
    expect(spec.spec.addons.map(a => a.id)).toEqual([
      ...base.spec.addons.map(a => a.id),
      ...plan.addons.install,
    ]);
  });

  it('uninstalls in reverse dependency order', () => {
    const { spec, plan } = applied(base, {
      removeAddons: ['loki', 'promtail'],
    });
    expect(plan.addons.uninstall).toEqual(['promtail', 'loki']);
    expect(spec.spec.addons.map(a => a.id)).not.toContain('loki');
    // kpaas:addons uninstalls them on apply: nothing left to do by hand
  });

  it('refuses removing an add-on another installed add-on depends on', () => {
    expect(refused(base, { removeAddons: ['ingress-nginx'] })).toEqual([
      {
        path: 'removeAddons',
        message:
          '"ingress-nginx" cannot be removed: "harbor" depends on it; remove harbor as well, or keep "ingress-nginx"',
      },
    ]);
    expect(refused(base, { removeAddons: ['loki'] })[0].message).toMatch(
      /"promtail" depends on it/,
    );
  });

  it('refuses removing an add-on a newly added one depends on', () => {
    expect(
      refused(base, { removeAddons: ['metallb'], addAddons: ['istio-gateway'] })
        .length,
    ).toBeGreaterThan(0);
    const withKpsAndIstio = applied(base, { addAddons: ['istiod'] }).spec;
    expect(
      refused(withKpsAndIstio, {
        removeAddons: ['istio-base'],
        addAddons: ['istio-gateway'],
      }),
    ).toEqual([
      expect.objectContaining({
        path: 'removeAddons',
        message: expect.stringMatching(/"istiod" depends on it/),
      }),
    ]);
  });

  it('refuses an unknown, an already installed, a doubly named and a not installed add-on', () => {
    expect(refused(base, { addAddons: ['nope'] })).toEqual([
      {
        path: 'addAddons',
        message: expect.stringMatching(
          /^"nope" is not in the add-on catalog; use one of metallb, /,
        ),
      },
    ]);
    expect(refused(base, { addAddons: ['harbor'] })).toEqual([
      {
        path: 'addAddons',
        message:
          '"harbor" is already installed on cluster "lite"; remove it from addAddons',
      },
    ]);
    expect(
      refused(base, { addAddons: ['harbor'], removeAddons: ['harbor'] }),
    ).toContainEqual({
      path: 'addAddons',
      message:
        '"harbor" is both added and removed; keep it in only one of addAddons and removeAddons',
    });
    expect(refused(base, { removeAddons: ['argo-cd'] })).toEqual([
      {
        path: 'removeAddons',
        message: expect.stringMatching(
          /^"argo-cd" is not installed on cluster "lite" \(spec\.addons lists metallb, .*\); remove it from removeAddons$/,
        ),
      },
    ]);
  });

  it('refuses an add-on that conflicts with an installed one (the whole spec is checked again)', () => {
    const errors = refused(base, { addAddons: ['loki-stack'] });
    expect(errors.length).toBeGreaterThan(0);
    expect(formatSpecErrors(errors)).toMatch(
      /loki-stack.*loki|loki.*loki-stack/,
    );
    expect(errors[0].path).toMatch(/^spec\.addons/);
  });
});

describe('applyClusterChange: Kubernetes version', () => {
  it('upgrades one minor', () => {
    const { spec, plan } = applied(base, { kubernetesVersion: 'v1.34.1' });
    expect(spec.spec.kubernetes.version).toBe('v1.34.1');
    expect(plan.kubernetes).toEqual({ from: 'v1.33.5', to: 'v1.34.1' });
  });

  it('allows a patch upgrade inside the minor', () => {
    expect(
      applied(base, { kubernetesVersion: 'v1.33.7' }).plan.kubernetes,
    ).toEqual({ from: 'v1.33.5', to: 'v1.33.7' });
  });

  it('refuses skipping a minor and names the version to go to first', () => {
    const old = parsed(
      specWith(vagrantSpec, d => {
        d.spec.kubernetes = { version: 'v1.32.9' };
      }),
    );
    expect(refused(old, { kubernetesVersion: 'v1.34.1' })).toEqual([
      {
        path: 'kubernetesVersion',
        message:
          'v1.34.1 skips 1 minor version(s) from v1.32.9; upgrade one minor at a time, first to v1.33.7',
      },
    ]);
  });

  it('refuses a downgrade, also of the patch', () => {
    expect(refused(base, { kubernetesVersion: 'v1.32.11' })).toEqual([
      {
        path: 'kubernetesVersion',
        message:
          'v1.32.11 is older than the running v1.33.5; Kubernetes is never downgraded, choose v1.33.5 or newer',
      },
    ]);
    const newer = applied(base, { kubernetesVersion: 'v1.33.7' }).spec;
    expect(refused(newer, { kubernetesVersion: 'v1.33.5' })[0].path).toBe(
      'kubernetesVersion',
    );
  });

  it('refuses a version kpaas does not support, naming spec.kubernetes.version', () => {
    expect(refused(base, { kubernetesVersion: 'v1.34.99' })).toEqual([
      expect.objectContaining({
        path: 'spec.kubernetes.version',
        message: expect.stringMatching(/not a supported Kubernetes version/),
      }),
    ]);
  });

  it('refuses a version the installer cannot install (kpaas-cp pins v1.33.5)', () => {
    const kakao = parsed(kakaoSpec);
    const errors = refused(kakao, { kubernetesVersion: 'v1.34.1' });
    expect(errors.some(e => e.path.startsWith('spec.kubernetes'))).toBe(true);
  });
});
