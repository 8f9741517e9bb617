import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import * as k8s from '@kubernetes/client-node';
import {
  KubeApiStandIn,
  SshNodeRig,
  execOnNode,
  generateNodes,
  helmChartFixture,
  startKubeApiStandIn,
  startSshNodes,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createAddonsAction } from './addons';
import { loadAddonPlan } from '../addons/load';
import { AddonCluster } from '../addons/cluster';
import { SshRemoteShell } from '../addons/remoteShell';
import { installAddons } from '../addons/waves';
import { SecretMasker, connectNode } from '../ssh';
import {
  KpaasBackendStandIn,
  startKpaasBackendStandIn,
} from '../access/__testUtils__/kpaasBackendStandIn';

// eslint-disable-next-line no-restricted-syntax
const HELM_STANDIN = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins/helm',
);
const NODE = 'lab-cp-1';

/** What each chart creates in the stand-in (what the real chart would, reduced to readiness). */
const CHARTS = helmChartFixture();

const ADDONS = [
  'metallb',
  'ingress-nginx',
  'cert-manager',
  'istio-base',
  'istiod',
  'argo-cd',
];

function clusterYaml(addons: string[]) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'lab',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: NODE, role: 'control-plane', address: '10.10.0.11' },
          { name: 'lab-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: '10.10.0.199',
        domain: 'lab.example.com',
      },
      addons: addons.map(id =>
        id === 'ingress-nginx'
          ? { id, values: { 'controller.replicaCount': 3 } }
          : { id },
      ),
    },
  });
}

/**
 * Plays the controllers: workloads become ready `readyAfterMs` after they appear (never for
 * `broken` ones), LoadBalancer Services get the ingress IP once MetalLB's pool exists.
 */
function simulateControllers(
  standIn: KubeApiStandIn,
  readyAfterMs: number,
  broken = new Set<string>(),
) {
  const seen = new Map<string, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
      for (const obj of standIn.store.list({ apiVersion: 'apps/v1', kind })) {
        const ns = obj.metadata!.namespace!;
        const name = obj.metadata!.name!;
        const key = `${kind}/${ns}/${name}/${obj.metadata!.uid}`;
        if (!seen.has(key)) seen.set(key, now);
        const s = obj.status ?? {};
        const ready =
          kind === 'DaemonSet'
            ? s.numberReady > 0
            : (s.readyReplicas ?? 0) >= (obj.spec?.replicas ?? 1);
        if (ready || broken.has(name) || now - seen.get(key)! < readyAfterMs)
          continue;
        if (kind === 'Deployment') standIn.setDeploymentReady(ns, name, true);
        if (kind === 'StatefulSet') standIn.setStatefulSetReady(ns, name, true);
        if (kind === 'DaemonSet') standIn.setDaemonSetReady(ns, name, true);
      }
    }
    const pools = (() => {
      try {
        return standIn.store.list({
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
        });
      } catch {
        return [];
      }
    })();
    if (pools.length > 0) {
      for (const svc of standIn.store.list({
        apiVersion: 'v1',
        kind: 'Service',
      })) {
        if (
          svc.spec?.type === 'LoadBalancer' &&
          !svc.status?.loadBalancer?.ingress
        ) {
          standIn.store.update(
            {
              ...svc,
              status: { loadBalancer: { ingress: [{ ip: '10.10.0.199' }] } },
            },
            { scope: 'all' },
          );
        }
      }
    }
  }, 25);
  return () => clearInterval(timer);
}

interface HelmCall {
  ts: string;
  args: string[];
  phase?: 'start' | 'end';
  release?: string;
  chart?: string;
  version?: string;
  values?: Array<{ file: string; content?: string; keys?: string[] }>;
  exit?: number;
}

