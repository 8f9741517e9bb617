/**
 * Day-2 add-on changes through kpaas:addons on the SSH rig (helm stand-in) against the
 * Kubernetes API stand-in: a chart bump with a values diff (helm upgrade --atomic), a refused
 * removal of a depended-on add-on, uninstalls in reverse dependency order, and the switch from
 * ingress-nginx to the Gateway API (envoy-gateway) in its order.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  applyClusterChange,
  editClusterYaml,
  formatSpecErrors,
  parseAddonCatalog,
  parseClusterSpec,
} from '@internal/plugin-kpaas-common';
import {
  KubeApiStandIn,
  SshNodeRig,
  execOnNode,
  gatewayProxyName,
  generateNodes,
  helmChartFixture,
  startGatewayApiController,
  startKubeApiStandIn,
  startSshNodes,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createAddonsAction } from './addons';
import {
  KpaasBackendStandIn,
  startKpaasBackendStandIn,
} from '../access/__testUtils__/kpaasBackendStandIn';

// eslint-disable-next-line no-restricted-syntax
const HELM_STANDIN = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins/helm',
);
// eslint-disable-next-line no-restricted-syntax
const VALUES_PACK = path.resolve(__dirname, '../../../../values');
const NODE = 'chg-cp-1';
const INGRESS_IP = '10.10.0.199';
const POOL = ['10.10.0.200', '10.10.0.201', '10.10.0.202'];
const PROXY = gatewayProxyName('envoy-gateway-system', 'kpaas');
const LB_IPS = 'metallb.io/loadBalancerIPs';

function clusterYaml(addons: Array<string | { id: string; values?: any }>) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'chg',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: NODE, role: 'control-plane', address: '10.10.0.11' },
          { name: 'chg-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: INGRESS_IP,
        domain: 'chg.example.com',
      },
      addons: addons.map(a => (typeof a === 'string' ? { id: a } : a)),
    },
  });
}

const nginx = (replicaCount: number) => ({
  id: 'ingress-nginx',
  values: { 'controller.replicaCount': replicaCount },
});
const FIRST = [
  'metallb',
  nginx(2),
  'istio-base',
  'istiod',
  'metrics-server',
  'argo-cd',
];

/**
 * Plays the workload controllers and MetalLB as they matter here: workloads turn ready 150 ms
 * after they appear; a LoadBalancer Service gets the address it asks for (`metallb.io/
 * loadBalancerIPs`; ingress-nginx's chart asks for the ingress address, Envoy Gateway copies
 * its EnvoyProxy's envoyService annotations to the proxy Service) unless another Service holds
 * it (then it stays pending), else a free pool address. Records every address a Service got.
 */
