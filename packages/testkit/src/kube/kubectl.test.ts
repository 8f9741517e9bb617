/*
 * Acceptance: the real kubectl treats the stand-in as a cluster.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kpaasHaFixture } from '../fixtures';
import {
  KUBECTL,
  KubectlOptions,
  kubectlAvailable,
  runKubectl as run,
  spawnKubectl as spawn,
} from './kubectl';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';

/*
 * /usr/bin/kubectl is the Cloud SDK dispatcher: it runs the kubectl release
 * matching the server's minor version, or its own default when that minor is not installed
 * (the stand-in reports 1.36, kpaas's default; 1.27-1.33 are installed). kubectl 1.32 is run
 * explicitly too when installed, since that is the version the brief targets.
 */
const KUBECTL_132 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const binaries = [KUBECTL, KUBECTL_132].filter(b => kubectlAvailable(b));
const describeEachKubectl = binaries.length
  ? describe.each(binaries)
  : describe.skip.each([KUBECTL]);

const MANIFEST = (greeting: string, image: string) => `
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: default
data:
  greeting: ${greeting}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ${image}
          ports:
            - containerPort: 80
`;

describeEachKubectl('real kubectl (%s) against the stand-in', binary => {
  let standIn: KubeApiStandIn;
  let workDir: string;
  let admin: KubectlOptions;
  const runKubectl = (args: string[], options: KubectlOptions) =>
    run(args, { ...options, binary });
  const spawnKubectl = (args: string[], options: KubectlOptions) =>
    spawn(args, { ...options, binary });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kpaas-kubectl-'));
    standIn = await startKubeApiStandIn({
      host: '127.0.0.3',
      fixture: kpaasHaFixture(),
      tokens: {
        'viewer-token': {
          user: 'system:serviceaccount:kpaas:viewer',
          readOnly: true,
        },
      },
    });
    admin = {
      kubeconfig: await standIn.writeKubeconfig(
        join(workDir, 'admin.kubeconfig'),
        { user: 'admin' },
      ),
      workDir,
    };
  });

  afterAll(async () => {
    await standIn?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('lists the six fixture nodes as Ready with roles and version', async () => {
    const result = await runKubectl(['get', 'nodes'], admin);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual([
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
    ]);
    const rows = lines.slice(1).map(l => l.split(/\s+/));
    expect(rows.map(r => r[0])).toEqual([
      'cp-1',
      'cp-2',
      'cp-3',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    expect(rows.every(r => r[1] === 'Ready')).toBe(true);
    expect(rows[0][2]).toBe('control-plane');
    expect(rows[3][2]).toBe('worker');
    expect(rows.every(r => r[4] === 'v1.35.1')).toBe(true);
    expect(rows[0][3]).toMatch(/^(29|30)d$/);
  });

  it('shows a NotReady node after setNodeReady(false)', async () => {
    standIn.setNodeReady('worker-2', false);
    try {
      const result = await runKubectl(
        ['get', 'node', 'worker-2', '--no-headers'],
        admin,
      );
      expect(result.stdout.split(/\s+/).slice(0, 2)).toEqual([
        'worker-2',
        'NotReady',
      ]);
    } finally {
      standIn.setNodeReady('worker-2', true);
    }
  });

  it('lists pods in all namespaces with the NAMESPACE column', async () => {
    const result = await runKubectl(['get', 'pods', '-A'], admin);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual([
      'NAMESPACE',
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
    ]);
    const apiserverPods = lines.filter(l =>
      /^kube-system\s+kube-apiserver-cp-\d\s+1\/1\s+Running\s+0\s/.test(l),
    );
    expect(apiserverPods).toHaveLength(3);
    expect(
      lines.some(l =>
        /^metallb-system\s+metallb-speaker-\w+\s+1\/1\s+Running/.test(l),
      ),
    ).toBe(true);
    expect(
      lines.some(l =>
        /^monitoring\s+kube-prometheus-stack-grafana-\S+\s+2\/2\s+Running/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  it('reads /readyz?verbose through get --raw, including an injected failure', async () => {
    const ok = await runKubectl(['get', '--raw', '/readyz?verbose'], admin);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^\[\+\]ping ok$/m);
    expect(ok.stdout).toMatch(/^\[\+\]etcd ok$/m);
    expect(ok.stdout.trim().split('\n').pop()).toBe('readyz check passed');

    standIn.health.fail('etcd');
    try {
      const failing = await runKubectl(
        ['get', '--raw', '/readyz?verbose'],
        admin,
      );
      expect(failing.code).not.toBe(0);
      expect(`${failing.stdout}${failing.stderr}`).toMatch(
        /\[-\]etcd failed: reason withheld/,
      );
    } finally {
      standIn.health.reset();
    }
  });

  it('applies a ConfigMap and a Deployment, then reports "configured" for a change', async () => {
    const file = join(workDir, 'app.yaml');
    await writeFile(file, MANIFEST('hello', 'nginx:1.27'));
    const first = await runKubectl(['apply', '-f', file], admin);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual([
      'configmap/app-config created',
      'deployment.apps/web created',
    ]);

    const created = standIn.store.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'web',
    });
    expect(created?.metadata?.generation).toBe(1);
    expect(
      created?.metadata?.annotations?.[
        'kubectl.kubernetes.io/last-applied-configuration'
      ],
    ).toContain('nginx:1.27');
    expect(created?.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
    });

    await writeFile(file, MANIFEST('bonjour', 'nginx:1.28'));
    const second = await runKubectl(['apply', '-f', file], admin);
    expect(second.stdout.trim().split('\n')).toEqual([
      'configmap/app-config configured',
      'deployment.apps/web configured',
    ]);

    const cm = standIn.store.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'app-config',
    });
    expect(cm?.data).toEqual({ greeting: 'bonjour' });
    const web = standIn.store.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'web',
    });
    // The strategic merge patch kept the container's other fields.
    expect(web?.spec?.template?.spec?.containers).toEqual([
      { name: 'web', image: 'nginx:1.28', ports: [{ containerPort: 80 }] },
    ]);
    expect(web?.metadata?.generation).toBe(2);

    const third = await runKubectl(['apply', '-f', file], admin);
    expect(third.stdout.trim().split('\n')).toEqual([
      'configmap/app-config unchanged',
      'deployment.apps/web unchanged',
    ]);
  });

  it('streams watch events from store changes to kubectl get -w', async () => {
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'watched-before', namespace: 'default' },
      data: { a: '1' },
    });
    const watch = spawnKubectl(['get', 'configmaps', '-w'], admin);
    try {
      await watch.waitFor(/watched-before\s+1\s+\S+/);
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'watched-new', namespace: 'default' },
        data: { a: '1' },
      });
      await watch.waitFor(/^watched-new\s+1\s+\d+s$/m);
      standIn.store.patch(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'default',
          name: 'watched-new',
        },
        { data: { b: '2', c: '3' } },
      );
      await watch.waitFor(/^watched-new\s+3\s+\d+s$/m);
      // Changes in other namespaces must not show up.
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'elsewhere', namespace: 'kube-system' },
      });
      standIn.store.delete({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'watched-new',
      });
      await new Promise(r => setTimeout(r, 300));
      const rows = watch.stdout().trim().split('\n');
      expect(rows.filter(r => r.startsWith('watched-new'))).toHaveLength(3); // ADDED, MODIFIED, DELETED
      expect(watch.stdout()).not.toContain('elsewhere');
      expect(rows[0].split(/\s+/)).toEqual(['NAME', 'DATA', 'AGE']);
    } finally {
      await watch.stop();
    }
  });

  it('applies server-side and records kubectl as the Apply manager', async () => {
    const file = join(workDir, 'ssa.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-config\n  namespace: default\ndata:\n  mode: server-side\n',
    );
    const result = await runKubectl(
      ['apply', '--server-side', '-f', file],
      admin,
    );
    expect(result.stdout.trim()).toBe(
      'configmap/ssa-config serverside-applied',
    );
    const cm = standIn.store.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'ssa-config',
    });
    expect(cm?.data).toEqual({ mode: 'server-side' });
    expect(cm?.metadata?.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kubectl',
        operation: 'Apply',
        fieldsV1: { 'f:data': { 'f:mode': {} } },
      }),
    ]);
  });

  it('creates objects imperatively (typed clients send protobuf bodies)', async () => {
    expect(
      (
        await runKubectl(['create', 'namespace', 'team-x'], admin)
      ).stdout.trim(),
    ).toBe('namespace/team-x created');
    const cm = await runKubectl(
      [
        'create',
        'configmap',
        'settings',
        '-n',
        'team-x',
        '--from-literal=mode=fast',
      ],
      admin,
    );
    expect(cm.stdout.trim()).toBe('configmap/settings created');
    const secret = await runKubectl(
      [
        'create',
        'secret',
        'generic',
        'creds',
        '-n',
        'team-x',
        '--from-literal=password=s3cr3t',
      ],
      admin,
    );
    expect(secret.stdout.trim()).toBe('secret/creds created');
    expect(
      standIn.store.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'team-x',
        name: 'settings',
      })?.data,
    ).toEqual({ mode: 'fast' });
    const stored = standIn.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'team-x',
      name: 'creds',
    });
    expect(stored?.type).toBe('Opaque');
    expect(Buffer.from(stored?.data?.password, 'base64').toString()).toBe(
      's3cr3t',
    );
    expect(
      (
        await runKubectl(['delete', 'namespace', 'team-x'], admin)
      ).stdout.trim(),
    ).toBe('namespace "team-x" deleted');
    expect(
      standIn.store.list({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'team-x',
      }),
    ).toEqual([]);
  });

  it('authenticates a client-certificate user', async () => {
    const kubeconfig = await standIn.writeKubeconfig(
      join(workDir, 'alice.kubeconfig'),
      {
        clientCertificate: { user: 'alice', groups: ['kpaas:operators'] },
      },
    );
    const cert = { kubeconfig, workDir };
    const ns = await runKubectl(['get', 'namespaces', '-o', 'name'], cert);
    expect(ns.code).toBe(0);
    expect(ns.stdout).toContain('namespace/kube-system');
    expect(
      standIn.requestLog.entries.filter(e => e.user === 'alice').length,
    ).toBeGreaterThan(0);
    const whoami = await runKubectl(
      [
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
      ],
      cert,
    );
    expect(whoami.stdout).toBe(
      'alice ["kpaas:operators","system:authenticated"]',
    );
  });

  it('gives kubectl its Unauthorized error for a bad token', async () => {
    const kubeconfig = await standIn.writeKubeconfig(
      join(workDir, 'bad.kubeconfig'),
      { token: 'not-a-valid-token' },
    );
    const result = await runKubectl(['get', 'nodes'], { kubeconfig, workDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: You must be logged in to the server (Unauthorized)',
    );
  });

  it('forbids writes for a read-only token', async () => {
    const kubeconfig = await standIn.writeKubeconfig(
      join(workDir, 'viewer.kubeconfig'),
      { token: 'viewer-token' },
    );
    const viewer = { kubeconfig, workDir };
    expect(
      (
        await runKubectl(
          ['get', 'pods', '-n', 'kube-system', '-o', 'name'],
          viewer,
        )
      ).code,
    ).toBe(0);
    const denied = await runKubectl(['label', 'node', 'cp-1', 'x=y'], viewer);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): nodes "cp-1" is forbidden: User "system:serviceaccount:kpaas:viewer" cannot patch resource "nodes" in API group "" at the cluster scope',
    );
    const canI = await runKubectl(['auth', 'can-i', 'delete', 'pods'], viewer);
    expect(canI.stdout.trim()).toBe('no');
    expect(
      (
        await runKubectl(['auth', 'can-i', 'list', 'pods'], viewer)
      ).stdout.trim(),
    ).toBe('yes');
  });
});
