import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KubeApiStandIn, startKubeApiStandIn } from '@internal/kpaas-testkit';
import {
  captureLogger,
  ETCD_RIG_REPO_URL,
  EtcdRig,
  mockServices,
  startEtcdRig,
} from '../etcd/__testUtils__/etcdRig';
import { shellQuote } from '../ssh';
import { createEtcdRestoreAction } from './etcdRestore';
import { createEtcdSnapshotAction } from './etcdSnapshot';

jest.setTimeout(180_000);

describe('kpaas:etcd-snapshot then kpaas:etcd-restore on the rig', () => {
  let h: EtcdRig;
  let api: KubeApiStandIn;
  beforeAll(async () => {
    h = await startEtcdRig(3);
    api = await startKubeApiStandIn();
    // admin.conf on the control planes names the API (the stand-in)
    for (const node of h.nodes) {
      await h.sh(
        node,
        `mkdir -p /etc/kubernetes && printf '%s' ${shellQuote(
          api.kubeconfigYaml(),
        )} > /etc/kubernetes/admin.conf`,
      );
    }
  });
  afterAll(async () => {
    await api?.close();
    await h?.stop();
  });

  function context(input: Record<string, unknown>) {
    const { logger, lines } = captureLogger();
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
    return { ctx, lines };
  }
  const services = () => ({
    discovery: h.backend.discovery as any,
    auth: h.backend.auth,
    permissions: mockServices.permissions(),
  });
  const outputs = (ctx: any) =>
    Object.fromEntries((ctx.output as jest.Mock).mock.calls);

  it('refuses without the cluster name typed again, before connecting anywhere', async () => {
    const { ctx } = context({
      snapshotNode: 'demo-cp-1',
      snapshotPath: '/x.db',
      confirm: 'yes',
    });
    await expect(
      createEtcdRestoreAction(services()).handler(ctx as any),
    ).rejects.toThrow(/confirm: type the cluster name "demo"/);
    expect(h.rig.calls('demo-cp-1').filter(c => c.cmd === 'etcdctl')).toEqual(
      [],
    );
  });

  it('restores the snapshot the snapshot action took, on all three control planes', async () => {
    const snap = context({ node: 'demo-cp-1' });
    await createEtcdSnapshotAction(services()).handler(snap.ctx as any);
    const { node, path } = outputs(snap.ctx);

    const { ctx } = context({
      snapshotNode: node,
      snapshotPath: path,
      confirm: 'demo',
      waitSeconds: 20,
    });
    await createEtcdRestoreAction(services()).handler(ctx as any);
    const out = outputs(ctx);
    expect(out.previousDataDir).toMatch(
      /^\/var\/lib\/etcd\.kpaas-before-\d{8}T\d{6}Z$/,
    );
    expect(out.steps.at(-1)).toEqual({ step: 'api ready', node: 'demo' });
    expect(
      out.steps
        .filter((s: any) => s.step === 'etcdutl snapshot restore')
        .map((s: any) => s.node),
    ).toEqual(h.nodes);
    // the API the check reached is the one admin.conf names
    expect(api.requestLog.entries.some(r => r.path === '/version')).toBe(true);
    for (const n of h.nodes) {
      expect(await h.sh(n, 'cat /var/lib/etcd/member/snap/db')).toContain(
        'kpaas-etcd-snapshot v1',
      );
    }
    expect(
      h.backend.requests.filter(
        r => r === 'POST /api/kpaas/clusters/demo/timeline',
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
