/*
 * kpaas:bootstrap fault handling at action level on the SSH node rig: authentication failures,
 * a step that exits non-zero and a step that runs past commandTimeoutSeconds. The apt-get
 * stand-in fails `install` on demo-worker-1 (KPAAS_STANDIN_APT_FAIL) and takes 3 s per call.
 */
import { utils as sshUtils } from 'ssh2';
import {
  BootstrapHarness,
  startBootstrapHarness,
  runBootstrapAction as runAction,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(180_000);

describe('kpaas:bootstrap faults', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness(
      [
        { name: 'demo-cp-1', role: 'control-plane' },
        { name: 'demo-worker-1', role: 'worker' },
      ],
      {
        KPAAS_STANDIN_APT_FAIL: 'demo-worker-1',
        KPAAS_STANDIN_APT_SECONDS: '3',
      },
    );
  });
  afterAll(() => h?.stop());

  const kubeadmOrApt = (name: string) =>
    h.rig.calls(name).filter(c => ['kubeadm', 'apt-get'].includes(c.cmd));

  it('names every node on an authentication failure (wrong key, wrong user) and runs nothing', async () => {
    const otherKey = sshUtils.generateKeyPairSync('ed25519').private;
    const wrongKey = await runAction(h, {}, { sshPrivateKey: otherKey })
      .run()
      .catch(e => e);
    expect(wrongKey.message).toMatch(
      /demo-cp-1: SSH authentication as "root" failed; check that the sshPrivateKey secret matches/,
    );
    expect(wrongKey.message).toMatch(
      /demo-worker-1: SSH authentication as "root" failed/,
    );
    expect(wrongKey.message).not.toContain(otherKey.split('\n')[1]);

    const wrongUser = await runAction(h, { sshUser: 'nobody' })
      .run()
      .catch(e => e);
    expect(wrongUser.message).toMatch(
      /demo-cp-1: SSH authentication as "nobody" failed/,
    );
    expect(wrongUser.message).toMatch(
      /demo-worker-1: SSH authentication as "nobody" failed/,
    );
    expect(h.rig.calls('demo-cp-1')).toEqual([]);
    expect(h.rig.calls('demo-worker-1')).toEqual([]);
  });

  it('kills a step that runs past commandTimeoutSeconds and names node and step', async () => {
    const err = await runAction(h, { commandTimeoutSeconds: 2 })
      .run()
      .catch(e => e);
    expect(err.message).toMatch(
      /demo-cp-1: step "node prep" timed out after 2 s and was killed/,
    );
    // the step did not go on after the timeout: no further apt-get, no completion marker
    await new Promise(r => setTimeout(r, 500));
    const after = kubeadmOrApt('demo-cp-1').length;
    await new Promise(r => setTimeout(r, 4000));
    expect(kubeadmOrApt('demo-cp-1').length).toBe(after);
    expect(
      h.rig.nodeFilePath(
        'demo-cp-1',
        '/var/lib/kpaas/state/node-prep-v1.33.5-containerd',
      ),
    ).toBeUndefined();
  });

  it('reports a step that exits non-zero with node, step, exit code and its last 20 lines', async () => {
    const { run, lines } = runAction(h);
    const err = await run().catch(e => e);
    expect(err.message).toMatch(
      /demo-worker-1: step "node prep" failed with exit code 100; last 20 lines:\n/,
    );
    const tail = err.message
      .split(
        'demo-worker-1: step "node prep" failed with exit code 100; last 20 lines:\n',
      )[1]
      .split('\n');
    expect(
      tail
        .slice(0, 20)
        .some((l: string) => l.includes('E: Unable to locate package')),
    ).toBe(true);
    expect(
      tail.slice(0, 20).some((l: string) => l.includes('stand-in-27')),
    ).toBe(true);
    // the node's output was streamed to the log with its name
    expect(lines.join('\n')).toContain('[demo-worker-1]');
    // the healthy node finished its node prep; nobody went on to kubeadm
    expect(
      h.rig
        .calls('demo-cp-1')
        .some(c => c.cmd === 'apt-mark' && c.args[0] === 'hold'),
    ).toBe(true);
    for (const n of ['demo-cp-1', 'demo-worker-1']) {
      expect(
        h.rig
          .calls(n)
          .some(
            c => c.cmd === 'kubeadm' && ['init', 'join'].includes(c.args[0]),
          ),
      ).toBe(false);
    }
  });
});
