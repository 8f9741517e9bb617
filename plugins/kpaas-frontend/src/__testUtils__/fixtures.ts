// Status fixtures shaped like kpaas-backend's answers, for component tests and the bench.
import type {
  AddonStatus,
  ClusterStatus,
  NodeStatus,
  PlatformLinkStatus,
  TimelineEntry,
} from '@internal/plugin-kpaas-common';

export const CHECKED_AT = '2026-03-01T12:00:00.000Z';

export function buildNode(
  name: string,
  overrides: Partial<NodeStatus> = {},
): NodeStatus {
  const ready = overrides.ready ?? true;
  return {
    name,
    roles: ['worker'],
    ready,
    status: ready ? 'Ready' : 'NotReady',
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'KubeletReady' : 'KubeletNotReady',
        message: ready
          ? 'kubelet is posting ready status'
          : 'container runtime network not ready: NetworkReady=false',
        since: '2026-02-28T10:00:00Z',
      },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
    ],
    unschedulable: false,
    taints: [],
    kubeletVersion: 'v1.33.5',
    kubeProxyVersion: 'v1.33.5',
    containerRuntime: 'containerd://1.7.27',
    osImage: 'Ubuntu 24.04.2 LTS',
    kernelVersion: '6.8.0-60-generic',
    architecture: 'amd64',
    internalIp: '10.0.0.10',
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
    allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
    createdAt: '2026-02-20T12:00:00Z',
    ...overrides,
  };
}

/** `count` nodes: 3 control planes, the rest workers, with varied sizes and ages. */
export function generateNodes(count: number): NodeStatus[] {
  return Array.from({ length: count }, (_, i) => {
    const controlPlane = i < 3;
    const name = controlPlane ? `cp-${i + 1}` : `worker-${String(i - 2).padStart(4, '0')}`;
    return buildNode(name, {
      roles: controlPlane ? ['control-plane'] : ['worker'],
      internalIp: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      capacity: { cpu: `${4 + (i % 4) * 4}`, memory: `${16 + (i % 4) * 16}Gi`, pods: '110' },
      allocatable: {
        cpu: `${(4 + (i % 4) * 4) * 1000 - 200}m`,
        memory: `${15 + (i % 4) * 16}Gi`,
        pods: '110',
      },
      createdAt: new Date(Date.parse(CHECKED_AT) - (i + 1) * 3600_000).toISOString(),
    });
  });
}

const addons: AddonStatus[] = [
  {
    id: 'metallb',
    title: 'MetalLB',
    namespace: 'metallb-system',
    declaredVersion: '0.15.2',
    runningVersion: '0.15.2',
    workloads: { ready: 2, total: 2 },
    state: 'Healthy',
  },
  {
    id: 'grafana',
    title: 'Grafana',
    namespace: 'monitoring',
    declaredVersion: '9.2.10',
    runningVersion: '9.2.10',
    workloads: { ready: 1, total: 1 },
    state: 'Healthy',
    uiUrl: 'https://grafana.demo.example.com',
  },
  {
    id: 'argo-cd',
    title: 'Argo CD',
    namespace: 'argocd',
    declaredVersion: '8.3.0',
    runningVersion: '8.2.7',
    workloads: { ready: 6, total: 7 },
    state: 'Progressing',
    reason: 'argocd-repo-server 0/1 ready',
    uiUrl: 'https://argocd.demo.example.com',
  },
];

const links: PlatformLinkStatus[] = [
  {
    title: 'Grafana',
    url: 'https://grafana.demo.example.com',
    addonId: 'grafana',
    probe: { ok: true, httpStatus: 200, latencyMs: 35, tlsExpiresInDays: 60, checkedAt: CHECKED_AT },
  },
  {
    title: 'Argo CD',
    url: 'https://argocd.demo.example.com',
    addonId: 'argo-cd',
    probe: { ok: true, httpStatus: 200, latencyMs: 80, tlsExpiresInDays: 5, checkedAt: CHECKED_AT },
  },
];

export function healthyStatus(overrides: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    name: 'demo',
    state: 'Healthy',
    checkedAt: CHECKED_AT,
    api: { reachable: true, version: 'v1.33.5', latencyMs: 12, checks: [] },
    controlPlane: {
      ready: 3,
      total: 3,
      etcd: { healthyMembers: 3, members: 3, quorum: true },
      staticPods: [],
    },
    nodes: [
      buildNode('cp-1', { roles: ['control-plane'], internalIp: '10.0.0.11' }),
      buildNode('cp-2', { roles: ['control-plane'], internalIp: '10.0.0.12' }),
      buildNode('cp-3', { roles: ['control-plane'], internalIp: '10.0.0.13' }),
      buildNode('worker-1', { internalIp: '10.0.0.21', allocatable: { cpu: '7800m', memory: '31Gi' }, capacity: { cpu: '8', memory: '32Gi' } }),
      buildNode('worker-2', { internalIp: '10.0.0.22' }),
    ],
    addons: addons.map(a => ({ ...a, state: 'Healthy', reason: undefined, runningVersion: a.declaredVersion, workloads: { ready: a.workloads.total, total: a.workloads.total } })),
    links,
    bom: {
      kubernetes: 'v1.33.5',
      containerRuntimes: ['containerd://1.7.27'],
      kernels: ['6.8.0-60-generic'],
      osImages: ['Ubuntu 24.04.2 LTS'],
      cni: 'calico v3.30.2',
      addons: addons.map(a => ({ id: a.id, chart: a.id, version: a.declaredVersion })),
    },
    ...overrides,
  };
}

export function degradedStatus(): ClusterStatus {
  const base = healthyStatus();
  return {
    ...base,
    state: 'Degraded',
    reason: '1 of 5 nodes NotReady (worker-2); argo-cd Progressing',
    nodes: base.nodes.map(n =>
      n.name === 'worker-2'
        ? buildNode('worker-2', { ready: false, internalIp: '10.0.0.22' })
        : n,
    ),
    addons,
  };
}

export function unreachableStatus(): ClusterStatus {
  const base = healthyStatus();
  return {
    ...base,
    state: 'Unreachable',
    reason: 'connect ECONNREFUSED 10.0.0.5:6443',
    api: { reachable: false, checks: [], error: 'connect ECONNREFUSED 10.0.0.5:6443' },
    links: base.links.map(l => ({
      ...l,
      probe: { ok: false, error: 'ETIMEDOUT', checkedAt: CHECKED_AT },
    })),
  };
}

export function provisioningStatus(): ClusterStatus {
  const base = healthyStatus();
  return {
    ...base,
    state: 'Provisioning',
    reason: 'add-ons step running',
    addons: [],
    links: [],
  };
}

export const timeline: TimelineEntry[] = [
  {
    id: 3,
    cluster: 'demo',
    phase: 'addons',
    step: 'install:metallb',
    status: 'running',
    startedAt: '2026-03-01T11:58:00Z',
    summary: 'helm upgrade --install metallb 0.15.2',
    taskId: 'task-123',
  },
  {
    id: 1,
    cluster: 'demo',
    phase: 'provision',
    step: 'apply',
    status: 'succeeded',
    startedAt: '2026-03-01T11:40:00Z',
    finishedAt: '2026-03-01T11:44:30Z',
    summary: '5 VMs created',
    taskId: 'task-123',
  },
  {
    id: 2,
    cluster: 'demo',
    phase: 'bootstrap',
    step: 'kubeadm init',
    status: 'succeeded',
    startedAt: '2026-03-01T11:45:00Z',
    finishedAt: '2026-03-01T11:52:00Z',
    summary: 'control plane up on cp-1',
    taskId: 'task-123',
  },
];
