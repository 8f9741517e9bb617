import {
  describeKubernetesUpgradePath,
  formatUpgradeRollout,
  kubernetesPackageVersion,
  kubernetesUpgradePath,
  planKubernetesUpgrade,
  UpgradeNodeVersion,
} from './upgradePath';

const cp = (name: string, v: string, api = v): UpgradeNodeVersion => ({
  name,
  controlPlane: true,
  kubeletVersion: v,
  apiServerVersion: api,
});
const worker = (name: string, v: string): UpgradeNodeVersion => ({
  name,
  controlPlane: false,
  kubeletVersion: v,
});

describe('kubernetesUpgradePath', () => {
  it('goes one minor at a time through the newest supported patch of each minor', () => {
    expect(kubernetesUpgradePath('v1.33.5', 'v1.34.8')).toEqual({
      ok: true,
      path: ['v1.34.8'],
    });
    expect(kubernetesUpgradePath('v1.33.5', 'v1.35.1')).toEqual({
      ok: true,
      path: ['v1.34.8', 'v1.35.1'],
    });
    expect(kubernetesUpgradePath('v1.34.1', 'v1.34.1')).toEqual({
      ok: true,
      path: [],
    });
  });

  it('refuses a downgrade', () => {
    const r = kubernetesUpgradePath('v1.34.8', 'v1.33.5');
    expect(r).toMatchObject({ ok: false });
    expect((r as any).problem).toMatch(
      /never downgraded, choose v1.34.8 or newer/,
    );
  });

  it('describes the path for the change plan', () => {
    expect(describeKubernetesUpgradePath('v1.33.5', 'v1.35.1')).toBe(
      'v1.33.5 → v1.34.8 → v1.35.1: etcd snapshot, kubeadm upgrade apply on the first control plane, kubeadm upgrade node on the others, then workers drained in batches; one change per minor: apply v1.34.8 first',
    );
  });
});

describe('planKubernetesUpgrade', () => {
  const nodes = [
    cp('cp-1', 'v1.33.5'),
    cp('cp-2', 'v1.33.5'),
    cp('cp-3', 'v1.33.5'),
    worker('w-1', 'v1.33.5'),
    worker('w-2', 'v1.33.5'),
    worker('w-3', 'v1.33.5'),
  ];

  it('orders the first control plane (apply), the others (node), then workers in batches', () => {
    const r = planKubernetesUpgrade({
      target: 'v1.34.8',
      nodes,
      maxUnavailable: 2,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(
      r.rollout.steps.map(s => [s.node, s.action, s.batch, s.done]),
    ).toEqual([
      ['cp-1', 'upgrade-apply', 0, false],
      ['cp-2', 'upgrade-node', 0, false],
      ['cp-3', 'upgrade-node', 0, false],
      ['w-1', 'upgrade-node', 1, false],
      ['w-2', 'upgrade-node', 1, false],
      ['w-3', 'upgrade-node', 2, false],
    ]);
    expect(r.rollout.from).toBe('v1.33.5');
    expect(formatUpgradeRollout(r.rollout).slice(0, 3)).toEqual([
      'Kubernetes v1.33.5 → v1.34.8',
      '1. etcd snapshot on cp-1',
      '2. control plane cp-1: kubeadm 1.34.8-1.1 held, kubeadm upgrade plan v1.34.8, kubeadm upgrade apply v1.34.8, cordon + drain, kubelet/kubectl 1.34.8-1.1 held, kubelet restart, uncordon, wait Ready (v1.33.5 → v1.34.8)',
    ]);
    expect(formatUpgradeRollout(r.rollout)[5]).toBe(
      '5. worker w-1 (batch 1): cordon + drain, kubeadm 1.34.8-1.1 held, kubeadm upgrade node, kubelet/kubectl 1.34.8-1.1 held, kubelet restart, uncordon, wait Ready (v1.33.5 → v1.34.8)',
    );
  });

  it('marks nodes already at the target as done (a re-run continues after them)', () => {
    const r = planKubernetesUpgrade({
      target: 'v1.34.8',
      nodes: [
        cp('cp-1', 'v1.34.8'),
        cp('cp-2', 'v1.34.8'),
        // kubelet upgraded but the static pods not: not done
        cp('cp-3', 'v1.34.8', 'v1.33.5'),
        worker('w-1', 'v1.34.8'),
        worker('w-2', 'v1.33.5'),
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.rollout.steps.map(s => s.done)).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(r.rollout.upToDate).toBe(false);
    // cp-3's static pods are not upgraded yet: the snapshot first, the done nodes skipped
    const text = formatUpgradeRollout(r.rollout);
    expect(text.slice(1, 5)).toEqual([
      '1. etcd snapshot on cp-1',
      '2. control plane cp-1: already v1.34.8, skipped',
      '3. control plane cp-2: already v1.34.8, skipped',
      '4. control plane cp-3: kubeadm 1.34.8-1.1 held, kubeadm upgrade node, cordon + drain, kubelet/kubectl 1.34.8-1.1 held, kubelet restart, uncordon, wait Ready (v1.34.8 → v1.34.8)',
    ]);
  });

  it('refuses skipping a minor, naming the field and the first step', () => {
    const r = planKubernetesUpgrade({ target: 'v1.35.1', nodes });
    expect(r).toEqual({
      ok: false,
      problems: [
        {
          field: 'spec.kubernetes.version',
          message:
            'v1.35.1 skips 1 minor version(s) from v1.33.5; upgrade one minor at a time, first to v1.34.8',
        },
      ],
    });
  });

  it('refuses a downgrade', () => {
    const r = planKubernetesUpgrade({
      target: 'v1.33.5',
      nodes: [cp('cp-1', 'v1.34.8')],
    });
    expect(r.ok).toBe(false);
    expect((r as any).problems[0].message).toMatch(/never downgraded/);
  });

  it('refuses an upgrade that leaves a kubelet more than three minors behind, or one newer than the API server', () => {
    const r = planKubernetesUpgrade({
      target: 'v1.35.1',
      nodes: [
        cp('cp-1', 'v1.34.8'),
        worker('old', 'v1.31.13'),
        worker('new', 'v1.36.1'),
      ],
    });
    expect(r.ok).toBe(false);
    const messages = (r as any).problems.map((p: any) => p.message);
    expect(messages).toEqual([
      "old's kubelet v1.31.13 would be more than 3 minors behind an API server at v1.35.1 (version skew policy); upgrade old first",
      "new's kubelet v1.36.1 is newer than v1.35.1; a kubelet newer than the API server is not supported, choose v1.36.1 or newer",
    ]);
  });

  it('refuses an unsupported target and a batch size below one', () => {
    const r = planKubernetesUpgrade({
      target: 'v1.34.99',
      nodes,
      maxUnavailable: 0,
      targetField: 'kubernetesVersion',
    });
    expect((r as any).problems.map((p: any) => p.field)).toEqual([
      'maxUnavailable',
      'kubernetesVersion',
    ]);
  });

  it('names the package version pkgs.k8s.io uses', () => {
    expect(kubernetesPackageVersion('v1.34.8')).toBe('1.34.8-1.1');
  });
});
