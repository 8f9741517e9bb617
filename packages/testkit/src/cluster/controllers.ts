/*
 * Controllers the Kubernetes API stand-in lacks, for tests that build a "cluster" on the SSH node
 * rig with the kubeadm stand-in (tests and benchmarks only):
 *  - kubelet registration: when a node's /etc/kubernetes/kubelet.conf appears (kubeadm init/join
 *    finished on that node), its Node object is created Ready, as its kubelet would; the Node
 *    reports the kubelet version the node runs, and a new one after an upgrade and restart;
 *  - ServiceAccount token controller: fills kubernetes.io/service-account-token Secrets in
 *    kube-system and makes each token a read-only identity of the API stand-in;
 *  - workload controllers (opt-in): Deployments/StatefulSets/DaemonSets become ready a while
 *    after they appear (optionally with their pods), LoadBalancer Services get an address once a
 *    MetalLB pool exists.
 */
import { DEFAULT_KUBERNETES_VERSION } from '@internal/plugin-kpaas-common';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { buildNode, ContainerRuntime } from '../fixtures';
import { KubeApiStandIn, KubeObject } from '../kube';
import { SshNodeRig } from '../ssh';
import { workloadPodController } from './workloadPods';

/** A rig node that joins Kubernetes (lb machines never do). */
export interface ClusterNodeRole {
  name: string;
  role: 'control-plane' | 'worker' | 'lb';
}

/** The namespaces a fresh kubeadm cluster has before any node registers. */
export function createKubeadmNamespaces(api: KubeApiStandIn): void {
  for (const name of [
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
  ]) {
    if (!api.store.get({ apiVersion: 'v1', kind: 'Namespace', name } as any)) {
      api.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      } as any);
    }
  }
}

export interface NodeControllerOptions {
  rig: SshNodeRig;
  api: KubeApiStandIn;
  nodes: ClusterNodeRole[];
  /**
   * Reported by the registered Nodes (default: the kubelet package node prep installed on the
   * node, as a real kubelet would report, else DEFAULT_KUBERNETES_VERSION).
   */
  kubeletVersion?: string;
  /** Default containerd. */
  containerRuntime?: ContainerRuntime;
  /** Poll interval (default 100 ms). */
  intervalMs?: number;
}

/**
 * Starts kubelet registration and the ServiceAccount token controller; returns their stop
 * function.
 */
/**
 * The version a rig node's kubelet runs: the package the systemctl stand-in last (re)started
 * (<state>/kubelet-running), else the package the apt-get stand-in installed (v1.33.5 for
 * 1.33.5-1.1), else kpaas's default. An upgraded package is reported only after the restart.
 */
function runningKubelet(rig: SshNodeRig, node: string): string {
  for (const f of ['kubelet-running', 'dpkg/kubelet']) {
    const file = rig.nodeFilePath(node, `/var/lib/kpaas-standins/${f}`);
    const version = file ? fs.readFileSync(file, 'utf8').trim() : '';
    if (version) return `v${version.split('-')[0]}`;
  }
  return DEFAULT_KUBERNETES_VERSION;
}

