import { InputError } from '@backstage/errors';
import * as k8s from '@kubernetes/client-node';
import fs from 'node:fs';
import path from 'node:path';
import { execOnNode } from '@internal/kpaas-testkit';
import {
  BootstrapHarness,
  nodeWrittenFiles,
  startBootstrapHarness,
  runBootstrapAction as runAction,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(180_000);

const NODES = [
  { name: 'demo-cp-1', role: 'control-plane' as const },
  { name: 'demo-cp-2', role: 'control-plane' as const },
  { name: 'demo-cp-3', role: 'control-plane' as const },
  { name: 'demo-worker-1', role: 'worker' as const },
  { name: 'demo-worker-2', role: 'worker' as const },
  { name: 'demo-worker-3', role: 'worker' as const },
  { name: 'demo-lb-1', role: 'lb' as const },
  { name: 'demo-lb-2', role: 'lb' as const },
];

const outputs = (ctx: any) => Object.fromEntries(ctx.output.mock.calls);
const tsMs = (ts: string) => Date.parse(ts);

describe('kpaas:bootstrap on 3 control planes + 3 workers + 2 lb', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness(NODES, {
      KPAAS_STANDIN_KUBEADM_JOIN_SECONDS: '0.6',
    });
  });
  afterAll(() => h?.stop());

  let firstLog: string[] = [];
  let firstOut: Record<string, any> = {};

  it('builds, verifies and registers the cluster', async () => {
    const { ctx, lines, run } = runAction(h);
    await run();
    firstLog = lines;
    firstOut = outputs(ctx);
    expect(firstOut.clusterName).toBe('demo');
    expect(firstOut.apiServerUrl).toBe(h.api.url);
    expect(firstOut.nodes.map((n: any) => n.name).sort()).toEqual(
      NODES.filter(n => n.role !== 'lb')
        .map(n => n.name)
        .sort(),
    );
    expect(
      firstOut.nodes.find((n: any) => n.name === 'demo-cp-2'),
    ).toMatchObject({ roles: ['control-plane'], kubeletVersion: 'v1.33.5' });
    expect(firstOut.hostKeys).toHaveLength(8);
    expect(firstOut.hostKeys[0]).toEqual({
      name: 'demo-cp-1',
      fingerprint: h.rig.node('demo-cp-1').hostKeyFingerprint,
    });
    expect(firstOut.phaseTimings.map((p: any) => p.phase)).toEqual([
      'connect',
      'upload scripts',
      'preflight',
      'node prep',
      'load balancers',
      'kubeadm init',
      'cni',
      'join credentials',
      'join control planes',
      'join workers',
      'read-only access',
      'register',
      'verify nodes',
    ]);

    // registration: the contract body, authenticated as the scaffolder plugin
    expect(h.registrations).toHaveLength(1);
    const reg = h.registrations[0];
    expect(reg.authorization).toMatch(/^Bearer /);
    expect(reg.body).toMatchObject({
      name: 'demo',
      apiServerUrl: h.api.url,
      caData: h.api.caPem,
      taskId: 'mock-task-id',
      // the repository the run came from, normalized: later runs must come from it
      repoUrl: 'https://github.com/acme/demo-cluster',
    });
    // the token reads but cannot write, and nothing on secrets was granted
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: h.api.url,
          caData: Buffer.from(h.api.caPem).toString('base64'),
        },
      ],
      users: [{ name: 'u', token: reg.body.serviceAccountToken }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.listNode()).items).toHaveLength(6);
    await expect(
      core.createNamespace({ body: { metadata: { name: 'x' } } }),
    ).rejects.toMatchObject({ code: 403 });
    const role = h.api.store.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'kpaas-reader',
    } as any) as any;
    expect(JSON.stringify(role.rules)).not.toContain('secrets');
    expect(role.rules).toContainEqual(
      expect.objectContaining({
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
      }),
    );
    expect(role.rules.flatMap((r: any) => r.verbs)).toEqual(
      expect.arrayContaining(['get', 'list', 'watch']),
    );
    expect(
      role.rules
        .flatMap((r: any) => r.verbs)
        .every((v: string) => ['get', 'list', 'watch'].includes(v)),
    ).toBe(true);

    // order per node: prep before join; init only on cp-1
    const kinds = (name: string) =>
      h.rig.calls(name).map(c => `${c.cmd} ${c.args[0] ?? ''}`);
    for (const n of NODES.filter(x => x.role !== 'lb')) {
      const k = kinds(n.name);
      const hold = k.indexOf('apt-mark hold');
      const kubeadmStep =
        n.name === 'demo-cp-1'
          ? k.indexOf('kubeadm init')
          : k.indexOf('kubeadm join');
      expect(hold).toBeGreaterThanOrEqual(0);
      expect(kubeadmStep).toBeGreaterThan(hold);
    }
    expect(kinds('demo-cp-1')).not.toContain('kubeadm join');
    expect(kinds('demo-cp-2')).not.toContain('kubeadm init');
    expect(kinds('demo-lb-1')).toContain('systemctl restart');
    expect(kinds('demo-lb-1')).not.toContain('kubeadm join');
    expect(
      h.rig
        .calls('demo-cp-1')
        .some(
          c =>
            c.cmd === 'helm' &&
            c.args.includes('projectcalico/tigera-operator'),
        ),
    ).toBe(true);

    // parallelism from the nodes' own records: join start (stand-in call) .. kubelet.conf written
    const interval = (name: string) => {
      const start = tsMs(
        h.rig
          .calls(name)
          .find(c => c.cmd === 'kubeadm' && c.args[0] === 'join')!.ts,
      );
      const end = fs.statSync(
        h.rig.nodeFilePath(name, '/etc/kubernetes/kubelet.conf')!,
      ).mtimeMs;
      return [start, end] as const;
    };
    const overlap = (a: readonly number[], b: readonly number[]) =>
      a[0] < b[1] && b[0] < a[1];
    const [c2, c3] = [interval('demo-cp-2'), interval('demo-cp-3')];
    expect(overlap(c2, c3)).toBe(false);
    const ws = ['demo-worker-1', 'demo-worker-2', 'demo-worker-3'].map(
      interval,
    );
    expect(overlap(ws[0], ws[1]) && overlap(ws[1], ws[2])).toBe(true);
    // the control planes joined before the workers
    expect(Math.max(c2[1], c3[1])).toBeLessThanOrEqual(
      Math.min(...ws.map(w => w[0])) + 1,
    );

    // the kubeadm config went to cp-1 with the VIP endpoint and the subnets
    const cfg = await h.rig.readNodeFile(
      'demo-cp-1',
      '/root/.kpaas/kubeadm-config.yaml',
    );
    expect(cfg).toContain(`controlPlaneEndpoint: ${new URL(h.api.url).host}`);
    expect(cfg).toContain('podSubnet: 10.233.64.0/18');
    expect(cfg).toContain('kubernetesVersion: v1.33.5');
  });

  it('leaks no secret into logs, outputs, workspace or files left on the nodes', async () => {
    const tokens = (
      await h.rig.readNodeFile('demo-cp-1', '/var/lib/kpaas-standins/tokens')
    )
      .trim()
      .split('\n');
    const keys = (
      await h.rig.readNodeFile(
        'demo-cp-1',
        '/var/lib/kpaas-standins/certificate-keys',
      )
    )
      .trim()
      .split('\n');
    const vrrp = (
      await h.rig.readNodeFile('demo-lb-1', '/etc/keepalived/keepalived.conf')
    ).match(/auth_pass (\S+)/)![1];
    const keyLine = h.rig.privateKey.split('\n')[1];
    const saToken = h.registrations[0].body.serviceAccountToken;
    const canaries = [
      ...tokens,
      ...keys,
      vrrp,
      keyLine,
      saToken,
      h.api.adminToken,
    ];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const logText = firstLog.join('\n');
    const outText = JSON.stringify(firstOut);
    const wsText = fs
      .readdirSync(h.workspace, { recursive: true })
      .map(f => path.join(h.workspace, String(f)))
      .filter(f => fs.statSync(f).isFile())
      .map(f => fs.readFileSync(f, 'utf8'))
      .join('\n');
    for (const c of canaries) {
      expect(logText).not.toContain(c);
      expect(outText).not.toContain(c);
      expect(wsText).not.toContain(c);
    }
    expect(logText).toContain('***'); // kubeadm init printed the token and key: masked
    for (const n of NODES) {
      for (const [file, content] of nodeWrittenFiles(h.rig, n.name)) {
        // where the secrets must live: kubeadm's admin credentials, keepalived's VRRP password,
        // the stand-in's own record of issued tokens (kubeadm keeps them in the cluster)
        if (
          file.startsWith('/etc/kubernetes/') ||
          file === '/etc/keepalived/keepalived.conf' ||
          file.startsWith('/var/lib/kpaas-standins/')
        )
          continue;
        for (const c of canaries) {
          if (content.includes(c))
            throw new Error(`${n.name}:${file} contains a secret`);
        }
      }
      // nothing of the join config is left in /run
      const runFiles = nodeWrittenFiles(h.rig, n.name).filter(([f]) =>
        f.startsWith('/run/kpaas-join'),
      );
      expect(runFiles).toEqual([]);
    }
  });

  it('changes nothing on a re-run and says so', async () => {
    const before = new Map(
      NODES.map(n => [n.name, h.rig.calls(n.name).length]),
    );
    const { ctx, lines, run } = runAction(h);
    await run();
    const mutating = (name: string) =>
      h.rig
        .calls(name)
        .slice(before.get(name))
        .filter(
          c =>
            (c.cmd === 'kubeadm' && ['init', 'join'].includes(c.args[0])) ||
            (c.cmd === 'apt-get' && c.args.includes('install')) ||
            (c.cmd === 'systemctl' && c.args.includes('restart')) ||
            (c.cmd === 'helm' && c.args[0] === 'upgrade'),
        );
    for (const n of NODES) expect(mutating(n.name)).toEqual([]);
    const log = lines.join('\n');
    expect(log).toContain(
      'skip: node already prepared for v1.33.5 with containerd',
    );
    expect(log).toContain(
      'skip: kubeadm init: this control plane is already initialised',
    );
    expect(log).toContain('every node has already joined; nothing to do');
    expect(log).toContain(
      'read-only ServiceAccount kpaas-reader already exists',
    );
    expect(outputs(ctx).nodes).toHaveLength(6);
  });
});