function startClusterControllers(standIn: KubeApiStandIn) {
  const seen = new Map<string, number>();
  const addresses = new Map<string, string[]>();
  const routeAcceptedAt = new Map<string, number>();
  const list = (apiVersion: string, kind: string): any[] => {
    try {
      return standIn.store.list({ apiVersion, kind } as any);
    } catch {
      return [];
    }
  };
  const requestedAddress = (svc: any): string | undefined => {
    const ns = svc.metadata.namespace;
    if (svc.metadata.labels?.['app.kubernetes.io/instance'] === 'ingress-nginx')
      return INGRESS_IP;
    if (svc.metadata.name === PROXY) {
      const proxy = list('gateway.envoyproxy.io/v1alpha1', 'EnvoyProxy').find(
        p => p.metadata.namespace === ns,
      );
      return proxy?.spec?.provider?.kubernetes?.envoyService?.annotations?.[
        LB_IPS
      ];
    }
    return svc.metadata.annotations?.[LB_IPS];
  };
  const tick = () => {
    const now = Date.now();
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet']) {
      for (const o of list('apps/v1', kind)) {
        const key = `${kind}/${o.metadata.namespace}/${o.metadata.name}/${o.metadata.uid}`;
        if (!seen.has(key)) seen.set(key, now);
        const s = o.status ?? {};
        const ready =
          kind === 'DaemonSet'
            ? s.numberReady > 0
            : (s.readyReplicas ?? 0) >= (o.spec?.replicas ?? 1);
        if (ready || now - seen.get(key)! < 150) continue;
        const ns = o.metadata.namespace;
        if (kind === 'Deployment')
          standIn.setDeploymentReady(ns, o.metadata.name, true);
        if (kind === 'StatefulSet')
          standIn.setStatefulSetReady(ns, o.metadata.name, true);
        if (kind === 'DaemonSet')
          standIn.setDaemonSetReady(ns, o.metadata.name, true);
      }
    }
    for (const r of list('gateway.networking.k8s.io/v1', 'HTTPRoute')) {
      const accepted = (r.status?.parents ?? []).some((p: any) =>
        (p.conditions ?? []).some(
          (c: any) => c.type === 'Accepted' && c.status === 'True',
        ),
      );
      const key = `${r.metadata.namespace}/${r.metadata.name}`;
      if (accepted && !routeAcceptedAt.has(key)) routeAcceptedAt.set(key, now);
    }
    if (list('metallb.io/v1beta1', 'IPAddressPool').length === 0) return;
    const lbs = list('v1', 'Service').filter(
      s => s.spec?.type === 'LoadBalancer',
    );
    const ipOf = (s: any) => s.status?.loadBalancer?.ingress?.[0]?.ip;
    for (const svc of lbs) {
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      const current = ipOf(svc);
      const wanted = requestedAddress(svc);
      const heldByOther = (ip: string) =>
        lbs.some(o => o !== svc && ipOf(o) === ip);
      let next = current;
      if (wanted) next = heldByOther(wanted) ? undefined : wanted;
      else if (!current)
        next = POOL.find(ip => ip !== INGRESS_IP && !heldByOther(ip));
      if (next === current) continue;
      standIn.store.update(
        {
          ...svc,
          status: { loadBalancer: next ? { ingress: [{ ip: next }] } : {} },
        },
        { scope: 'all' } as any,
      );
      if (next) addresses.set(key, [...(addresses.get(key) ?? []), next]);
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, 25);
  return { stop: () => clearInterval(timer), addresses, routeAcceptedAt };
}

interface HelmCall {
  ts: string;
  args: string[];
  phase?: 'start' | 'end';
  release?: string;
  version?: string;
  values?: Array<{ file: string; content?: string }>;
}

