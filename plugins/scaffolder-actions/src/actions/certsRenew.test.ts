import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  captureLogger,
  ETCD_RIG_REPO_URL,
  EtcdRig,
  mockServices,
  startEtcdRig,
} from '../etcd/__testUtils__/etcdRig';
import { createCertsRenewAction } from './certsRenew';

jest.setTimeout(180_000);

describe('kpaas:certs-renew on the rig', () => {
  let h: EtcdRig;
  beforeAll(async () => {
    h = await startEtcdRig(3);
    for (const n of h.nodes) await h.sh(n, 'mkdir -p /etc/kubernetes/pki');
  });
  afterAll(() => h?.stop());

  const run = () => {
    const { logger } = captureLogger();
    const ctx = createMockActionContext({
      input: {
        repoPath: '.',
        repoUrl: ETCD_RIG_REPO_URL,
        sshUser: 'root',
        waitSeconds: 20,
      } as any,
      workspacePath: h.workspace,
      secrets: { sshPrivateKey: h.rig.privateKey },
      logger,
    } as any);
    const action = createCertsRenewAction({
      discovery: h.backend.discovery as any,
      auth: h.backend.auth,
      permissions: mockServices.permissions(),
    });
    return { ctx, go: () => action.handler(ctx as any) };
  };

  it('a control plane that is down stops the run before any node is renewed', async () => {
    await h.rig.stopNode('demo-cp-3');
    try {
      const { go } = run();
      await expect(go()).rejects.toThrow(/demo-cp-3/);
      for (const n of ['demo-cp-1', 'demo-cp-2']) {
        expect(h.rig.calls(n).filter(c => c.cmd === 'kubeadm')).toEqual([]);
      }
    } finally {
      await h.rig.startNode('demo-cp-3');
    }
  });

  it('renews every control plane and records each on the timeline', async () => {
    const { ctx, go } = run();
    await go();
    const [[, renewed]] = (ctx.output as jest.Mock).mock.calls;
    expect(renewed.map((r: any) => r.node)).toEqual(h.nodes);
    // one phase entry plus one per node
    expect(
      h.backend.requests.filter(
        r => r === 'POST /api/kpaas/clusters/demo/timeline',
      ).length,
    ).toBe(4);
  });
});