describe('kpaas:bootstrap input checks (before connecting)', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness([
      { name: 'demo-cp-1', role: 'control-plane' },
      { name: 'demo-worker-1', role: 'worker' },
    ]);
  });
  afterAll(() => h?.stop());

  it('refuses an even control-plane count and duplicate addresses without contacting a node', async () => {
    const inv = h.inventory();
    const even = [inv[0], { ...inv[0], name: 'demo-cp-2' }, inv[1]];
    const { run } = runAction(h, { inventory: even });
    const err = await run().catch(e => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /2 control-plane node\(s\); etcd needs 1, 3 or 5/,
    );
    expect(err.message).toMatch(
      /inventory\[1\]\.address: .* is also the address of inventory\[0\]/,
    );
    expect(h.rig.calls('demo-cp-1')).toEqual([]);
    expect(
      fs.readFileSync(
        path.join(h.rig.nodeDir('demo-cp-1'), 'sshd.log'),
        'utf8',
      ),
    ).not.toMatch(/Accepted publickey/);
  });

  it('names the cluster.yaml field that is wrong', async () => {
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      h.clusterYaml().replace('podCidr', 'podCidrs'),
    );
    const bad = h
      .clusterYaml()
      .replace('nodeCidr:', 'nodeCidr: 10.0.0.0/33\n    x:');
    fs.writeFileSync(path.join(h.workspace, 'cluster.yaml'), bad);
    const err = await runAction(h)
      .run()
      .catch(e => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('spec.network');
    fs.writeFileSync(path.join(h.workspace, 'cluster.yaml'), h.clusterYaml());
  });

  it('refuses a changed host key and a wrong private key, naming the node', async () => {
    const inv = h.inventory();
    const wrongFp = [
      { ...inv[0], hostKeyFingerprint: inv[1].hostKeyFingerprint },
      inv[1],
    ];
    const err = await runAction(h, { inventory: wrongFp })
      .run()
      .catch(e => e);
    expect(err.message).toContain('demo-cp-1: SSH host key CHANGED');

    const unknown = inv.map(n => ({ ...n, hostKeyFingerprint: undefined }));
    const err2 = await runAction(h, { inventory: unknown })
      .run()
      .catch(e => e);
    expect(err2.message).toMatch(/demo-cp-1: unknown SSH host key SHA256:/);
    expect(err2.message).toMatch(/demo-worker-1: unknown SSH host key/);
  });

  it('reports an unreachable node by name', async () => {
    const inv = h.inventory();
    const dead = [inv[0], { ...inv[1], port: 1 }];
    const err = await runAction(h, {
      inventory: dead,
      connectTimeoutSeconds: 2,
    })
      .run()
      .catch(e => e);
    expect(err.message).toMatch(
      /demo-worker-1: cannot connect to .* after 3 attempt/,
    );
  });
});

