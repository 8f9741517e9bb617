/*
 * The "machines" an e2e cluster order runs against: SSH rig nodes (real sshd, kubeadm/apt/…
 * stand-ins plus the helm stand-in that installs into the Kubernetes API stand-in), the API
 * stand-in as the cluster's load balancer at host .200 of the node network, :6443 (API endpoint
 * type `lb`), and the
 * controllers the API stand-in lacks (kubelet registration, ServiceAccount tokens, workload
 * readiness, MetalLB addresses).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createKubeadmNamespaces,
  KubeApiStandIn,
  SshNodeRig,
  startKubeApiStandIn,
  startNodeControllers,
  startSshNodes,
  startWorkloadControllers,
} from '@internal/kpaas-testkit';

// eslint-disable-next-line no-restricted-syntax
const standinsRoot = path.resolve(__dirname, '../../testkit/standins');

export interface ClusterRigNode {
  name: string;
  role: 'control-plane' | 'worker';
  address: string;
  port: number;
  hostKeyFingerprint: string;
}

/** The running machines of one cluster order plus the network plan that fits them. */
export interface ClusterRig {
  rig: SshNodeRig;
  api: KubeApiStandIn;
  nodes: ClusterRigNode[];
  /** `127.a.b.0/24`, the rig's address block */
  nodeCidr: string;
  /** The API stand-in's address (endpoint type lb), port 6443 */
  apiAddress: string;
  metallbRange: string;
  ingressIp: string;
  /** Every helm call recorded on a node (the helm stand-in's log). */
  helmCalls(node: string): Promise<HelmCall[]>;
  stop(): Promise<void>;
}

export interface HelmCall {
  ts: string;
  args: string[];
  phase?: 'start' | 'end';
  release?: string;
  chart?: string;
  version?: string;
  exit?: number;
}

/**
 * What each chart creates in the API stand-in: what the real chart would, reduced to what
 * kpaas:addons judges readiness on (values/addons.yaml `readiness`).
 */
const CHART_FIXTURE = {
  metallb: {
    crds: [
      {
        name: 'ipaddresspools.metallb.io',
        kind: 'IPAddressPool',
        version: 'v1beta1',
      },
      {
        name: 'l2advertisements.metallb.io',
        kind: 'L2Advertisement',
        version: 'v1beta1',
      },
    ],
    workloads: [
      { kind: 'Deployment', name: 'metallb-controller' },
      { kind: 'DaemonSet', name: 'metallb-speaker' },
    ],
  },
  'ingress-nginx': {
    workloads: [{ kind: 'Deployment', name: 'ingress-nginx-controller' }],
    services: [
      { name: 'ingress-nginx-controller', type: 'LoadBalancer', port: 80 },
    ],
  },
  'kube-prometheus-stack': {
    workloads: [
      { kind: 'Deployment', name: 'kube-prometheus-stack-operator' },
      { kind: 'Deployment', name: 'kube-prometheus-stack-grafana' },
      {
        kind: 'StatefulSet',
        name: 'prometheus-kube-prometheus-stack-prometheus',
      },
      {
        kind: 'StatefulSet',
        name: 'alertmanager-kube-prometheus-stack-alertmanager',
      },
    ],
    services: [
      { name: 'kube-prometheus-stack-grafana', type: 'ClusterIP', port: 80 },
    ],
  },
};

/**
 * One stand-ins dir with the recording stand-ins of standins/bin and the helm stand-in that
 * installs into the API stand-in (the rig takes a single dir). Wrappers, not symlinks: the
 * stand-ins find their helpers relative to their own path.
 */
function combinedStandinsDir(base: string): string {
  const dir = path.join(base, 'standins');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const targets = new Map<string, string>();
  for (const name of fs.readdirSync(path.join(standinsRoot, 'bin'))) {
    targets.set(name, path.join(standinsRoot, 'bin', name));
  }
  targets.set('helm', path.join(standinsRoot, 'helm', 'bin', 'helm'));
  for (const [name, target] of targets) {
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\nexec ${target} "$@"\n`,
      {
        mode: 0o755,
      },
    );
  }
  return dir;
}

export async function startClusterRig(
  clusterName: string,
): Promise<ClusterRig> {
  const base = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-rig-'),
  );
  const adminConfPath = path.join(base, 'standin-admin.conf');
  const chartsPath = path.join(base, 'charts.json');
  fs.writeFileSync(chartsPath, JSON.stringify(CHART_FIXTURE));
  const roles: Array<{ name: string; role: 'control-plane' | 'worker' }> = [
    { name: `${clusterName}-cp-1`, role: 'control-plane' },
    { name: `${clusterName}-worker-1`, role: 'worker' },
    { name: `${clusterName}-worker-2`, role: 'worker' },
  ];
  const rig = await startSshNodes({
    nodes: roles.map(n => ({ name: n.name })),
    standinsDir: combinedStandinsDir(base),
    env: {
      // kubeadm init/join copy this kubeconfig of the API stand-in to /etc/kubernetes/admin.conf
      KPAAS_STANDIN_ADMIN_CONF: adminConfPath,
      KPAAS_HELM_CHARTS: chartsPath,
      KPAAS_STANDIN_KUBEADM_JOIN_SECONDS: '0.3',
    },
  });
  let api: KubeApiStandIn | undefined;
  const stops: Array<() => void> = [];
  try {
    const cp = rig.node(roles[0].name).host;
    const prefix = cp.split('.').slice(0, 3).join('.');
    // API endpoint type lb: "your load balancer" at host .200 of the node network, :6443
    const apiAddress = `${prefix}.200`;
    api = await startKubeApiStandIn({ host: apiAddress, port: 6443 });
    createKubeadmNamespaces(api);
    await api.writeKubeconfig(adminConfPath);
    const ingressIp = `${prefix}.201`;
    stops.push(startNodeControllers({ rig, api, nodes: roles }));
    stops.push(
      startWorkloadControllers(api, {
        loadBalancerAddress: ingressIp,
        readyAfterMs: 300,
      }),
    );
    const nodes = roles.map(n => {
      const info = rig.node(n.name);
      return {
        ...n,
        address: info.host,
        port: info.port,
        hostKeyFingerprint: info.hostKeyFingerprint,
      };
    });
    const runningApi = api;
    return {
      rig,
      api,
      nodes,
      nodeCidr: `${prefix}.0/24`,
      apiAddress,
      metallbRange: `${prefix}.210-${prefix}.250`,
      ingressIp,
      async helmCalls(node: string) {
        const text = await rig
          .readNodeFile(node, '/var/log/kpaas-standins/calls.jsonl')
          .catch(() => '');
        return String(text)
          .split('\n')
          .filter(Boolean)
          .map(l => JSON.parse(l))
          .filter(c => c.cmd === 'helm');
      },
      async stop() {
        stops.forEach(s => s());
        await runningApi.close().catch(() => undefined);
        await rig.stop();
        fs.rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    stops.forEach(s => s());
    await api?.close().catch(() => undefined);
    await rig.stop();
    fs.rmSync(base, { recursive: true, force: true });
    throw error;
  }
}
