/**
 * Slot scheduling of installAddons on a Gateway-routed cluster (the addons-waves benchmark's
 * deadlock): with more UI add-ons than slots, every add-on whose HTTPRoute the cluster Gateway
 * serves waits for envoy-gateway before it takes a slot, so the run completes at any
 * concurrency. Real runner on the SSH rig (helm stand-in) against the Kubernetes API stand-in,
 * whose Gateway API controller accepts a route only once its Gateway exists.
 */
import * as k8s from '@kubernetes/client-node';
import {
  KubeApiStandIn,
  SshNodeRig,
  execOnNode,
  generateNodes,
  helmChartFixture,
  startGatewayApiController,
  startKubeApiStandIn,
  startSshNodes,
  startWorkloadControllers,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { SecretMasker, connectNode } from '../ssh';
import { AddonCluster } from './cluster';
import { loadAddonPlan } from './load';
import { AddonPlan } from './plan';
import { SshRemoteShell } from './remoteShell';
import { installAddons } from './waves';

// eslint-disable-next-line no-restricted-syntax
const HELM_STANDIN = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins/helm',
);
const INGRESS_IP = '10.10.0.199';
// five UIs behind the Gateway: more than the default four slots
const ROUTED = [
  'argo-cd',
  'kube-prometheus-stack',
  'jaeger',
  'harbor',
  'chartmuseum',
];
const ADDONS = ['metallb', 'cert-manager', 'envoy-gateway', ...ROUTED];

function clusterYaml(node: string) {
  return yaml.stringify({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'waves',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: {
        type: 'existing',
        hosts: [
          { name: node, role: 'control-plane', address: '10.10.0.11' },
          { name: 'waves-worker-1', role: 'worker', address: '10.10.0.21' },
        ],
      },
      kubernetes: { version: 'v1.33.5' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: {
        nodeCidr: '10.10.0.0/24',
        metallbRange: '10.10.0.200-10.10.0.220',
        ingressIp: INGRESS_IP,
        domain: 'waves.example.com',
      },
      addons: ADDONS.map(id => ({ id })),
    },
  });
}

describe.each([1, 4])('installAddons at concurrency %i', concurrency => {
  const node = `waves${concurrency}-cp-1`;
  let rig: SshNodeRig;
  let standIn: KubeApiStandIn;
  let workspace: string;
  const stops: Array<() => void> = [];

  const plan = (): AddonPlan =>
    loadAddonPlan(
      {
        input: {
          repoPath: '.',
          apiServerUrl: standIn.url,
          sshUser: 'root',
          concurrency,
          timeoutMinutes: 1,
          uninstall: false,
        } as any,
        workspacePath: workspace,
      },
      {},
      rig.nodes[0].host,
    );

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({ fixture: generateNodes(2) as any });
    rig = await startSshNodes({
      nodes: [{ name: node }],
      standinsDir: HELM_STANDIN,
    });
    await execOnNode(
      rig,
      node,
      'mkdir -p /etc/kubernetes /etc/kpaas-helm && cat > /etc/kubernetes/admin.conf && chmod 600 /etc/kubernetes/admin.conf',
      { stdin: standIn.kubeconfigYaml() },
    );
    await execOnNode(rig, node, 'cat > /etc/kpaas-helm/charts.json', {
      stdin: JSON.stringify(helmChartFixture()),
    });
    workspace = fs.mkdtempSync(
      path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-waves-'),
    );
    fs.writeFileSync(path.join(workspace, 'cluster.yaml'), clusterYaml(node));
    stops.push(
      startWorkloadControllers(standIn, {
        readyAfterMs: 200,
        broken: new Set(),
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

  it('plans the Gateway in the wave before the UIs it routes', () => {
    const p = plan();
    expect(p.routing.via).toBe('gateway-api');
    expect(p.waves).toEqual([
      ['metallb', 'cert-manager'],
      ['envoy-gateway'],
      ROUTED,
    ]);
    for (const id of ROUTED) {
      expect(p.addons.find(a => a.id === id)).toEqual(
        expect.objectContaining({
          wave: 2,
          dependsOn: ['envoy-gateway'],
        }),
      );
    }
  });

  it('installs envoy-gateway before every add-on whose HTTPRoute it serves, and completes', async () => {
    const masker = new SecretMasker();
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const session = await connectNode(
      {
        name: node,
        host: rig.nodes[0].host,
        port: rig.nodes[0].port,
        user: 'root',
        hostKeyFingerprint: rig.nodes[0].hostKeyFingerprint,
      },
      { privateKey: rig.privateKey, logger, masker },
    );
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromString(standIn.kubeconfigYaml());
    let results;
    try {
      results = await installAddons({
        plan: plan(),
        shell: new SshRemoteShell(session),
        cluster: new AddonCluster(kubeConfig, { pollMaxMs: 100 }),
        logger,
        concurrency,
        // before the fix each UI held its slot until this timeout failed it
        timeoutMs: 45_000,
        workDir: '.kpaas/waves-test',
        hooks: { checkpoint: o => o.fn(), addSecret: v => masker.add(v) },
      });
    } finally {
      session.close();
    }
    expect(results).toEqual(
      ADDONS.map(id => expect.objectContaining({ id, status: 'installed' })),
    );

    const calls = String(
      await rig.readNodeFile(node, '/var/log/kpaas-standins/calls.jsonl'),
    )
      .split('\n')
      .filter(Boolean)
      .map(l => JSON.parse(l))
      .filter(c => c.cmd === 'helm' && c.release);
    const at = (release: string, phase: string) => {
      const call = calls.find(c => c.release === release && c.phase === phase);
      expect({ release, phase, found: !!call }).toEqual({
        release,
        phase,
        found: true,
      });
      return Date.parse(call.ts);
    };
    const releaseOf = (id: string) =>
      plan().addons.find(a => a.id === id)!.release!;
    const gatewayReady = at(releaseOf('envoy-gateway'), 'end');
    for (const id of ROUTED) {
      expect({
        id,
        startsAfterGateway: at(releaseOf(id), 'start') >= gatewayReady,
      }).toEqual({ id, startsAfterGateway: true });
    }
  }, 180_000);
});
