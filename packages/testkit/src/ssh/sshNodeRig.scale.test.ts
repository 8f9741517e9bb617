import { execOnNode } from './client';
import { startSshNodes } from './sshNodeRig';

jest.setTimeout(120_000);

/* eslint-disable no-console */
// KPAAS_SSH_SCALE_NODES=50 yarn backstage-cli package test src/ssh/sshNodeRig.scale
const N = Number(process.env.KPAAS_SSH_SCALE_NODES ?? 20);

describe('SSH node rig at scale', () => {
  it(`starts ${N} nodes concurrently (timing is logged, not asserted)`, async () => {
    const t0 = Date.now();
    const rig = await startSshNodes({ count: N, namePrefix: 'w' });
    const tStarted = Date.now();
    try {
      expect(rig.nodes).toHaveLength(N);
      expect(new Set(rig.nodes.map(n => n.host)).size).toBe(N);
      const out = await Promise.all(
        rig.nodes.map(n =>
          execOnNode(rig, n.name, 'hostname && kubeadm version -o short'),
        ),
      );
      const tExec = Date.now();
      expect(out.map(o => o.stdout)).toEqual(
        rig.nodes.map(n => `${n.name}\nv1.35.1\n`),
      );
      for (const n of rig.nodes) {
        expect(rig.calls(n.name)).toEqual([
          expect.objectContaining({ cmd: 'kubeadm', node: n.name }),
        ]);
      }
      console.log(
        `${N}-node rig: start ${
          tStarted - t0
        } ms, one ssh exec per node in parallel ${tExec - tStarted} ms`,
      );
    } finally {
      const tStop = Date.now();
      await rig.stop();
      console.log(`${N}-node rig: stop ${Date.now() - tStop} ms`);
    }
  });
});
