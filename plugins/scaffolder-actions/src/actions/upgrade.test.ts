import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockServices } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import {
  runUpgradeAction,
  startUpgradeRig,
  UpgradeRig,
} from '../upgrade/__testUtils__/upgradeRig';

jest.setTimeout(240_000);

/*
 * kpaas:upgrade on the SSH rig: 3 control planes + 2 workers running v1.33.5 (kubeadm, apt,
 * systemctl and etcd stand-ins record every call; the node controller reports the kubelet each
 * node runs once it is restarted). The tests run in order on one rig: refusals (nothing runs),
 * v1.33.5 -> v1.34.8, then v1.34.8 -> v1.35.1 failing on the second worker and resumed.
 */
describe('kpaas:upgrade on the rig', () => {
  let rig: UpgradeRig;
  const CPS = ['demo-cp-1', 'demo-cp-2', 'demo-cp-3'];
  const WORKERS = ['demo-worker-1', 'demo-worker-2'];
  const ALL = [...CPS, ...WORKERS];

  beforeAll(async () => {
    if (fs.existsSync('/var/log/kpaas-standins')) {
      throw new Error(
        'remove /var/log/kpaas-standins on the host first (a stand-in run on the host)',
      );
    }
    rig = await startUpgradeRig({
      controlPlanes: 3,
      workers: 2,
      version: 'v1.33.5',
    });
  });
  afterAll(() => rig?.stop());

  /** Stand-in calls that change a node (reads and the etcd tools' status are left out). */
  const changingCalls = (node: string, marks: Map<string, number>) =>
    rig
      .callsSince(node, marks)
      .filter(
        c =>
          ['kubeadm', 'apt-get', 'apt-mark', 'systemctl'].includes(c.cmd) &&
          !(c.cmd === 'kubeadm' && c.args[0] === 'version'),
      )
      .map(c => `${c.cmd} ${c.args.join(' ')}`);

  /** Polls the API stand-in's Nodes: when each first reports `version`, who was cordoned when. */
  function watchNodes(version: string) {
    const firstAt = new Map<string, number>();
    const cordoned: Array<{ at: number; nodes: string[] }> = [];
    const timer = setInterval(() => {
      const at = Date.now();
      const now: string[] = [];
      for (const name of ALL) {
        const node = rig.h.api.store.get({
          apiVersion: 'v1',
          kind: 'Node',
          name,
        } as any) as any;
        if (
          node?.status?.nodeInfo?.kubeletVersion === version &&
          !firstAt.has(name)
        )
          firstAt.set(name, at);
        if (node?.spec?.unschedulable) now.push(name);
      }
      cordoned.push({ at, nodes: now });
    }, 5);
    return {
      stop: () => clearInterval(timer),
      order: () => [...firstAt].sort((a, b) => a[1] - b[1]).map(([n]) => n),
      firstAt,
      cordoned,
    };
  }

  it('refuses skipping a minor or a downgrade by field, before anything changes', async () => {
    expect(ALL.map(n => rig.nodeVersion(n))).toEqual(ALL.map(() => 'v1.33.5'));
    const marks = rig.mark();
    rig.setVersion('v1.35.1');
    const skip = runUpgradeAction(rig);
    await expect(skip.run()).rejects.toThrow(
      'kpaas:upgrade refused, nothing was changed: spec.kubernetes.version: v1.35.1 skips 1 minor version(s) from v1.33.5; upgrade one minor at a time, first to v1.34.8',
    );
    rig.setVersion('v1.32.11');
    const down = runUpgradeAction(rig);
    await expect(down.run()).rejects.toThrow(
      'spec.kubernetes.version: v1.32.11 is older than the running v1.33.5; Kubernetes is never downgraded',
    );
    for (const n of ALL) expect(changingCalls(n, marks)).toEqual([]);
    expect(
      rig.callsSince('demo-cp-1', marks).filter(c => c.cmd === 'etcdctl'),
    ).toEqual([]);
  });

  it('dry run prints the rollout and contacts nothing', async () => {
    rig.setVersion('v1.34.8');
    const marks = rig.mark();
    const dry = runUpgradeAction(
      rig,
      { maxUnavailable: 2 },
      { isDryRun: true },
    );
    await dry.run();
    const text = dry.lines.join('\n');
    expect(text).toContain(
      'dry run: kpaas:upgrade of demo to v1.34.8 (maxUnavailable 2); nothing was contacted',
    );
    expect(text).toContain(
      '2. control plane demo-cp-1: kubeadm 1.34.8-1.1 held, kubeadm upgrade plan v1.34.8, kubeadm upgrade apply v1.34.8, cordon + drain, kubelet/kubectl 1.34.8-1.1 held, kubelet restart, uncordon, wait Ready',
    );
    expect(text).toContain('worker demo-worker-2 (batch 1)');
    for (const n of ALL) expect(rig.callsSince(n, marks)).toEqual([]);
  });

  it('runs nothing for an initiator without kpaas.cluster.update', async () => {
    const marks = rig.mark();
    const deny = mockServices.permissions.mock({
      authorize: async () => [{ result: AuthorizeResult.DENY }],
    });
    const r = runUpgradeAction(rig, {}, { permissions: deny as any });
    await expect(r.run()).rejects.toThrow(/kpaas:upgrade/);
    for (const n of ALL) expect(rig.callsSince(n, marks)).toEqual([]);
  });

  it('upgrades v1.33.5 -> v1.34.8 in kubeadm order: snapshot, plan, apply on cp1, node on cp2/cp3, then workers drained one at a time', async () => {
    rig.setVersion('v1.34.8');
    // a workload pod on worker-1 is evicted by its drain; a DaemonSet's pod on worker-2 stays
    const pod = (name: string, node: string, owner?: string) =>
      rig.h.api.store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: 'default',
          ownerReferences: owner
            ? [
                {
                  apiVersion: 'apps/v1',
                  kind: 'DaemonSet',
                  name: owner,
                  uid: `uid-${owner}`,
                  controller: true,
                },
              ]
            : undefined,
        },
        spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
        status: { phase: 'Running' },
      } as any);
    pod('web-1', 'demo-worker-1');
    pod('agent-w2', 'demo-worker-2', 'agent');
    const marks = rig.mark();
    const watch = watchNodes('v1.34.8');
    const r = runUpgradeAction(rig);
    try {
      await r.run();
    } finally {
      watch.stop();
    }
    // the upgrade commands across the cluster, in time order
    const key = (node: string) =>
      rig
        .callsSince(node, marks)
        .filter(
          c =>
            (c.cmd === 'kubeadm' && c.args[0] === 'upgrade') ||
            (c.cmd === 'etcdctl' && c.args.includes('save')),
        )
        .map(c => ({
          ts: c.ts,
          what: `${node}: ${
            c.cmd === 'etcdctl'
              ? 'etcdctl snapshot save'
              : `kubeadm upgrade ${c.args[1]}`
          }`,
        }));
    expect(
      ALL.flatMap(key)
        .sort((a, b) => a.ts.localeCompare(b.ts))
        .map(x => x.what),
    ).toEqual([
      'demo-cp-1: etcdctl snapshot save',
      'demo-cp-1: kubeadm upgrade plan',
      'demo-cp-1: kubeadm upgrade apply',
      'demo-cp-2: kubeadm upgrade node',
      'demo-cp-3: kubeadm upgrade node',
      'demo-worker-1: kubeadm upgrade node',
      'demo-worker-2: kubeadm upgrade node',
    ]);
    // each node: repository, kubeadm held at the exact version, kubeadm, kubelet/kubectl, restart
    const nodeCalls = (upgrade: string) => [
      'apt-get update -q',
      'apt-mark unhold kubeadm',
      'apt-get install -y -q kubeadm=1.34.8-1.1',
      'apt-mark hold kubeadm',
      ...(upgrade === 'apply'
        ? ['kubeadm upgrade plan v1.34.8', 'kubeadm upgrade apply v1.34.8 -y']
        : ['kubeadm upgrade node']),
      'apt-mark unhold kubelet kubectl',
      'apt-get install -y -q kubelet=1.34.8-1.1 kubectl=1.34.8-1.1',
      'apt-mark hold kubelet kubectl',
      'systemctl daemon-reload',
      'systemctl restart kubelet',
    ];
    expect(changingCalls('demo-cp-1', marks)).toEqual(nodeCalls('apply'));
    for (const n of ['demo-cp-2', 'demo-cp-3', ...WORKERS])
      expect(changingCalls(n, marks)).toEqual(nodeCalls('node'));

    // the Nodes report the new version node by node, in rollout order
    expect(watch.order()).toEqual(ALL);
    expect(ALL.map(n => rig.nodeVersion(n))).toEqual(ALL.map(() => 'v1.34.8'));
    // every node drained (control planes after kubeadm upgraded their static pods, as kubeadm's
    // guide does), one at a time: never two cordoned at once; worker-2 only after worker-1
    // reported the new version
    const cordonedAt = (n: string) =>
      watch.cordoned.filter(s => s.nodes.includes(n)).map(s => s.at);
    expect(watch.cordoned.every(s => s.nodes.length <= 1)).toBe(true);
    for (const n of ALL) expect(cordonedAt(n).length).toBeGreaterThan(0);
    expect(cordonedAt('demo-worker-1').length).toBeGreaterThan(0);
    expect(Math.min(...cordonedAt('demo-worker-2'))).toBeGreaterThan(
      watch.firstAt.get('demo-worker-1')!,
    );
    // the control planes' static pods run the new version; packages still held
    for (const n of CPS) {
      expect(
        await rig.sh(
          n,
          'grep image: /etc/kubernetes/manifests/kube-apiserver.yaml',
        ),
      ).toContain('kube-apiserver:v1.34.8');
    }
    expect(
      (await rig.sh('demo-worker-2', 'apt-mark showhold')).split('\n'),
    ).toEqual(expect.arrayContaining(['kubeadm', 'kubectl', 'kubelet']));
    const podNames = () =>
      rig.h.api.store
        .list({ apiVersion: 'v1', kind: 'Pod', namespace: 'default' } as any)
        .map((p: any) => p.metadata.name);
    expect(podNames()).toEqual(['agent-w2']);
    expect(r.lines.join('\n')).toContain(
      '[demo-worker-1] evicted default/web-1',
    );
    const out = r.outputs();
    expect(out).toMatchObject({
      from: 'v1.33.5',
      to: 'v1.34.8',
      upgraded: ALL,
      skipped: [],
    });
    expect(out.snapshotPath).toMatch(
      /^\/var\/lib\/kpaas\/etcd-snapshots\/demo-/,
    );
    expect(out.nodeTimings.map((t: any) => [t.node, t.batch])).toEqual([
      ['demo-cp-1', 0],
      ['demo-cp-2', 0],
      ['demo-cp-3', 0],
      ['demo-worker-1', 1],
      ['demo-worker-2', 2],
    ]);
    expect(out.phaseTimings.map((p: any) => p.phase)).toEqual([
      'connect',
      'read versions',
      'etcd snapshot on demo-cp-1',
      ...CPS.map(n => `upgrade control plane ${n} to v1.34.8`),
      ...WORKERS.map(n => `upgrade worker ${n} to v1.34.8`),
    ]);
  });

  it('stops at a node that fails mid-upgrade (the second worker), and a re-run continues there without redoing the others', async () => {
    expect(ALL.map(n => rig.nodeVersion(n))).toEqual(ALL.map(() => 'v1.34.8'));
    rig.setVersion('v1.35.1');
    await rig.sh('demo-worker-2', 'touch /var/lib/kpaas-standins/fail-upgrade');
    const failing = runUpgradeAction(rig);
    await expect(failing.run()).rejects.toThrow(
      /^upgrade stopped on demo-worker-2 at "kubeadm upgrade node": demo-worker-2: step "kubeadm upgrade node" failed with exit code 1.*Upgraded: demo-cp-1, demo-cp-2, demo-cp-3, demo-worker-1; not yet: demo-worker-2\. demo-worker-2 is still cordoned/s,
    );
    expect(ALL.map(n => rig.nodeVersion(n))).toEqual([
      'v1.35.1',
      'v1.35.1',
      'v1.35.1',
      'v1.35.1',
      'v1.34.8',
    ]);

    // the fault is fixed; the re-run touches only demo-worker-2
    await rig.sh('demo-worker-2', 'rm /var/lib/kpaas-standins/fail-upgrade');
    const marks = rig.mark();
    const resumed = runUpgradeAction(rig);
    await resumed.run();
    for (const n of [...CPS, 'demo-worker-1']) {
      expect(changingCalls(n, marks)).toEqual([]);
      expect(rig.callsSince(n, marks).filter(c => c.cmd === 'etcdctl')).toEqual(
        [],
      );
    }
    expect(changingCalls('demo-worker-2', marks)).toContain(
      'kubeadm upgrade node',
    );
    expect(ALL.map(n => rig.nodeVersion(n))).toEqual(ALL.map(() => 'v1.35.1'));
    const node = rig.h.api.store.get({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'demo-worker-2',
    } as any) as any;
    expect(node.spec?.unschedulable).toBeFalsy();
    expect(resumed.outputs()).toMatchObject({
      from: 'v1.35.1',
      to: 'v1.35.1',
      upgraded: ['demo-worker-2'],
      skipped: [...CPS, 'demo-worker-1'],
    });
  });

  it('changes nothing on a cluster already at its version', async () => {
    const marks = rig.mark();
    const again = runUpgradeAction(rig);
    await again.run();
    for (const n of ALL) expect(changingCalls(n, marks)).toEqual([]);
    expect(again.outputs()).toMatchObject({ upgraded: [], skipped: ALL });
    expect(again.lines.join('\n')).toContain(
      'every node of demo runs v1.35.1: nothing to do',
    );
  });

  it('leaves a cluster that kpaas:bootstrap has not reached yet alone (no recorded host keys)', async () => {
    const stored = rig.h.inventories.get('demo')!;
    const marks = rig.mark();
    rig.h.inventories.set(
      'demo',
      stored.map(n => ({ ...n, hostKeyFingerprint: undefined })),
    );
    try {
      // runUpgradeAction keeps the harness inventory as it is
      const fresh = runUpgradeAction(rig);
      await fresh.run();
      expect(fresh.lines.join('\n')).toContain(
        'demo is not bootstrapped yet (no recorded host key for demo-cp-1): nothing to upgrade, kpaas:bootstrap installs v1.35.1',
      );
      for (const n of ALL) expect(rig.callsSince(n, marks)).toEqual([]);
    } finally {
      rig.h.inventories.set('demo', stored);
    }
  });
});
