import { startSshNodes, SshNodeRig } from '@internal/kpaas-testkit';
import { connectNode, SecretMasker, SshNodeSession } from '../ssh';
import { takeEtcdSnapshot } from './snapshot';
import { KUBEADM_ETCD_FILES } from './__testUtils__/etcdRig';

jest.setTimeout(120_000);

describe('takeEtcdSnapshot on the SSH rig', () => {
  let rig: SshNodeRig;
  let session: SshNodeSession;
  const lines: string[] = [];
  beforeAll(async () => {
    rig = await startSshNodes({ count: 1, namePrefix: 'snap' });
    const n = rig.node('snap-1');
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    session = await connectNode(
      {
        name: 'snap-1',
        host: n.host,
        port: n.port,
        user: 'root',
        hostKeyFingerprint: n.hostKeyFingerprint,
      },
      {
        privateKey: rig.privateKey,
        logger,
        masker: new SecretMasker(),
        connectAttempts: 1,
      },
    );
  });
  afterAll(async () => {
    session?.close();
    await rig?.stop();
  });

  it('fails with the fix when the client certificate is missing', async () => {
    await expect(
      takeEtcdSnapshot(session, { cluster: 'demo', node: 'snap-1' }),
    ).rejects.toThrow(/no such file or directory/);
  });

  it('saves, verifies and records a snapshot with the cluster ID', async () => {
    await session.exec('kubeadm files', KUBEADM_ETCD_FILES);
    const now = new Date('2026-12-03T10:20:30.456Z');
    const record = await takeEtcdSnapshot(session, {
      cluster: 'demo',
      node: 'snap-1',
      now,
    });
    expect(record).toMatchObject({
      cluster: 'demo',
      clusterId: '14841639068965178418',
      node: 'snap-1',
      path: '/var/lib/kpaas/etcd-snapshots/demo-20261203T102030Z.db',
      revision: 42,
      takenAt: '2026-12-03T10:20:30.456Z',
    });
    expect(record.totalSize).toBeGreaterThan(0);
    const calls = rig
      .calls('snap-1')
      .filter(c => c.cmd === 'etcdctl' || c.cmd === 'etcdutl');
    const verbs = calls.map(
      c =>
        `${c.cmd} ${c.args
          .filter(a => !a.startsWith('-'))
          .slice(0, 2)
          .join(' ')}`,
    );
    expect(verbs.slice(-3)).toEqual([
      'etcdctl endpoint status',
      'etcdctl snapshot save',
      'etcdutl snapshot status',
    ]);
    const save = calls.find(c => c.args.includes('save'))!;
    expect(save.args).toEqual(
      expect.arrayContaining([
        '--endpoints=https://127.0.0.1:2379',
        '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
        '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
        '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
        record.path,
      ]),
    );
    expect(
      (await rig.readNodeFile('snap-1', record.path)).toString(),
    ).toContain('kpaas-etcd-snapshot v1');
    expect(
      JSON.parse(
        (
          await rig.readNodeFile('snap-1', `${record.path}.kpaas.json`)
        ).toString(),
      ),
    ).toEqual(record);
  });

  it('deletes a snapshot that fails verification and says so', async () => {
    await session.exec(
      'etcd fault',
      'mkdir -p /var/lib/kpaas-standins/etcd && echo verify > /var/lib/kpaas-standins/etcd/fail',
    );
    try {
      await expect(
        takeEtcdSnapshot(session, {
          cluster: 'demo',
          node: 'snap-1',
          now: new Date('2026-12-03T11:00:00Z'),
        }),
      ).rejects.toThrow(
        /snap-1: the snapshot \/var\/lib\/kpaas\/etcd-snapshots\/demo-20261203T110000Z.db failed verification .*integrity check failed.*it was deleted/,
      );
      const left = await session.exec(
        'list',
        'ls /var/lib/kpaas/etcd-snapshots',
        { quiet: true },
      );
      expect(left.stdout).not.toContain('demo-20261203T110000Z.db');
    } finally {
      await session.exec(
        'etcd fault off',
        'rm -f /var/lib/kpaas-standins/etcd/fail',
      );
    }
  });
});