describe('kpaas:addons day-2 changes on the rig', () => {
  let rig: SshNodeRig;
  let standIn: KubeApiStandIn;
  let kpaas: KpaasBackendStandIn;
  let workspace: string;
  let pack: string;
  let controllers: ReturnType<typeof startClusterControllers>;
  const stops: Array<() => void> = [];

  const helmCalls = async (): Promise<HelmCall[]> =>
    String(
      await rig
        .readNodeFile(NODE, '/var/log/kpaas-standins/calls.jsonl')
        .catch(() => ''),
    )
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l))
      .filter(c => c.cmd === 'helm');
  const writeSpec = (text: string) =>
    fs.writeFileSync(path.join(workspace, 'cluster.yaml'), text);
  const get = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ) => standIn.store.get({ apiVersion, kind, name, namespace } as any) as any;

  const runAction = async () => {
    kpaas.inventories.set('chg', [
      {
        name: NODE,
        role: 'control-plane',
        address: rig.nodes[0].host,
        port: rig.nodes[0].port,
        hostKeyFingerprint: rig.nodes[0].hostKeyFingerprint,
      } as any,
    ]);
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
        input: {
          repoPath: '.',
          apiServerUrl: standIn.url,
          sshUser: 'root',
          concurrency: 4,
          timeoutMinutes: 1,
          uninstall: false,
        } as any,
        workspacePath: workspace,
        secrets: { sshPrivateKey: rig.privateKey },
      }),
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
      valuesPackDir: pack,
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
    await execOnNode(
      rig,
      NODE,
      'mkdir -p /etc/kubernetes /etc/kpaas-helm && cat > /etc/kubernetes/admin.conf && chmod 600 /etc/kubernetes/admin.conf',
      { stdin: standIn.kubeconfigYaml() },
    );
    await execOnNode(rig, NODE, 'cat > /etc/kpaas-helm/charts.json', {
      stdin: JSON.stringify(helmChartFixture()),
    });
    const tmp = process.env.TMPDIR ?? os.tmpdir();
    workspace = fs.mkdtempSync(path.join(tmp, 'kpaas-addons-change-'));
    // a copy of the values pack, so the test can bump a pin like a platform team would
    pack = fs.mkdtempSync(path.join(tmp, 'kpaas-values-pack-'));
    fs.cpSync(VALUES_PACK, path.join(pack, 'values'), { recursive: true });
    if (!get('v1', 'Namespace', 'kube-system')) {
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'kube-system' },
      } as any);
    }
    controllers = startClusterControllers(standIn);
    stops.push(controllers.stop, startGatewayApiController(standIn));
    writeSpec(clusterYaml(FIRST));
    // the cluster every case starts from
    const { outputs, error } = await runAction();
    if (error) throw error;
    const notInstalled = outputs.addons.filter(
      (a: any) => a.status !== 'installed',
    );
    if (notInstalled.length > 0) {
      throw new Error(`first install: ${JSON.stringify(notInstalled)}`);
    }
  }, 120_000);

  afterAll(async () => {
    stops.forEach(stop => stop());
    rig?.stop();
    await standIn?.close();
    await kpaas?.close();
    for (const dir of [workspace, pack])
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a bumped chart and changed values with helm upgrade --atomic, showing the version change and the values diff', async () => {
    const catalogFile = path.join(pack, 'values', 'addons.yaml');
    const catalogText = fs.readFileSync(catalogFile, 'utf8');
    const bumped = catalogText.replace(
      /(chart: metrics-server\n\s+version: )3\.13\.1/,
      '$13.13.2',
    );
    expect(bumped).not.toBe(catalogText);
    fs.writeFileSync(catalogFile, bumped);
    const msValues = path.join(pack, 'values', 'metrics-server', 'values.yaml');
    fs.writeFileSync(
      msValues,
      fs
        .readFileSync(msValues, 'utf8')
        .replace(/^replicas: 2$/m, 'replicas: 3'),
    );
    writeSpec(clusterYaml(FIRST.map(a => (a === FIRST[1] ? nginx(3) : a))));
    const before = (await helmCalls()).length;

    const { outputs, error } = await runAction();
    expect(error).toBeUndefined();

    const upgrades = (await helmCalls())
      .slice(before)
      .filter(c => c.args[0] === 'upgrade' && c.phase === 'start');
    expect(upgrades.map(c => c.release).sort()).toEqual([
      'ingress-nginx',
      'metrics-server',
    ]);
    const ms = upgrades.find(c => c.release === 'metrics-server')!;
    expect(ms.args).toEqual(
      expect.arrayContaining(['--version', '3.13.2', '--atomic', '--wait']),
    );
    expect(ms.values![0].content).toMatch(/^replicas: 3$/m);
    const ng = upgrades.find(c => c.release === 'ingress-nginx')!;
    expect(ng.args).toEqual(
      expect.arrayContaining(['--version', '4.15.1', '--atomic']),
    );
    expect(yaml.parse(ng.values![1].content!)).toEqual({
      controller: { replicaCount: 3 },
    });

    // the plan: what happens to each add-on, and the diff
    expect(outputs.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'metrics-server',
          action: 'upgrade',
          from: '3.13.1',
          version: '3.13.2',
        }),
        expect.objectContaining({
          id: 'ingress-nginx',
          action: 'upgrade',
          from: '4.15.1',
        }),
        expect.objectContaining({ id: 'argo-cd', action: 'current' }),
      ]),
    );
    const changes: string = outputs.changes;
    expect(changes).toContain(
      '`metrics-server` (chart `metrics-server`): 3.13.1 → 3.13.2 (`helm upgrade --atomic`)',
    );
    expect(changes).toContain('-replicas: 2');
    expect(changes).toContain('+replicas: 3');
    expect(changes).toContain(
      '`ingress-nginx` (chart `ingress-nginx`): 4.15.1, values change',
    );
    expect(changes).toContain('-  replicaCount: 2');
    expect(changes).toContain('+  replicaCount: 3');
    // argo-cd's admin hash comes from a Secret: compared as its token, never shown
    expect(changes).toMatch(/\*\*Unchanged\*\*: .*`argo-cd`/);
    const secret = get('v1', 'Secret', 'argocd-admin', 'argocd');
    const hash = Buffer.from(
      secret.data['password.bcrypt'],
      'base64',
    ).toString();
    expect(JSON.stringify(outputs)).not.toContain(hash);
    expect(outputs.addons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'metrics-server',
          status: 'installed',
          chartVersion: '3.13.2',
        }),
        expect.objectContaining({ id: 'argo-cd', status: 'current' }),
      ]),
    );
  }, 90_000);

  it('refuses to drop an add-on another installed add-on depends on, naming both, before anything runs', async () => {
    const before = (await helmCalls()).length;
    // a listed add-on: cluster.yaml itself is refused (the change template refuses it too)
    writeSpec(
      clusterYaml(
        FIRST.filter(a => a !== 'metallb').map(a =>
          a === FIRST[1] ? nginx(3) : a,
        ),
      ),
    );
    const listed = await runAction();
    expect(listed.error?.message).toContain(
      '"ingress-nginx" needs "metallb" (MetalLB); add "- id: metallb" to spec.addons',
    );
    // an installed add-on cluster.yaml does not list (istio-gateway, installed by hand):
    // istiod stays until it is gone
    await execOnNode(
      rig,
      NODE,
      'helm upgrade --install istio-ingressgateway kpaas-istio/gateway --version 1.30.3 --namespace istio-ingress --create-namespace',
    );
    writeSpec(clusterYaml(['metallb', nginx(3), 'argo-cd']));
    const installed = await runAction();
    expect(installed.error?.message).toContain(
      '"istiod" cannot be removed: "istio-gateway" depends on it; remove istio-gateway as well, or keep "istiod"',
    );
    const after = (await helmCalls()).slice(before);
    expect(
      after.filter(
        c =>
          ['upgrade', 'uninstall'].includes(c.args[0]) &&
          c.release !== 'istio-ingressgateway',
      ),
    ).toEqual([]);
    await execOnNode(
      rig,
      NODE,
      'helm uninstall istio-ingressgateway --namespace istio-ingress',
    );
  }, 60_000);

  it('before its first record, leaves alone a release in a namespace kpaas:addons did not create', async () => {
    // a cluster installed by an older kpaas: no record yet
    const record = get('v1', 'ConfigMap', 'kpaas-addons', 'kube-system');
    standIn.store.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'kpaas-addons',
      namespace: 'kube-system',
    } as any);
    writeSpec(
      clusterYaml(
        FIRST.filter(a => a !== 'metrics-server').map(a =>
          a === FIRST[1] ? nginx(3) : a,
        ),
      ),
    );
    const before = (await helmCalls()).length;
    const { outputs, error } = await runAction();
    expect(error).toBeUndefined();
    // metrics-server lives in kube-system, which kpaas:addons did not create
    expect(
      (await helmCalls()).slice(before).filter(c => c.args[0] === 'uninstall'),
    ).toEqual([]);
    expect(outputs.changes).toContain(
      '- **Left as they are** (not installed by kpaas:addons): `metrics-server`',
    );
    expect(
      JSON.parse(
        get('v1', 'ConfigMap', 'kpaas-addons', 'kube-system').data.installed,
      ),
    ).not.toContain('metrics-server');
    // back to the record the earlier runs wrote
    standIn.store.update({
      ...get('v1', 'ConfigMap', 'kpaas-addons', 'kube-system'),
      data: record.data,
    });
  }, 60_000);

  it('uninstalls what cluster.yaml dropped in reverse dependency order and keeps namespaces others use', async () => {
    writeSpec(clusterYaml(['metallb', nginx(3), 'argo-cd']));
    const before = (await helmCalls()).length;
    const { outputs, error } = await runAction();
    expect(error).toBeUndefined();
    const calls = (await helmCalls()).slice(before);
    const uninstalls = calls
      .filter(c => c.args[0] === 'uninstall' && c.phase === 'start')
      .map(c => c.release);
    expect(uninstalls.sort()).toEqual([
      'istio-base',
      'istiod',
      'metrics-server',
    ]);
    const at = (r: string, phase: string) =>
      Date.parse(
        calls.find(
          c =>
            c.release === r && c.phase === phase && c.args[0] === 'uninstall',
        )!.ts,
      );
    expect(at('istiod', 'end')).toBeLessThanOrEqual(at('istio-base', 'start'));
    expect(calls.filter(c => c.args[0] === 'upgrade')).toEqual([]);
    expect(
      outputs.plan
        .filter((r: any) => r.action === 'uninstall')
        .map((r: any) => r.id),
    ).toEqual(['istiod', 'metrics-server', 'istio-base']);
    expect(outputs.addons).toEqual(
      expect.arrayContaining(
        ['istiod', 'istio-base', 'metrics-server'].map(id =>
          expect.objectContaining({ id, status: 'uninstalled' }),
        ),
      ),
    );
    // istio-system was created by kpaas:addons and is empty now; kube-system stays
    expect(get('v1', 'Namespace', 'istio-system')).toBeUndefined();
    expect(get('v1', 'Namespace', 'kube-system')).toBeDefined();
    // the record: what kpaas:addons installed
    const record = get('v1', 'ConfigMap', 'kpaas-addons', 'kube-system');
    expect(JSON.parse(record.data.installed)).toEqual([
      'argo-cd',
      'ingress-nginx',
      'metallb',
    ]);
  }, 90_000);

  it('switches ingress-nginx to the Gateway API: both run, links move once the routes are Accepted, then ingress-nginx goes and the Gateway takes the ingress address', async () => {
    // the change the change template makes (kpaas-common's applyClusterChange), written to cluster.yaml
    const catalog = parseAddonCatalog(
      fs.readFileSync(path.join(pack, 'values', 'addons.yaml'), 'utf8'),
    );
    if (!catalog.ok) throw new Error(formatSpecErrors(catalog.errors));
    const text = fs.readFileSync(path.join(workspace, 'cluster.yaml'), 'utf8');
    const spec = parseClusterSpec(text, { catalog: catalog.catalog });
    if (!spec.ok) throw new Error(formatSpecErrors(spec.errors));
    const change = applyClusterChange(
      spec.spec,
      { removeAddons: ['ingress-nginx'], addAddons: ['envoy-gateway'] },
      catalog.catalog,
    );
    if (!change.ok) throw new Error(formatSpecErrors(change.errors));
    writeSpec(editClusterYaml(text, spec.spec, change.spec));
    expect(
      get('networking.k8s.io/v1', 'Ingress', 'argo-cd-ui', 'argocd'),
    ).toBeDefined();
    const before = (await helmCalls()).length;

    const { outputs, lines, error } = await runAction();
    expect(error).toBeUndefined();

    // order: envoy-gateway installed (ingress-nginx still there), routes Accepted, links moved,
    // then ingress-nginx uninstalled
    const calls = (await helmCalls()).slice(before);
    const ts = (release: string, verb: string, phase: string) =>
      Date.parse(
        calls.find(
          c => c.release === release && c.args[0] === verb && c.phase === phase,
        )!.ts,
      );
    const uninstallStart = ts('ingress-nginx', 'uninstall', 'start');
    expect(ts('envoy-gateway', 'upgrade', 'end')).toBeLessThan(uninstallStart);
    expect(controllers.routeAcceptedAt.get('argocd/argo-cd-ui')).toBeLessThan(
      uninstallStart,
    );
    const moved = lines.findIndex(l =>
      /platform links move to the HTTPRoutes/.test(l),
    );
    const removed = lines.findIndex(l => /^ingress-nginx: uninstalled/.test(l));
    expect(moved).toBeGreaterThanOrEqual(0);
    expect(moved).toBeLessThan(removed);
    expect(lines[moved]).toContain(
      // http: no cert-manager on this cluster, so the Gateway has no HTTPS listener
      'http://argocd.chg.example.com (HTTPRoute argocd/argo-cd-ui)',
    );

    // both ran side by side: the Gateway's proxies first took a pool address, then the ingress one
    expect(controllers.addresses.get(`envoy-gateway-system/${PROXY}`)).toEqual([
      POOL[0],
      INGRESS_IP,
    ]);
    const gateway = get(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      'kpaas',
      'envoy-gateway-system',
    );
    expect(gateway.status.addresses).toEqual([
      { type: 'IPAddress', value: INGRESS_IP },
    ]);
    // the old routes are gone with their controller
    expect(
      get('networking.k8s.io/v1', 'Ingress', 'argo-cd-ui', 'argocd'),
    ).toBeUndefined();
    expect(get('v1', 'Namespace', 'ingress-nginx')).toBeUndefined();
    expect(outputs.plan.map((r: any) => [r.id, r.action])).toEqual([
      ['metallb', 'current'],
      // argo-cd's new HTTPRoute waits for the Gateway: it comes after envoy-gateway
      ['envoy-gateway', 'install'],
      ['argo-cd', 'current'],
      ['ingress-nginx', 'uninstall'],
    ]);
    expect(outputs.addons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'envoy-gateway', status: 'installed' }),
        expect.objectContaining({ id: 'ingress-nginx', status: 'uninstalled' }),
      ]),
    );
    expect(outputs.endpoints).toEqual([
      { host: 'argocd.chg.example.com', address: INGRESS_IP },
    ]);
  }, 120_000);
});
