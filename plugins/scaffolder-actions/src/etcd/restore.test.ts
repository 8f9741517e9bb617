import { connectNode, SecretMasker } from '../ssh';
import { ControlPlaneSession } from './controlPlanes';
import { EtcdRig, startEtcdRig } from './__testUtils__/etcdRig';
import { etcdctl } from './etcdctl';
import { EtcdRestoreError, restoreEtcd } from './restore';
import { takeEtcdSnapshot } from './snapshot';

jest.setTimeout(180_000);

/*
 * The restore drill on three control planes of the SSH rig: the etcdctl/etcdutl stand-ins keep
 * each member's state (its etcd runs while /etc/kubernetes/manifests/etcd.yaml is there) and
 * record every call; the files on each node show the swap.
 */
describe('restoreEtcd on the rig (3 control planes)', () => {
  let h: EtcdRig;
  let cps: ControlPlaneSession[];
  const lines: string[] = [];
  const logger = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
  };

  beforeEach(async () => {
    h = await startEtcdRig(3);
    cps = [];
    for (const name of h.nodes) {
      const n = h.rig.node(name);
      const session = await connectNode(
        {
          name,
          host: n.host,
          port: n.port,
          user: 'root',
          hostKeyFingerprint: n.hostKeyFingerprint,
        },
        {
          privateKey: h.rig.privateKey,
          logger,
          masker: new SecretMasker(),
          connectAttempts: 1,
        },
      );
      cps.push({
        node: {
          name,
          role: 'control-plane',
          address: n.host,
          privateAddress: n.host,
          port: n.port,
        },
        session,
      });
    }
  });
  afterEach(async () => {
    for (const cp of cps) cp.session.close();
    await h.stop();
  });

  const snapshot = () =>
    takeEtcdSnapshot(cps[0].session, {
      cluster: 'demo',
      node: 'demo-cp-1',
      now: new Date('2026-12-03T09:00:00Z'),
    });

  const manifests = (node: string) =>
    h.sh(node, 'ls /etc/kubernetes/manifests | sort | tr "\\n" " "');

  /** What the member on `node` serves under /registry/ (etcdctl get --prefix --keys-only). */
  const keys = async (node: string) =>
    (await h.sh(node, etcdctl('get /registry/ --prefix --keys-only')))
      .split('\n')
      .filter(Boolean);
  /** A write the API server would make: the same key on every member (replication). */
  const put = (key: string) =>
    Promise.all(h.nodes.map(n => h.sh(n, etcdctl(`put ${key} v1`))));

  it('restores every member in the runbook order and brings quorum and the API back', async () => {
    // objects written before the snapshot, and one after it that the restore must take away
    await put('/registry/configmaps/default/before-snapshot');
    await put('/registry/namespaces/team-a');
    const snap = await snapshot();
    await put('/registry/configmaps/default/after-snapshot');
    expect(await keys('demo-cp-3')).toContain(
      '/registry/configmaps/default/after-snapshot',
    );
    let apiChecks = 0;
    const servedWhenApiUp: Record<string, string[]> = {};
    const result = await restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r1',
      waitMs: 20_000,
      verifyApi: async () => {
        apiChecks++;
        // the API server is up again once its manifest is back on every control plane
        for (const node of h.nodes) {
          if (!(await manifests(node)).includes('kube-apiserver.yaml'))
            throw new Error(`${node} apiserver down`);
          // what the API server would read from its member when it answers
          servedWhenApiUp[node] = await keys(node);
        }
      },
    });
    // every member serves exactly the snapshot's objects: cp-2 and cp-3 through the copy of
    // cp-1's snapshot, the write after the snapshot gone everywhere
    for (const node of h.nodes) {
      expect({ node, keys: servedWhenApiUp[node] }).toEqual({
        node,
        keys: [
          '/registry/configmaps/default/before-snapshot',
          '/registry/namespaces/team-a',
        ],
      });
    }
    const order = result.steps.map(s => `${s.step} ${s.node}`);
    const phase = (step: string) => h.nodes.map(n => `${step} ${n}`);
    expect(order).toEqual([
      ...phase('tools'),
      'snapshot record demo-cp-1',
      'verify snapshot demo-cp-1',
      ...phase('cluster id'),
      'copy snapshot demo-cp-2',
      'verify copy demo-cp-2',
      'copy snapshot demo-cp-3',
      'verify copy demo-cp-3',
      ...phase('stop static pods'),
      ...phase('wait etcd stopped'),
      ...phase('etcdutl snapshot restore'),
      ...phase('swap data dir'),
      ...phase('start etcd'),
      ...phase('etcd healthy'),
      'member list demo-cp-1',
      'new cluster id demo-cp-1',
      ...phase('record cluster id'),
      ...phase('start control plane'),
      'api ready demo',
    ]);
    expect(apiChecks).toBeGreaterThan(0);

    // each member restored with its own name and peer URL, the same initial cluster and token
    const peer = (n: string) => `https://${h.rig.node(n).host}:2380`;
    const initialCluster = h.nodes.map(n => `${n}=${peer(n)}`).join(',');
    for (const node of h.nodes) {
      const restore = h.rig
        .calls(node)
        .filter(c => c.cmd === 'etcdutl' && c.args[1] === 'restore');
      expect(restore).toHaveLength(1);
      expect(restore[0].args).toEqual([
        'snapshot',
        'restore',
        snap.path,
        `--name=${node}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-token=kpaas-restore-r1',
        `--initial-advertise-peer-urls=${peer(node)}`,
        '--data-dir=/var/lib/etcd.kpaas-restore-r1',
      ]);
      // the swap: restored data in place, the previous data kept, every static pod back
      expect(await h.sh(node, 'cat /var/lib/etcd/member/snap/db')).toContain(
        `revision=${snap.revision}`,
      );
      expect(
        await h.sh(node, 'cat /var/lib/etcd.kpaas-before-r1/member/snap/db'),
      ).toBe('old-data\n');
      expect(await manifests(node)).toBe(
        'etcd.yaml kube-apiserver.yaml kube-controller-manager.yaml kube-scheduler.yaml ',
      );
      expect(
        await h.sh(
          node,
          'ls -d /etc/kubernetes/manifests.kpaas-restore-r1 2>/dev/null || echo gone',
        ),
      ).toBe('gone\n');
    }
    // the stand-in calls across nodes: etcd was found stopped on every node before any member was restored
    const restoreAt = (n: string) =>
      Date.parse(
        h.rig
          .calls(n)
          .find(c => c.cmd === 'etcdutl' && c.args[1] === 'restore')!.ts,
      );
    const firstRestore = Math.min(...h.nodes.map(restoreAt));
    const lastStoppedCheck = Math.max(
      ...h.nodes.map(n =>
        Math.max(
          ...h.rig
            .calls(n)
            .filter(
              c =>
                c.cmd === 'etcdctl' &&
                c.args.includes('health') &&
                Date.parse(c.ts) <= restoreAt(n),
            )
            .map(c => Date.parse(c.ts)),
        ),
      ),
    );
    expect(lastStoppedCheck).toBeLessThanOrEqual(firstRestore);
    expect(result.newClusterId).not.toBe(snap.clusterId);
    // a snapshot of the cluster before the restore is still this cluster's (lineage)
    expect(
      await h.sh('demo-cp-2', 'cat /var/lib/kpaas/etcd-cluster-ids'),
    ).toContain(snap.clusterId);
  });

  it('refuses a snapshot from another cluster before changing anything', async () => {
    const snap = await snapshot();
    await h.sh(
      'demo-cp-1',
      `sed -i 's/"clusterId":"[0-9]*"/"clusterId":"999"/; s/"cluster":"demo"/"cluster":"other"/' ${snap.path}.kpaas.json; rm -f /var/lib/kpaas/etcd-cluster-ids`,
    );
    const run = restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r2',
    });
    await expect(run).rejects.toThrow(
      /refusing to restore: .* was taken from cluster "other" \(etcd cluster ID 999\), but this is cluster "demo" \(etcd cluster ID 14841639068965178418\).*nothing was changed/,
    );
    await expect(run).rejects.toMatchObject({ state: 'unchanged' });
    for (const node of h.nodes) {
      expect(await manifests(node)).toContain('etcd.yaml');
      expect(h.rig.calls(node).filter(c => c.args[1] === 'restore')).toEqual(
        [],
      );
    }
  });

  it("restores a backup CronJob snapshot fetched from this cluster's S3 prefix (no kpaas record), refuses it without that", async () => {
    await put('/registry/secrets/kube-system/from-backup');
    const snap = await snapshot();
    // as the CronJob uploads it: the snapshot alone
    await h.sh('demo-cp-1', `rm ${snap.path}.kpaas.json`);
    await put('/registry/secrets/kube-system/later');
    const refused = restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r5',
    });
    await expect(refused).rejects.toThrow(
      /kpaas.json is missing, so the snapshot's cluster cannot be checked; .*nothing was changed/,
    );
    const result = await restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r6',
      waitMs: 20_000,
      fetchedFrom: 's3://etcd/demo/kpaas-etcd-backup-29400000-abcde.db',
      verifyApi: async () => undefined,
    });
    expect(lines).toContainEqual(
      expect.stringContaining(
        'its cluster is vouched for by its location s3://etcd/demo/kpaas-etcd-backup-29400000-abcde.db',
      ),
    );
    expect(result.snapshot).toMatchObject({
      cluster: 'demo',
      revision: snap.revision,
    });
    for (const node of h.nodes)
      expect(await keys(node)).toEqual([
        '/registry/secrets/kube-system/from-backup',
      ]);
  });

  it('a restore that fails on one member restarts every node on its old data and says so', async () => {
    const snap = await snapshot();
    await h.sh(
      'demo-cp-3',
      'mkdir -p /var/lib/kpaas-standins/etcd && echo restore > /var/lib/kpaas-standins/etcd/fail',
    );
    const run = restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r3',
      waitMs: 20_000,
    });
    await expect(run).rejects.toThrow(
      /demo-cp-3: etcdutl snapshot restore failed: .*no space left on device.*Nothing was restored: \/var\/lib\/etcd is unchanged on every control plane and the static pods were started again$/,
    );
    await expect(run).rejects.toBeInstanceOf(EtcdRestoreError);
    for (const node of h.nodes) {
      expect(await h.sh(node, 'cat /var/lib/etcd/member/snap/db')).toBe(
        'old-data\n',
      );
      expect(await manifests(node)).toBe(
        'etcd.yaml kube-apiserver.yaml kube-controller-manager.yaml kube-scheduler.yaml ',
      );
      expect(
        await h.sh(
          node,
          'ls -d /var/lib/etcd.kpaas-restore-r3 2>/dev/null || echo none',
        ),
      ).toBe('none\n');
    }
  });

  it('quorum not reached after the swap: reported as half done, node by node, with the way back', async () => {
    const snap = await snapshot();
    await h.sh(
      'demo-cp-2',
      'mkdir -p /var/lib/kpaas-standins/etcd && echo health > /var/lib/kpaas-standins/etcd/fail',
    );
    const run = restoreEtcd({
      cluster: 'demo',
      controlPlanes: cps,
      sourceNode: 'demo-cp-1',
      snapshotPath: snap.path,
      logger,
      restoreId: 'r4',
      waitMs: 1_500,
    });
    await expect(run).rejects.toMatchObject({ state: 'half-restored' });
    const message = await run.catch(e => String(e.message));
    expect(message).toContain(
      'etcd restore is HALF DONE: etcd on demo-cp-2 is not healthy',
    );
    for (const node of h.nodes) {
      expect(message).toContain(
        `${node}: /var/lib/etcd holds the RESTORED data (the previous data is in /var/lib/etcd.kpaas-before-r4)`,
      );
    }
    expect(message).toContain(
      'To go back: on every swapped node run rm -rf /var/lib/etcd && mv /var/lib/etcd.kpaas-before-r4 /var/lib/etcd',
    );
  });
});
