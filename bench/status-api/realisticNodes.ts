/*
 * Makes the HA fixture's nodes look like a real fleet's: node pools with their own instance
 * types, zones, kernels and images; per-node labels (rack, NFD CPU model, config hash),
 * annotations (CSI node id), addresses (ExternalIP, InternalDNS), creation times spread over
 * months, condition timestamps of their own, a few custom taints, and the image list a kubelet
 * reports (digests and sizes). Seeded, so a run is repeatable. Real node lists do not compress
 * 90:1 like identical generated nodes do; the bench prints the ratio it got.
 */
import type { KubeObject } from '@internal/kpaas-testkit';
import { createHash } from 'node:crypto';

/** Small seeded PRNG (mulberry32). */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    hex: (n: number) =>
      createHash('sha256').update(String(next())).digest('hex').slice(0, n),
  };
}
export type Rng = ReturnType<typeof seeded>;

const POOLS = [
  { pool: 'general', type: 'm2a.2xlarge', cpu: '8', memGi: 32, role: 'worker' },
  {
    pool: 'compute',
    type: 'c2a.4xlarge',
    cpu: '16',
    memGi: 32,
    role: 'worker',
  },
  {
    pool: 'memory',
    type: 'r2a.4xlarge',
    cpu: '16',
    memGi: 128,
    role: 'worker',
  },
  { pool: 'ingress', type: 'm2a.xlarge', cpu: '4', memGi: 16, role: 'ingress' },
  { pool: 'gpu', type: 'g2a.8xlarge', cpu: '32', memGi: 256, role: 'gpu' },
] as const;
const ZONES = ['kr-central-2-a', 'kr-central-2-b', 'kr-central-2-c'];
const KERNELS = ['6.8.0-52-generic', '6.8.0-51-generic', '6.8.0-49-generic'];
const OS_IMAGES = ['Ubuntu 24.04.2 LTS', 'Ubuntu 24.04.1 LTS'];
const CPU_MODELS = ['85', '106', '143', '17', '49'];
const IMAGE_REPOS = [
  'registry.k8s.io/kube-proxy',
  'quay.io/calico/node',
  'quay.io/calico/cni',
  'quay.io/prometheus/node-exporter',
  'registry.k8s.io/pause',
  'docker.io/grafana/promtail',
  'ghcr.io/fluxcd/source-controller',
  'docker.io/library/nginx',
  'quay.io/jetstack/cert-manager-controller',
  'registry.k8s.io/ingress-nginx/controller',
  'docker.io/bitnami/redis',
  'docker.io/bitnami/postgresql',
  'quay.io/argoproj/argocd',
  'ghcr.io/kpaas/sample-api',
  'ghcr.io/kpaas/sample-web',
  'docker.io/library/busybox',
  'registry.k8s.io/coredns/coredns',
  'quay.io/cilium/hubble-relay',
  'docker.io/istio/proxyv2',
  'harbor.k-paas.io/apps/billing',
  'harbor.k-paas.io/apps/orders',
  'harbor.k-paas.io/apps/search',
];

const iso = (ms: number) =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The images a kubelet lists in `status.images` (one entry per pulled image). */
function imagesFor(rng: Rng) {
  const count = rng.int(12, 30);
  const images = [];
  for (let i = 0; i < count; i++) {
    const repo = rng.pick(IMAGE_REPOS);
    const tag = `v${rng.int(1, 4)}.${rng.int(0, 30)}.${rng.int(0, 12)}`;
    images.push({
      names: [`${repo}@sha256:${rng.hex(64)}`, `${repo}:${tag}`],
      sizeBytes: rng.int(700_000, 900_000_000),
    });
  }
  return images;
}

/**
 * The fixture with every Node replaced by a varied copy (other objects are shared, so one
 * generated fixture serves several clusters, each varied by its own seed).
 */
export function varyNodes(objects: KubeObject[], seed: number): KubeObject[] {
  const rng = seeded(seed);
  const now = Date.now();
  return objects.map(obj => {
    if (obj.kind !== 'Node') return obj;
    const node = structuredClone(obj) as any;
    const labels = node.metadata.labels as Record<string, string>;
    const controlPlane = 'node-role.kubernetes.io/control-plane' in labels;
    const pool = controlPlane
      ? {
          pool: 'control-plane',
          type: 'm2a.xlarge',
          cpu: '4',
          memGi: 16,
          role: '',
        }
      : rng.pick(POOLS);
    const zone = rng.pick(ZONES);
    Object.assign(labels, {
      'topology.kubernetes.io/region': 'kr-central-2',
      'topology.kubernetes.io/zone': zone,
      'node.kubernetes.io/instance-type': pool.type,
      'kpaas.io/node-pool': pool.pool,
      'kpaas.io/rack': `r${rng.int(1, 48)}-u${rng.int(1, 42)}`,
      'kpaas.io/config-hash': rng.hex(10),
      'feature.node.kubernetes.io/cpu-model.id': rng.pick(CPU_MODELS),
      'feature.node.kubernetes.io/kernel-version.full': rng.pick(KERNELS),
    });
    if (pool.role && pool.role !== 'worker')
      labels[`node-role.kubernetes.io/${pool.role}`] = '';
    const instanceId = `i-${rng.hex(17)}`;
    Object.assign(node.metadata.annotations, {
      'csi.volume.kubernetes.io/nodeid': JSON.stringify({
        'cinder.csi.openstack.org': instanceId,
      }),
      'kpaas.io/last-applied-config': rng.hex(40),
    });
    // Created over the last 200 days (scale-outs, replacements).
    const created = now - rng.int(1, 200) * 86_400_000 - rng.int(0, 86_400_000);
    node.metadata.creationTimestamp = iso(created);
    if (pool.pool === 'gpu') {
      node.spec.taints = [
        ...(node.spec.taints ?? []),
        { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      ];
    }
    const memKi = pool.memGi * 1024 * 1024;
    Object.assign(node.status.capacity, {
      cpu: pool.cpu,
      memory: `${memKi}Ki`,
    });
    Object.assign(node.status.allocatable, {
      cpu: `${Number(pool.cpu) * 1000 - rng.pick([100, 200, 250])}m`,
      memory: `${memKi - rng.int(400_000, 1_200_000)}Ki`,
    });
    const internal = node.status.addresses.find(
      (a: any) => a.type === 'InternalIP',
    ).address as string;
    node.status.addresses = [
      { type: 'InternalIP', address: internal },
      {
        type: 'ExternalIP',
        address: `${rng.int(61, 223)}.${rng.int(0, 255)}.${rng.int(
          0,
          255,
        )}.${rng.int(1, 254)}`,
      },
      {
        type: 'InternalDNS',
        address: `host-${internal.replace(/\./g, '-')}.${zone}.internal`,
      },
      { type: 'Hostname', address: node.metadata.name },
    ];
    node.status.nodeInfo.kernelVersion = rng.pick(KERNELS);
    node.status.nodeInfo.osImage = rng.pick(OS_IMAGES);
    // Each condition changed at its own time since creation; heartbeats are recent.
    for (const c of node.status.conditions) {
      c.lastTransitionTime = iso(created + rng.next() * (now - created));
      c.lastHeartbeatTime = iso(now - rng.int(0, 300_000));
    }
    node.status.images = imagesFor(rng);
    return node as KubeObject;
  });
}

/** What a kubelet's status update changes: the heartbeats of the node's conditions. */
export function heartbeat(node: KubeObject, now = Date.now()) {
  const conditions = ((node as any).status?.conditions ?? []).map((c: any) => ({
    ...c,
    lastHeartbeatTime: iso(now),
  }));
  return { status: { conditions } };
}