describe('kpaas:bootstrap when a node dies during node prep', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness(
      [
        { name: 'demo-cp-1', role: 'control-plane' },
        { name: 'demo-worker-1', role: 'worker' },
        { name: 'demo-worker-2', role: 'worker' },
      ],
      { KPAAS_STANDIN_APT_SECONDS: '0.7' },
    );
  });
  afterAll(() => h?.stop());

  it('fails naming node and step, lets the others finish, and the re-run completes without redoing them', async () => {
    const { run } = runAction(h);
    const running = run().catch(e => e);
    // kill worker-2's sshd (the whole node) once its node prep is under way
    for (let i = 0; i < 200; i++) {
      if (
        h.rig
          .calls('demo-worker-2')
          .some(c => c.cmd === 'apt-get' && c.args.includes('install'))
      )
        break;
      await new Promise(r => setTimeout(r, 50));
    }
    await h.rig.stopNode('demo-worker-2');
    const err = await running;
    expect(err.message).toMatch(
      /demo-worker-2: SSH connection (lost|error).*during step "node prep"/,
    );
    // the other nodes finished node prep cleanly
    for (const n of ['demo-cp-1', 'demo-worker-1']) {
      expect(
        h.rig.calls(n).some(c => c.cmd === 'apt-mark' && c.args[0] === 'hold'),
      ).toBe(true);
      expect(
        h.rig
          .calls(n)
          .some(
            c => c.cmd === 'kubeadm' && ['init', 'join'].includes(c.args[0]),
          ),
      ).toBe(false);
    }
    const cp1Installs = h.rig
      .calls('demo-cp-1')
      .filter(c => c.cmd === 'apt-get' && c.args.includes('install')).length;

    await h.rig.startNode('demo-worker-2');
    const again = runAction(h);
    await again.run();
    expect(outputs(again.ctx).nodes).toHaveLength(3);
    // cp-1 was not prepared again
    expect(
      h.rig
        .calls('demo-cp-1')
        .filter(c => c.cmd === 'apt-get' && c.args.includes('install')).length,
    ).toBe(cp1Installs);
    expect(again.lines.join('\n')).toContain(
      '[demo-cp-1] [kpaas] skip: node already prepared',
    );
  });

  it('cancels through the AbortSignal: the remote step is killed and the action stops', async () => {
    // forget worker-1's node prep on the node itself (editing a mounted overlay's upper dir is not seen)
    await execOnNode(h.rig, 'demo-worker-1', 'rm -rf /var/lib/kpaas/state');
    const ac = new AbortController();
    const { run, ctx } = runAction(h, {}, { signal: ac.signal });
    expect((ctx as any).signal).toBe(ac.signal);
    const aptCalls = () =>
      h.rig.calls('demo-worker-1').filter(c => c.cmd === 'apt-get').length;
    const base = aptCalls();
    const running = run().catch(e => e);
    for (let i = 0; i < 200 && aptCalls() === base; i++) {
      await new Promise(r => setTimeout(r, 50));
    }
    ac.abort();
    const err = await running;
    expect(err?.message).toMatch(/step "node prep": cancelled/);
    // the node prep stopped on the node: no further apt-get, no completion marker
    await new Promise(r => setTimeout(r, 1500));
    const stopped = aptCalls();
    await new Promise(r => setTimeout(r, 1500));
    expect(aptCalls()).toBe(stopped);
    expect(
      h.rig.nodeFilePath(
        'demo-worker-1',
        '/var/lib/kpaas/state/node-prep-v1.33.5-containerd',
      ),
    ).toBeUndefined();
  });
});
