/**
 * The default entry point, Gateway API through envoy-gateway, installed by kpaas:addons' runner on
 * the SSH rig (helm stand-in) against the Kubernetes API stand-in, whose Gateway API controller
 * reports the Gateway's and HTTPRoutes' conditions: install order, the generated Gateway and
 * HTTPRoutes, readiness by Programmed / Accepted / ResolvedRefs, and a not-Programmed Gateway
 * failing with its named cause.
 */
import * as k8s from '@kubernetes/client-node';
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
  startWorkloadControllers,
} from '@internal/kpaas-testkit';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { SecretMasker, connectNode } from '../ssh';
import { loadAddonPlan } from './load';
import { AddonCluster } from './cluster';
import { AddonPlan } from './plan';
import { SshRemoteShell } from './remoteShell';
import { installAddons, uiEndpoints } from './waves';
import { verifyAddons } from './verify';

// eslint-disable-next-line no-restricted-syntax
const HELM_STANDIN = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins/helm',
);
const NODE = 'gw-cp-1';
const INGRESS_IP = '10.10.0.199';
const ADDONS = [
  'metallb',
  'cert-manager',
  'envoy-gateway',
  'argo-cd',
  'kube-prometheus-stack',
  'jaeger',
];
const PROXY = gatewayProxyName('envoy-gateway-system', 'kpaas');

function clusterYaml(addons: string[]) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'gw',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: NODE, role: 'control-plane', address: '10.10.0.11' },
          { name: 'gw-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: INGRESS_IP,
        domain: 'gw.example.com',
      },
      addons: addons.map(id => ({ id })),
    },
  });
}

