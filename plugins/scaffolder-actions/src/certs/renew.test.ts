import { connectNode, SecretMasker } from '../ssh';
import type { ControlPlaneSession } from '../etcd/controlPlanes';
import { EtcdRig, startEtcdRig } from '../etcd/__testUtils__/etcdRig';
import { CertRenewError, renewKubeadmCertificates } from './renew';

jest.setTimeout(180_000);

describe('renewKubeadmCertificates on the rig (3 control planes)', () => {
  let h: EtcdRig;
  let cps: ControlPlaneSession[];
  const logger = { info: () => {}, warn: () => {}, error: () => {} };
  beforeEach(async () => {
    h = await startEtcdRig(3);
    cps = [];
    for (const name of h.nodes) {
      await h.sh(name, 'mkdir -p /etc/kubernetes/pki');
      const n = h.rig.node(name);
      cps.push({
        node: { name, role: 'control-plane', address: n.host, port: n.port },
        session: await connectNode(
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
        ),
      });
    }
  });
  afterEach(async () => {
    for (const cp of cps) cp.session.close();
    await h.stop();
  });

  it('renews one control plane at a time: renew, restart, verify, then the next', async () => {
    const done = await renewKubeadmCertificates({
      controlPlanes: cps,
      waitMs: 20_000,
    });
    expect(done.map(d => d.node)).toEqual(h.nodes);
    for (const d of done) {
      expect(Date.parse(d.after) - Date.now()).toBeGreaterThan(
        360 * 86_400_000,
      );
      expect(Date.parse(d.before)).toBeLessThan(Date.parse(d.after));
    }
    // node by node: each node's renew comes after the previous node was verified
    const at = (node: string, pred: (args: string[]) => boolean) =>
      h.rig
        .calls(node)
        .filter(c => c.cmd === 'kubeadm' && pred(c.args))
        .map(c => Date.parse(c.ts));
    for (let i = 1; i < h.nodes.length; i++) {
      const previousVerified = Math.max(
        ...at(h.nodes[i - 1], a => a[1] === 'check-expiration'),
      );
      const renewed = Math.min(...at(h.nodes[i], a => a[1] === 'renew'));
      expect(previousVerified).toBeLessThanOrEqual(renewed);
    }
    for (const node of h.nodes) {
      expect(
        await h.sh(node, 'ls /etc/kubernetes/manifests | tr "\\n" " "'),
      ).toBe(
        'etcd.yaml kube-apiserver.yaml kube-controller-manager.yaml kube-scheduler.yaml ',
      );
    }
  });

  it('stops at a node that cannot renew, naming the node, the step, what is done and the fix', async () => {
    await h.sh('demo-cp-2', 'rm -rf /etc/kubernetes/pki');
    const run = renewKubeadmCertificates({
      controlPlanes: cps,
      waitMs: 20_000,
    });
    await expect(run).rejects.toBeInstanceOf(CertRenewError);
    const message = await run.catch(e => String(e.message));
    expect(message).toMatch(
      /^certificate renewal stopped on demo-cp-2 at "kubeadm certs renew all": .*Renewed: demo-cp-1; not yet: demo-cp-2, demo-cp-3\. Fix the cause on demo-cp-2/,
    );
    expect(h.rig.calls('demo-cp-3').filter(c => c.cmd === 'kubeadm')).toEqual(
      [],
    );
  });
});
