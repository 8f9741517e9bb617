import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  captureLogger,
  ETCD_RIG_REPO_URL,
  EtcdRig,
  mockServices,
  startEtcdRig,
} from '../etcd/__testUtils__/etcdRig';
import { createEtcdSnapshotAction } from './etcdSnapshot';

jest.setTimeout(120_000);

describe('kpaas:etcd-snapshot on the rig', () => {
  let h: EtcdRig;
  beforeAll(async () => {
    h = await startEtcdRig(3);
  });
  afterAll(() => h?.stop());

  function run(
    input: Record<string, unknown>,
    permissions = mockServices.permissions(),
  ) {
    const action = createEtcdSnapshotAction({
      discovery: h.backend.discovery as any,
      auth: h.backend.auth,
      permissions,
    });
    const { lines, logger } = captureLogger();
    const ctx = createMockActionContext({
      input: {
        repoPath: '.',
        repoUrl: ETCD_RIG_REPO_URL,
        sshUser: 'root',
        ...input,
      } as any,
      workspacePath: h.workspace,
      secrets: { sshPrivateKey: h.rig.privateKey },
      logger,
    } as any);
    return { ctx, lines, run: () => action.handler(ctx as any) };
  }

  it('takes a verified snapshot on the named control plane and records it on the timeline', async () => {
    const { ctx, run: go } = run({ node: 'demo-cp-2' });
    await go();
    const out = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
    expect(out).toMatchObject({
      node: 'demo-cp-2',
      clusterId: '14841639068965178418',
      revision: 42,
      totalKeys: 1042,
    });
    expect(out.path).toMatch(
      /^\/var\/lib\/kpaas\/etcd-snapshots\/demo-\d{8}T\d{6}Z\.db$/,
    );
    expect(out.sizeBytes).toBeGreaterThan(0);
    // only demo-cp-2 ran etcdctl
    expect(h.rig.calls('demo-cp-1').filter(c => c.cmd === 'etcdctl')).toEqual(
      [],
    );
    expect(
      h.rig
        .calls('demo-cp-2')
        .filter(c => c.cmd === 'etcdctl' || c.cmd === 'etcdutl')
        .map(c => c.args.filter(a => !a.startsWith('-'))[1]),
    ).toEqual(['status', 'save', 'status']);
    expect(h.backend.requests).toContain(
      'POST /api/kpaas/clusters/demo/timeline',
    );
  });

  it('refuses a node that is not a control plane of the cluster, naming the ones that are', async () => {
    const { run: go } = run({ node: 'demo-worker-9' });
    await expect(go()).rejects.toThrow(
      /node "demo-worker-9" is not a control plane of cluster "demo"; use one of demo-cp-1, demo-cp-2, demo-cp-3/,
    );
  });

  it('runs nothing for an initiator without kpaas.cluster.update', async () => {
    const before = h.rig.calls('demo-cp-1').length;
    const deny = mockServices.permissions.mock({
      authorize: async () => [{ result: AuthorizeResult.DENY }],
    });
    const { run: go } = run({ node: 'demo-cp-1' }, deny as any);
    await expect(go()).rejects.toThrow(/kpaas:etcd-snapshot/);
    expect(h.rig.calls('demo-cp-1').length).toBe(before);
  });
});