describe('Gateway API routing (envoy-gateway) on the rig', () => {
  let rig: SshNodeRig;
  let standIn: KubeApiStandIn;
  let workspace: string;
  const broken = new Set<string>();
  const stops: Array<() => void> = [];

  const input = () => {
    return {
      repoPath: '.',
      apiServerUrl: standIn.url,
      sshUser: 'root',
      concurrency: 4,
      timeoutMinutes: 1,
      uninstall: false,
    };
  };
  const plan = (): AddonPlan =>
    loadAddonPlan(
      { input: input() as any, workspacePath: workspace },
      {},
      rig.nodes[0].host,
    );
  const kubeConfig = () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
    return kc;
  };
  const install = async (p: AddonPlan, timeoutMs: number) => {
    const masker = new SecretMasker();
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
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
      const results = await installAddons({
        plan: p,
        shell: new SshRemoteShell(session),
        cluster: new AddonCluster(kubeConfig(), { pollMaxMs: 100 }),
        logger,
        concurrency: 4,
        timeoutMs,
        workDir: '.kpaas/gateway-test',
        hooks: { checkpoint: o => o.fn(), addSecret: v => masker.add(v) },
      });
      return { results, lines };
    } finally {
      session.close();
    }
  };
  const helmStarts = async () =>
    String(
      await rig
        .readNodeFile(NODE, '/var/log/kpaas-standins/calls.jsonl')
        .catch(() => ''),
    )
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l))
      .filter(c => c.cmd === 'helm' && c.release);
  const get = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ) => standIn.store.get({ apiVersion, kind, name, namespace } as any) as any;

  beforeAll(async () => {
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
    workspace = fs.mkdtempSync(
      path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-gateway-'),
    );
    fs.writeFileSync(path.join(workspace, 'cluster.yaml'), clusterYaml(ADDONS));
    stops.push(
      startWorkloadControllers(standIn, {
        readyAfterMs: 200,
        broken,
        loadBalancerAddress: INGRESS_IP,
      }),
      startGatewayApiController(standIn),
    );
  }, 60_000);

  afterAll(async () => {
    stops.forEach(stop => stop());
    rig?.stop();
    await standIn?.close();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('plans one Gateway with TLS from cert-manager and an HTTPRoute per UI instead of Ingresses', () => {
    const p = plan();
    expect(p.routing.via).toBe('gateway-api');
    // the UIs' HTTPRoutes wait for the Gateway: a wave after envoy-gateway
    expect(p.waves).toEqual([
      ['metallb', 'cert-manager'],
      ['envoy-gateway'],
      ['argo-cd', 'kube-prometheus-stack', 'jaeger'],
    ]);
    const envoy = p.addons.find(a => a.id === 'envoy-gateway')!;
    expect(envoy.manifests.map(m => m.kind)).toEqual([
      'EnvoyProxy',
      'GatewayClass',
      'Certificate',
      'Gateway',
    ]);
    expect(
      yaml.parse(envoy.manifests[0].text).spec.provider.kubernetes.envoyService
        .annotations,
    ).toEqual({
      'metallb.io/loadBalancerIPs': INGRESS_IP,
    });
    const gateway = yaml.parse(envoy.manifests[3].text);
    expect(gateway.spec).toEqual({
      gatewayClassName: 'kpaas-envoy',
      listeners: [
        {
          name: 'http',
          protocol: 'HTTP',
          port: 80,
          allowedRoutes: { namespaces: { from: 'All' } },
        },
        {
          name: 'https',
          protocol: 'HTTPS',
          port: 443,
          hostname: '*.gw.example.com',
          tls: {
            mode: 'Terminate',
            certificateRefs: [{ kind: 'Secret', name: 'kpaas-gateway-tls' }],
          },
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    });
    expect(yaml.parse(envoy.manifests[2].text).spec).toEqual({
      secretName: 'kpaas-gateway-tls',
      dnsNames: ['*.gw.example.com'],
      issuerRef: {
        group: 'cert-manager.io',
        kind: 'ClusterIssuer',
        name: 'kpaas-ca',
      },
    });
    const argo = p.addons.find(a => a.id === 'argo-cd')!;
    // the ui-ingress template is for Ingress-routed clusters only
    expect(argo.manifests.map(m => m.kind)).toEqual(['HTTPRoute']);
    expect(yaml.parse(argo.manifests[0].text)).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: 'argo-cd-ui',
        namespace: 'argocd',
        labels: {
          'app.kubernetes.io/managed-by': 'kpaas',
          'kpaas.io/addon': 'argo-cd',
        },
      },
      spec: {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'kpaas',
            namespace: 'envoy-gateway-system',
          },
        ],
        hostnames: ['argocd.gw.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ kind: 'Service', name: 'argocd-server', port: 80 }],
          },
        ],
      },
    });
    // Jaeger keeps its basic auth: Envoy Gateway's SecurityPolicy instead of the nginx annotations
    expect(
      p.addons.find(a => a.id === 'jaeger')!.manifests.map(m => m.kind),
    ).toEqual(['Secret', 'SecurityPolicy', 'HTTPRoute']);
    expect(argo.gatewayApiObjects).toEqual([
      {
        addonId: 'argo-cd',
        kind: 'HTTPRoute',
        namespace: 'argocd',
        name: 'argo-cd-ui',
      },
    ]);
  });

  it('installs envoy-gateway after MetalLB and is ready only once its Gateway is Programmed and every HTTPRoute Accepted with ResolvedRefs', async () => {
    const { results, lines } = await install(plan(), 30_000);
    expect(results).toEqual(
      [
        'metallb',
        'cert-manager',
        'envoy-gateway',
        'argo-cd',
        'kube-prometheus-stack',
        'jaeger',
      ].map(id => expect.objectContaining({ id, status: 'installed' })),
    );
    const calls = await helmStarts();
    const at = (release: string, phase: string) =>
      Date.parse(
        calls.find(c => c.release === release && c.phase === phase)!.ts,
      );
    expect(at('envoy-gateway', 'start')).toBeGreaterThanOrEqual(
      at('metallb', 'end'),
    );
    expect(
      calls.find(c => c.release === 'envoy-gateway' && c.phase === 'start'),
    ).toEqual(
      expect.objectContaining({ chart: 'gateway-helm', version: 'v1.9.0' }),
    );

    // the Gateway, Programmed on the ingress address, and the routes, Accepted by it
    const gateway = get(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      'kpaas',
      'envoy-gateway-system',
    );
    expect(gateway.status.addresses).toEqual([
      { type: 'IPAddress', value: INGRESS_IP },
    ]);
    expect(gateway.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Programmed', status: 'True' }),
    );
    for (const [ns, name] of [
      ['argocd', 'argo-cd-ui'],
      ['monitoring', 'kube-prometheus-stack-ui'],
    ]) {
      const route = get('gateway.networking.k8s.io/v1', 'HTTPRoute', name, ns);
      expect(
        route.status.parents[0].conditions.map((c: any) => [c.type, c.status]),
      ).toEqual([
        ['Accepted', 'True'],
        ['ResolvedRefs', 'True'],
      ]);
    }
    // Jaeger's users for Envoy's basic auth: the htpasswd {SHA} form of the generated password
    const auth = get('v1', 'Secret', 'jaeger-ui-auth', 'tracing');
    const password = Buffer.from(auth.data.password, 'base64').toString();
    const htpasswd = get('v1', 'Secret', 'jaeger-ui-htpasswd', 'tracing');
    const users = htpasswd.data?.['.htpasswd']
      ? Buffer.from(htpasswd.data['.htpasswd'], 'base64').toString()
      : htpasswd.stringData['.htpasswd'];
    expect(users).toBe(
      `admin:{SHA}${createHash('sha1').update(password).digest('base64')}`,
    );
    expect(
      get(
        'gateway.envoyproxy.io/v1alpha1',
        'SecurityPolicy',
        'jaeger-ui-basic-auth',
        'tracing',
      ).spec,
    ).toEqual({
      targetRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'jaeger-ui',
        },
      ],
      basicAuth: { users: { name: 'jaeger-ui-htpasswd' } },
    });
    // no Ingress is created for a Gateway-routed cluster
    expect(
      get('networking.k8s.io/v1', 'Ingress', 'argo-cd-ui', 'argocd'),
    ).toBeUndefined();
    expect(lines).toContain(
      'envoy-gateway: Gateway envoy-gateway-system/kpaas ready',
    );
    expect(lines).toContain('argo-cd: HTTPRoute argocd/argo-cd-ui ready');

    // verify (the status API's judgement) agrees, routes included
    const verification = await verifyAddons(kubeConfig(), plan());
    expect(verification.healthy).toBe(true);
    expect(
      verification.addons.find(a => a.id === 'envoy-gateway')!.routes,
    ).toEqual([
      {
        kind: 'Gateway',
        namespace: 'envoy-gateway-system',
        name: 'kpaas',
        ready: true,
        addresses: [INGRESS_IP],
      },
    ]);
    // the UI hosts resolve to the Gateway's address
    expect((await uiEndpoints(plan(), undefined)).endpoints).toEqual([
      { host: 'argocd.gw.example.com', address: INGRESS_IP },
      { host: 'grafana.gw.example.com', address: INGRESS_IP },
      { host: 'jaeger.gw.example.com', address: INGRESS_IP },
    ]);
  }, 90_000);

  it('a Gateway that is not Programmed fails envoy-gateway with the named condition, and verify says why', async () => {
    // the proxies lose their replicas and never come back
    broken.add(PROXY);
    standIn.setDeploymentReady('envoy-gateway-system', PROXY, false);
    const { results } = await install(plan(), 3_000);
    const envoy = results.find(r => r.id === 'envoy-gateway')!;
    expect(envoy.status).toBe('failed');
    expect(envoy.reason).toBe(
      'Gateway envoy-gateway-system/kpaas: Programmed is False (NoResources: Deployment replicas unavailable)',
    );
    // the UIs behind it wait for it, so this run leaves them alone and says why
    expect(results.find(r => r.id === 'argo-cd')).toEqual(
      expect.objectContaining({
        status: 'failed',
        reason: 'not run: dependency envoy-gateway failed',
      }),
    );

    const verification = await verifyAddons(kubeConfig(), plan());
    expect(verification.healthy).toBe(false);
    expect(verification.addons.find(a => a.id === 'envoy-gateway')).toEqual(
      expect.objectContaining({
        state: 'Degraded',
        reason:
          'Gateway envoy-gateway-system/kpaas: Programmed is False (NoResources: Deployment replicas unavailable)',
      }),
    );
    broken.delete(PROXY);
  }, 60_000);

  it('an HTTPRoute whose backend Service is missing is not ready, naming ResolvedRefs', async () => {
    standIn.store.delete({
      apiVersion: 'v1',
      kind: 'Service',
      name: 'argocd-server',
      namespace: 'argocd',
    } as any);
    const cluster = new AddonCluster(kubeConfig(), { pollMaxMs: 100 });
    const argo = plan().addons.find(a => a.id === 'argo-cd')!;
    await expect(
      cluster.waitReady(argo, Date.now() + 2_000, { routes: true }),
    ).rejects.toThrow(
      'argo-cd is not ready: HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: Failed to process route rule backendRef: service argocd/argocd-server not found)',
    );
  }, 30_000);
});
