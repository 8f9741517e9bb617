/*
 * Scale up an `existing` cluster by editing cluster.yaml: 1 control plane + 2 workers, then a
 * third rig host added as a worker (workers.count 3). The second run prepares and joins only
 * the new machine; the first nodes' stand-in call logs show no preparation redone.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BootstrapHarness,
  runBootstrapAction as runAction,
  startBootstrapHarness,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(240_000);

const FIRST = ['demo-cp-1', 'demo-worker-1', 'demo-worker-2'];
const NEW = 'demo-worker-3';

const outputs = (ctx: any) => Object.fromEntries(ctx.output.mock.calls);

/** Calls that change a node: package installs, service restarts, kubeadm init/join. */
const mutating = (h: BootstrapHarness, name: string, from = 0) =>
  h.rig
    .calls(name)
    .slice(from)
    .filter(
      c =>
        (c.cmd === 'kubeadm' && ['init', 'join'].includes(c.args[0])) ||
        (c.cmd === 'apt-get' && c.args.includes('install')) ||
        (c.cmd === 'systemctl' && c.args.includes('restart')),
    );

describe('kpaas:bootstrap scales an existing cluster up from cluster.yaml', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness([
      { name: 'demo-cp-1', role: 'control-plane' },
      { name: 'demo-worker-1', role: 'worker' },
      { name: 'demo-worker-2', role: 'worker' },
      { name: NEW, role: 'worker' },
    ]);
  });
  afterAll(() => h?.stop());

  it('prepares and joins only the added worker and records its host key', async () => {
    // the order: 1 control plane + 2 workers, host keys trusted on first use
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      h.clusterYaml(FIRST),
    );
    const firstInventory = h
      .inventory()
      .filter(n => FIRST.includes(n.name))
      .map(({ hostKeyFingerprint: _key, ...n }) => n);
    const first = runAction(h, {
      inventory: firstInventory,
      trustOnFirstUse: true,
    });
    await first.run();
    expect(outputs(first.ctx).nodes).toHaveLength(3);
    // the keys went into the cluster's inventory in kpaas-backend, where addons finds them
    expect(h.recordedHostKeys).toEqual([
      {
        cluster: 'demo',
        hostKeys: FIRST.map(name => ({
          name,
          fingerprint: h.rig.node(name).hostKeyFingerprint,
        })),
      },
    ]);
    const stored = h.inventories.get('demo')!;
    expect(stored.map(n => n.hostKeyFingerprint)).toEqual(
      FIRST.map(name => h.rig.node(name).hostKeyFingerprint),
    );

    // cluster.yaml gains a worker (workers.count 3); provision keeps the machines it has, with
    // their recorded keys, and adds the new one without a key
    const before = new Map(FIRST.map(n => [n, h.rig.calls(n).length]));
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      h.clusterYaml([...FIRST, NEW]),
    );
    const added = h.inventory().find(n => n.name === NEW)!;
    const scaled = [...stored, { ...added, hostKeyFingerprint: undefined }];
    const second = runAction(h, { inventory: scaled, trustOnFirstUse: true });
    await second.run();

    // 3 workers Ready on the Kubernetes API stand-in
    const workers = h.api.store
      .list({ apiVersion: 'v1', kind: 'Node' } as any)
      .filter(
        (n: any) =>
          !(
            'node-role.kubernetes.io/control-plane' in (n.metadata.labels ?? {})
          ),
      );
    expect(workers.map((n: any) => n.metadata.name).sort()).toEqual([
      'demo-worker-1',
      'demo-worker-2',
      NEW,
    ]);
    for (const w of workers as any[]) {
      expect(
        w.status.conditions.find((c: any) => c.type === 'Ready').status,
      ).toBe('True');
    }
    expect(outputs(second.ctx).nodes).toHaveLength(4);

    // the first nodes: nothing installed, restarted, initialised or joined again
    for (const n of FIRST) expect(mutating(h, n, before.get(n))).toEqual([]);
    const log = second.lines.join('\n');
    for (const n of FIRST) {
      expect(log).toContain(
        `[${n}] [kpaas] skip: node already prepared for v1.33.5 with containerd`,
      );
    }
    expect(log).toContain('[demo-worker-1] already joined; skipped');
    expect(log).toContain('[demo-worker-2] already joined; skipped');
    // the new worker: prepared and joined
    const newCalls = mutating(h, NEW);
    expect(newCalls.some(c => c.cmd === 'apt-get')).toBe(true);
    expect(
      newCalls.filter(c => c.cmd === 'kubeadm').map(c => c.args[0]),
    ).toEqual(['join']);
    // only its key was new
    expect(h.recordedHostKeys[1]).toEqual({
      cluster: 'demo',
      hostKeys: [
        { name: NEW, fingerprint: h.rig.node(NEW).hostKeyFingerprint },
      ],
    });
  });
});