export function startNodeControllers(
  options: NodeControllerOptions,
): () => void {
  const { rig, api } = options;
  const roleOf = new Map(options.nodes.map(n => [n.name, n.role]));
  const k8sNodes = options.nodes.filter(n => n.role !== 'lb');
  let index = 0;
  const tick = () => {
    for (const n of k8sNodes) {
      if (!rig.isRunning(n.name)) continue;
      if (!rig.nodeFilePath(n.name, '/etc/kubernetes/kubelet.conf')) continue;
      const existing = api.store.get({
        apiVersion: 'v1',
        kind: 'Node',
        name: n.name,
      } as any) as any;
      if (existing) {
        // a restarted kubelet of another version reports it (kubeadm upgrade, node by node)
        const running = options.kubeletVersion ?? runningKubelet(rig, n.name);
        if (existing.status?.nodeInfo?.kubeletVersion !== running) {
          api.store.update(
            {
              ...existing,
              status: {
                ...existing.status,
                nodeInfo: {
                  ...existing.status?.nodeInfo,
                  kubeletVersion: running,
                  kubeProxyVersion: running,
                },
              },
            },
            { scope: 'status' } as any,
          );
        }
        continue;
      }
      api.store.create(
        buildNode({
          name: n.name,
          role: roleOf.get(n.name) as 'control-plane' | 'worker',
          internalIP: rig.node(n.name).host,
          index: index++,
          created: new Date().toISOString(),
          kubeletVersion: options.kubeletVersion ?? runningKubelet(rig, n.name),
          containerRuntime: options.containerRuntime ?? 'containerd',
          ready: true,
        }),
      );
    }
    for (const s of api.store.list({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'kube-system',
    } as any)) {
      const sec = s as any;
      if (sec.type !== 'kubernetes.io/service-account-token' || sec.data?.token)
        continue;
      const token = randomBytes(24).toString('hex');
      const sa =
        sec.metadata.annotations?.['kubernetes.io/service-account.name'];
      api.addToken(token, {
        user: `system:serviceaccount:kube-system:${sa}`,
        readOnly: true,
      });
      api.store.update({
        ...sec,
        data: {
          ...(sec.data ?? {}),
          token: Buffer.from(token).toString('base64'),
        },
      });
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, options.intervalMs ?? 100);
  return () => clearInterval(timer);
}

export interface WorkloadControllerOptions {
  /**
   * Workloads become ready this long after they first appear (default 500 ms); a function
   * gives each workload its own delay (e.g. by its `app.kubernetes.io/instance` release).
   */
  readyAfterMs?: number | ((workload: KubeObject) => number);
  /**
   * Also run the pods each workload implies (workloadPods.ts): Running, Ready with their
   * workload, gone with it. Default false.
   */
  pods?: boolean;
  /** Workload names that never become ready. */
  broken?: Set<string>;
  /** Address given to LoadBalancer Services once a MetalLB IPAddressPool exists. */
  loadBalancerAddress: string;
  /** Poll interval (default 50 ms). */
  intervalMs?: number;
}

/**
 * Plays the controllers behind add-on readiness: Deployments, StatefulSets and DaemonSets turn
 * ready `readyAfterMs` after they appear; LoadBalancer Services get `loadBalancerAddress` once
 * MetalLB's IPAddressPool exists (as MetalLB would assign it). Returns the stop function.
 */
export function startWorkloadControllers(
  api: KubeApiStandIn,
  options: WorkloadControllerOptions,
): () => void {
  const delay = options.readyAfterMs ?? 500;
  const readyAfterMs = (o: KubeObject) =>
    typeof delay === 'function' ? delay(o) : delay;
  const broken = options.broken ?? new Set<string>();
  const syncPods = options.pods ? workloadPodController(api) : undefined;
  const seen = new Map<string, number>();
  const tick = () => {
    const now = Date.now();
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
      for (const obj of api.store.list({
        apiVersion: 'apps/v1',
        kind,
      } as any)) {
        const o = obj as any;
        const ns = o.metadata.namespace;
        const name = o.metadata.name;
        const key = `${kind}/${ns}/${name}/${o.metadata.uid}`;
        if (!seen.has(key)) seen.set(key, now);
        const s = o.status ?? {};
        const ready =
          kind === 'DaemonSet'
            ? s.numberReady > 0
            : (s.readyReplicas ?? 0) >= (o.spec?.replicas ?? 1);
        if (ready || broken.has(name) || now - seen.get(key)! < readyAfterMs(o))
          continue;
        if (kind === 'Deployment') api.setDeploymentReady(ns, name, true);
        if (kind === 'StatefulSet') api.setStatefulSetReady(ns, name, true);
        if (kind === 'DaemonSet') api.setDaemonSetReady(ns, name, true);
      }
    }
    syncPods?.();
    let pools: unknown[] = [];
    try {
      pools = api.store.list({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
      } as any);
    } catch {
      // the CRD is not installed yet
    }
    if (pools.length === 0) return;
    for (const svc of api.store.list({
      apiVersion: 'v1',
      kind: 'Service',
    } as any)) {
      const s = svc as any;
      if (s.spec?.type !== 'LoadBalancer' || s.status?.loadBalancer?.ingress)
        continue;
      api.store.update(
        {
          ...s,
          status: {
            loadBalancer: { ingress: [{ ip: options.loadBalancerAddress }] },
          },
        },
        { scope: 'all' } as any,
      );
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, options.intervalMs ?? 50);
  return () => clearInterval(timer);
}