describe('kpaas:addons against the SSH rig and the Kubernetes API stand-in', () => {
  let rig: SshNodeRig;
  let standIn: KubeApiStandIn;
  let workspace: string;
  let stopControllers: () => void = () => {};
  let kpaas: KpaasBackendStandIn;

  const helmCalls = async (): Promise<HelmCall[]> => {
    const text = await rig
      .readNodeFile(NODE, '/var/log/kpaas-standins/calls.jsonl')
      .catch(() => '');
    return String(text)
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l))
      .filter(c => c.cmd === 'helm');
  };

  /** The machine kpaas:provision stored for the cluster (the stand-in's inventory of "lab"). */
  const controlPlane = () => ({
    name: NODE,
    role: 'control-plane' as const,
    address: rig.nodes[0].host,
    port: rig.nodes[0].port,
    hostKeyFingerprint: rig.nodes[0].hostKeyFingerprint,
  });

  const input = (extra: Record<string, unknown> = {}) => {
    return {
      repoPath: '.',
      apiServerUrl: standIn.url,
      sshUser: 'root',
      concurrency: 4,
      timeoutMinutes: 1,
      uninstall: false,
      ...extra,
    };
  };

  const runAction = async (
    { controlPlane: cp, ...extra }: Record<string, unknown> = {},
    isDryRun = false,
  ) => {
    kpaas.inventories.set('lab', [(cp as any) ?? controlPlane()]);
    const lines: string[] = [];
    const capture = (m: unknown) => lines.push(String(m));
    const outputs: Record<string, any> = {};
    const logger = {
      info: capture,
      warn: capture,
      error: capture,
      debug: capture,
      child: () => logger,
    };
    const ctx = {
      ...createMockActionContext({
        input: input(extra) as any,
        workspacePath: workspace,
        secrets: { sshPrivateKey: rig.privateKey },
      }),
      // the mock context takes neither of these from its options
      isDryRun,
      logger,
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
    };
    let error: Error | undefined;
    await createAddonsAction({
      discovery: kpaas.discovery,
      auth: kpaas.auth,
      permissions: mockServices.permissions(),
      readinessPollMaxMs: 100,
    })
      .handler(ctx as any)
      .catch(e => {
        error = e;
      });
    return { lines, outputs, error };
  };

  beforeAll(async () => {
    kpaas = await startKpaasBackendStandIn();
    standIn = await startKubeApiStandIn({ fixture: generateNodes(2) as any });
    rig = await startSshNodes({
      nodes: [{ name: NODE }],
      standinsDir: HELM_STANDIN,
    });
    // admin.conf on the node points at the stand-in; the chart fixture says what charts create
    const adminConf = standIn.kubeconfigYaml();
    await execOnNode(
      rig,
      NODE,
      'mkdir -p /etc/kubernetes /etc/kpaas-helm && cat > /etc/kubernetes/admin.conf && chmod 600 /etc/kubernetes/admin.conf',
      { stdin: adminConf },
    );
    await execOnNode(rig, NODE, 'cat > /etc/kpaas-helm/charts.json', {
      stdin: JSON.stringify(CHARTS),
    });
    workspace = fs.mkdtempSync(
      path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-addons-'),
    );
    fs.writeFileSync(path.join(workspace, 'cluster.yaml'), clusterYaml(ADDONS));
    fs.mkdirSync(path.join(workspace, 'values'));
    fs.writeFileSync(
      path.join(workspace, 'values', 'cert-manager.yaml'),
      'resources:\n  requests:\n    cpu: 20m\n',
    );
    // kube-system exists before kpaas (so uninstall must never delete it)
    if (
      !standIn.store.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'kube-system',
      })
    ) {
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'kube-system' },
      });
    }
  }, 60_000);

  afterAll(async () => {
    stopControllers();
    rig?.stop();
    await standIn?.close();
    await kpaas?.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('dry run renders the plan table and contacts nothing', async () => {
    const { lines, outputs, error } = await runAction({}, true);
    expect(error).toBeUndefined();
    expect(outputs.plan.map((r: any) => [r.wave, r.id])).toEqual([
      [0, 'metallb'],
      [0, 'cert-manager'],
      [0, 'istio-base'],
      [1, 'ingress-nginx'],
      [1, 'istiod'],
      // its UI's Ingress waits for the ingress controller
      [2, 'argo-cd'],
    ]);
    expect(lines.join('\n')).toMatch(
      /wave\s+add-on\s+chart@version\s+namespace\n[- ]+\n0\s+metallb\s+metallb@0\.16\.1\s+metallb-system/,
    );
    expect(await helmCalls()).toEqual([]);
  }, 30_000);

  it('installs in dependency waves, pinned, with values, manifests and credentials; then proves it', async () => {
    stopControllers = simulateControllers(standIn, 600);
    const { lines, outputs, error } = await runAction();
    expect(error).toBeUndefined();
    // results in plan order (the waves)
    expect(outputs.addons).toEqual(
      [
        'metallb',
        'cert-manager',
        'istio-base',
        'ingress-nginx',
        'istiod',
        'argo-cd',
      ].map(id => expect.objectContaining({ id, status: 'installed' })),
    );

    const calls = await helmCalls();
    const span = (release: string) => {
      const start = calls.find(
        c => c.phase === 'start' && c.release === release,
      )!;
      const end = calls.find(c => c.phase === 'end' && c.release === release)!;
      return {
        start: Date.parse(start.ts),
        end: Date.parse(end.ts),
        call: start,
      };
    };
    // one wave runs concurrently: metallb and cert-manager overlap
    const metallb = span('metallb');
    const certManager = span('cert-manager');
    const argocd = span('argocd');
    expect(certManager.start).toBeLessThan(metallb.end);
    // dependants wait: ingress-nginx after metallb, istiod after istio-base, argo-cd (whose UI
    // Ingress the controller admits) after ingress-nginx
    expect(span('ingress-nginx').start).toBeGreaterThanOrEqual(metallb.end);
    expect(span('istiod').start).toBeGreaterThanOrEqual(span('istio-base').end);
    expect(argocd.start).toBeGreaterThanOrEqual(span('ingress-nginx').end);

    // pinned versions and the exact Helm flags
    expect(metallb.call.args).toEqual(
      expect.arrayContaining([
        'upgrade',
        '--install',
        'metallb',
        'kpaas-metallb-github-io-metallb/metallb',
        '--version',
        '0.16.1',
        '--namespace',
        'metallb-system',
        '--create-namespace',
        '--atomic',
        '--wait',
      ]),
    );
    expect(certManager.call.args).toContain(
      'oci://quay.io/jetstack/charts/cert-manager',
    );
    expect(
      calls.filter(c => c.args[0] === 'repo' && c.args[1] === 'add'),
    ).toHaveLength(4); // one per https repository: istio's charts share one, cert-manager is OCI
    // values: pack defaults, the repo overlay, the inline values (in that order)
    const nginxValues = span('ingress-nginx').call.values!;
    expect(nginxValues[0].content).toContain(
      'metallb.io/loadBalancerIPs: "10.10.0.199"',
    );
    expect(yaml.parse(nginxValues[1].content!)).toEqual({
      controller: { replicaCount: 3 },
    });
    expect(yaml.parse(span('cert-manager').call.values![1].content!)).toEqual({
      resources: { requests: { cpu: '20m' } },
    });
    // argo-cd's admin hash went through a process substitution, not a file
    expect(argocd.call.values).toEqual([
      { file: 'secret', keys: expect.arrayContaining(['configs']) },
    ]);
    // the values dir was removed
    const leftovers = await execOnNode(
      rig,
      NODE,
      'ls -A /root/.kpaas 2>/dev/null || true',
    );
    expect(leftovers.stdout.trim()).toBe('');

    // post-install manifests, server-side applied by field manager kpaas
    const pool = standIn.store.get({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      name: 'kpaas-default',
      namespace: 'metallb-system',
    })!;
    expect(pool.spec.addresses).toEqual(['10.10.0.200-10.10.0.220']);
    expect(
      pool.metadata!.managedFields!.map((f: any) => [f.manager, f.operation]),
    ).toContainEqual(['kpaas', 'Apply']);
    const peer = standIn.store.get({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      name: 'default',
      namespace: 'istio-system',
    })!;
    expect(peer.spec.mtls.mode).toBe('STRICT');
    expect(
      standIn.store.get({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        name: 'argo-cd-ui',
        namespace: 'argocd',
      }),
    ).toBeDefined();

    // generated credentials: a Secret in the cluster, named in the log, never printed
    const secret = standIn.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'argocd-admin',
      namespace: 'argocd',
    })!;
    const password = Buffer.from(secret.data.password, 'base64').toString();
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(
      Buffer.from(secret.data['password.bcrypt'], 'base64').toString(),
    ).toMatch(/^\$2y\$10\$/);
    const everything =
      JSON.stringify(outputs) + lines.join('\n') + JSON.stringify(calls);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(
      Buffer.from(secret.data['password.bcrypt'], 'base64').toString(),
    );
    expect(everything).not.toContain(rig.privateKey.split('\n')[1]);
    expect(lines.join('\n')).toContain(
      'argo-cd: credentials in Secret argocd/argocd-admin (keys username, password)',
    );

    expect(outputs.endpoints).toEqual([
      { host: 'argocd.lab.example.com', address: '10.10.0.199' },
    ]);
    expect(outputs.hostsSnippet).toContain(
      '\n10.10.0.199 argocd.lab.example.com\n',
    );
    expect(outputs.hostsSnippet).toMatch(/APPEND/);
  }, 90_000);

  it('a re-run on the healthy cluster changes nothing', async () => {
    const before = (await helmCalls()).length;
    const rvBefore = standIn.store.get({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      name: 'kpaas-default',
      namespace: 'metallb-system',
    })!.metadata!.resourceVersion;
    const { outputs, error } = await runAction();
    expect(error).toBeUndefined();
    expect(outputs.addons.map((a: any) => a.status)).toEqual(
      ADDONS.map(() => 'current'),
    );
    const newCalls = (await helmCalls()).slice(before);
    expect(newCalls.filter(c => c.args[0] === 'upgrade')).toEqual([]);
    expect(
      standIn.store.get({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        name: 'kpaas-default',
        namespace: 'metallb-system',
      })!.metadata!.resourceVersion,
    ).toBe(rvBefore);
  }, 60_000);

  it('names the add-on and the first concrete cause when it does not become ready', async () => {
    // metrics-server's pod cannot pull its image and never becomes ready
    fs.writeFileSync(
      path.join(workspace, 'cluster.yaml'),
      clusterYaml([...ADDONS, 'metrics-server']),
    );
    stopControllers();
    stopControllers = simulateControllers(
      standIn,
      100,
      new Set(['metrics-server']),
    );
    standIn.store.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'metrics-server-6d4c8f-abcde',
          namespace: 'kube-system',
          labels: { 'app.kubernetes.io/instance': 'metrics-server' },
        },
        spec: {
          containers: [
            {
              name: 'metrics-server',
              image: 'registry.k8s.io/metrics-server/metrics-server:v0.8.0',
            },
          ],
        },
        status: {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'metrics-server',
              image: 'registry.k8s.io/metrics-server/metrics-server:v0.8.0',
              ready: false,
              restartCount: 0,
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: 'Back-off pulling image',
                },
              },
            },
          ],
        },
      },
      { scope: 'all' },
    );
    const plan = loadAddonPlan(
      { input: input() as any, workspacePath: workspace },
      {},
    );
    const masker = new SecretMasker();
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const session = await connectNode(
      {
        name: NODE,
        host: rig.nodes[0].host,
        port: rig.nodes[0].port,
        user: 'root',
        hostKeyFingerprint: rig.nodes[0].hostKeyFingerprint,
      },
      { privateKey: rig.privateKey, logger, masker },
    );
    try {
      const kc = new k8s.KubeConfig();
      kc.loadFromString(standIn.kubeconfigYaml());
      const results = await installAddons({
        plan,
        shell: new SshRemoteShell(session),
        cluster: new AddonCluster(kc, { pollMaxMs: 100 }),
        logger,
        concurrency: 4,
        timeoutMs: 2500,
        workDir: '.kpaas/addons-test',
        hooks: { checkpoint: o => o.fn(), addSecret: v => masker.add(v) },
      });
      const ms = results.find(r => r.id === 'metrics-server')!;
      expect(ms.status).toBe('failed');
      expect(ms.reason).toBe(
        'pod metrics-server-6d4c8f-abcde: image registry.k8s.io/metrics-server/metrics-server:v0.8.0 cannot be pulled (ImagePullBackOff: Back-off pulling image)',
      );
      // the rest was already current
      expect(
        results.filter(r => r.id !== 'metrics-server').map(r => r.status),
      ).toEqual(ADDONS.map(() => 'current'));
      // --atomic rolled the release back
      const calls = await helmCalls();
      expect(
        calls.find(c => c.phase === 'end' && c.release === 'metrics-server'),
      ).toMatchObject({ exit: 1, rolledBack: true });
    } finally {
      session.close();
      fs.writeFileSync(
        path.join(workspace, 'cluster.yaml'),
        clusterYaml(ADDONS),
      );
    }
  }, 60_000);

  it("puts the tail of Helm's stderr in the error when the install fails, rolled back by --atomic", async () => {
    // the image-pull pod of the previous case would otherwise be the reported cause
    standIn.store.delete({
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'metrics-server-6d4c8f-abcde',
      namespace: 'kube-system',
    });
    const failing = {
      ...CHARTS,
      'metrics-server': {
        ...CHARTS['metrics-server'],
        fail: {
          stderr:
            'Error: INSTALLATION FAILED: 1 error occurred:\n\t* admission webhook "validate.kyverno.svc" denied the request: metrics-server: image tag must be pinned',
        },
      },
    };
    await execOnNode(rig, NODE, 'cat > /etc/kpaas-helm/charts.json', {
      stdin: JSON.stringify(failing),
    });
    fs.writeFileSync(
      path.join(workspace, 'cluster.yaml'),
      clusterYaml([...ADDONS, 'metrics-server']),
    );
    const before = (await helmCalls()).length;
    try {
      const { outputs, error } = await runAction();
      expect(error?.message).toMatch(/1 add-on\(s\) failed: metrics-server \(/);
      expect(error?.message).toContain(
        'denied the request: metrics-server: image tag must be pinned',
      );
      expect(error?.message).toContain(
        'has been uninstalled due to atomic being set',
      );
      const ms = outputs.addons.find((a: any) => a.id === 'metrics-server');
      expect(ms).toMatchObject({ status: 'failed', chartVersion: '3.13.1' });
      expect(ms.reason).toContain('image tag must be pinned');
      const calls = (await helmCalls()).slice(before);
      const start = calls.find(
        c => c.phase === 'start' && c.release === 'metrics-server',
      )!;
      expect(start.args).toContain('--atomic');
      expect(
        calls.find(c => c.phase === 'end' && c.release === 'metrics-server'),
      ).toMatchObject({ exit: 1, rolledBack: true });
      // rolled back: nothing of the failed release is left behind
      expect(
        standIn.store.get({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'metrics-server',
          namespace: 'kube-system',
        }),
      ).toBeUndefined();
    } finally {
      await execOnNode(rig, NODE, 'cat > /etc/kpaas-helm/charts.json', {
        stdin: JSON.stringify(CHARTS),
      });
      fs.writeFileSync(
        path.join(workspace, 'cluster.yaml'),
        clusterYaml(ADDONS),
      );
    }
  }, 90_000);

  it('names the control-plane node when it cannot be reached, and installs nothing', async () => {
    const closedPort = await new Promise<number>(resolve => {
      const server = net.createServer();
      server.listen(0, rig.nodes[0].host, () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const before = (await helmCalls()).length;
    const namespacesBefore = standIn.store
      .list({ apiVersion: 'v1', kind: 'Namespace' })
      .map(n => n.metadata!.name)
      .sort();
    const { error, outputs } = await runAction({
      controlPlane: { ...controlPlane(), port: closedPort },
    });
    expect(error).toBeDefined();
    expect(error!.message).toContain(NODE);
    expect(error!.message).toMatch(/ECONNREFUSED|refused|connect/i);
    expect(outputs.addons).toBeUndefined();
    expect((await helmCalls()).length).toBe(before);
    expect(
      standIn.store
        .list({ apiVersion: 'v1', kind: 'Namespace' })
        .map(n => n.metadata!.name)
        .sort(),
    ).toEqual(namespacesBefore);
  }, 30_000);

  it('uninstalls in reverse dependency order and deletes only namespaces it created', async () => {
    const before = (await helmCalls()).length;
    const { outputs, error } = await runAction({ uninstall: true });
    expect(error).toBeUndefined();
    expect(outputs.addons.map((a: any) => a.status)).toEqual(
      ADDONS.map(() => 'uninstalled'),
    );
    const order = (await helmCalls())
      .slice(before)
      .filter(c => c.args[0] === 'uninstall' && c.phase === 'start')
      .map(c => c.release);
    expect(order.indexOf('ingress-nginx')).toBeLessThan(
      order.indexOf('metallb'),
    );
    expect(order.indexOf('istiod')).toBeLessThan(order.indexOf('istio-base'));
    expect(
      standIn.store.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'metallb-system',
      }),
    ).toBeUndefined();
    expect(
      standIn.store.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'kube-system',
      }),
    ).toBeDefined();
  }, 60_000);
});
