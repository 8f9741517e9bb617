import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  DerivedEndpoints,
  InventoryNode,
} from '@internal/plugin-kpaas-common';
import yaml from 'yaml';
import { apiServerOidcExtraArgs } from './apiServerOidc';

/** Pinned chart versions of the CNIs (kubeadm installer). */
export const CNI_CHART_VERSIONS = {
  calico: 'v3.29.1',
  flannel: 'v0.26.2',
} as const;

/** kube-apiserver's port on every control plane (InitConfiguration localAPIEndpoint.bindPort). */
export const API_SERVER_BIND_PORT = 6443;

/** Helm used on the first control plane to install the CNI. */
export const HELM_VERSION = 'v3.16.3';

/** Minimums checked in preflight (kubeadm's own: 2 CPUs and 1700 MiB on control planes). */
export const ROLE_MINIMUMS: Record<
  InventoryNode['role'],
  { cpus: number; memoryMiB: number }
> = {
  'control-plane': { cpus: 2, memoryMiB: 1700 },
  worker: { cpus: 1, memoryMiB: 1000 },
  lb: { cpus: 1, memoryMiB: 400 },
};

/**
 * Checks the inventory before anything connects: unique names and address:port pairs, an odd
 * number of control planes (1, 3 or 5), and agreement with the spec's counts.
 */
export function checkInventory(
  inventory: InventoryNode[],
  spec: ClusterSpec,
): void {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  inventory.forEach((n, i) => {
    const sameName = names.get(n.name);
    if (sameName !== undefined) {
      problems.push(
        `inventory[${i}].name: "${n.name}" is also inventory[${sameName}].name; every node needs its own name`,
      );
    } else names.set(n.name, i);
    const key = `${n.address}:${n.port}`;
    const sameAddress = addresses.get(key);
    if (sameAddress !== undefined) {
      problems.push(
        `inventory[${i}].address: ${key} is also the address of inventory[${sameAddress}] (${inventory[sameAddress].name}); remove the duplicate or fix the address`,
      );
    } else addresses.set(key, i);
  });
  const cps = inventory.filter(n => n.role === 'control-plane').length;
  const workers = inventory.filter(n => n.role === 'worker').length;
  const lbs = inventory.filter(n => n.role === 'lb').length;
  if (cps === 0 || cps % 2 === 0 || cps > 5) {
    problems.push(
      `inventory: ${cps} control-plane node(s); etcd needs 1, 3 or 5 (an even count tolerates no more failures than one less)`,
    );
  }
  if (cps !== spec.spec.controlPlane.count) {
    problems.push(
      `inventory: ${cps} control-plane node(s) but spec.controlPlane.count is ${spec.spec.controlPlane.count}; make them agree`,
    );
  }
  if (workers !== spec.spec.workers.count) {
    problems.push(
      `inventory: ${workers} worker node(s) but spec.workers.count is ${spec.spec.workers.count}; make them agree`,
    );
  }
  if (lbs > 2) {
    problems.push(
      `inventory: ${lbs} lb nodes; keepalived runs as a pair, keep at most 2`,
    );
  }
  if (problems.length) {
    throw new InputError(
      `inventory has ${problems.length} problem(s):\n${problems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
  }
}

/** The kubeadm config for `kubeadm init` (InitConfiguration + ClusterConfiguration, v1beta4). */
export function kubeadmInitConfig(
  spec: ClusterSpec,
  endpoints: DerivedEndpoints,
  firstCp: InventoryNode,
): string {
  const criSocket =
    spec.spec.kubernetes.containerRuntime === 'cri-o'
      ? 'unix:///var/run/crio/crio.sock'
      : 'unix:///run/containerd/containerd.sock';
  const advertise = firstCp.privateAddress ?? firstCp.address;
  const oidcArgs = apiServerOidcExtraArgs(spec);
  const init = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'InitConfiguration',
    localAPIEndpoint: {
      advertiseAddress: advertise,
      bindPort: API_SERVER_BIND_PORT,
    },
    nodeRegistration: { name: firstCp.name, criSocket },
  };
  const cluster = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    clusterName: spec.metadata.name,
    kubernetesVersion: spec.spec.kubernetes.version,
    controlPlaneEndpoint: `${endpoints.apiServerHost}:${endpoints.apiServerPort}`,
    networking: {
      podSubnet: spec.spec.network.podCidr,
      serviceSubnet: spec.spec.network.serviceCidr,
    },
    apiServer: {
      certSANs: [endpoints.apiServerHost, endpoints.apiVip].filter(
        (x, i, a): x is string => !!x && a.indexOf(x) === i,
      ),
      // OIDC sign-in (spec.access, see ./apiServerOidc.ts); absent when OIDC is off
      ...(oidcArgs.length ? { extraArgs: oidcArgs } : {}),
    },
  };
  const kubelet = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
  };
  return [init, cluster, kubelet].map(d => yaml.stringify(d)).join('---\n');
}

/** Parses `key=value` lines (preflight and credential output). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Preflight verdict of one node: failures (block) and warnings (logged). */
export function judgePreflight(
  node: InventoryNode,
  facts: Record<string, string>,
): { failures: string[]; warnings: string[] } {
  const failures: string[] = [];
  const warnings: string[] = [];
  const min = ROLE_MINIMUMS[node.role];
  if (!['ubuntu', 'debian'].includes(facts.os)) {
    failures.push(`OS "${facts.os ?? '?'}" is not Ubuntu or Debian`);
  }
  if (!['amd64', 'arm64'].includes(facts.arch)) {
    failures.push(`architecture "${facts.arch ?? '?'}" is not amd64 or arm64`);
  }
  if (Number(facts.cpus) < min.cpus) {
    failures.push(
      `${facts.cpus} CPU(s), a ${node.role} needs at least ${min.cpus}`,
    );
  }
  if (Number(facts.memory_mib) < min.memoryMiB) {
    failures.push(
      `${facts.memory_mib} MiB memory, a ${node.role} needs at least ${min.memoryMiB} MiB`,
    );
  }
  if (facts.ports_busy) {
    failures.push(
      `port(s) ${facts.ports_busy} already in use (needed by Kubernetes); stop what listens there`,
    );
  }
  if (facts.time_synced === 'no') {
    failures.push(
      'clock is not synchronised (enable systemd-timesyncd or chrony)',
    );
  } else if (facts.time_synced !== 'yes') {
    warnings.push('clock synchronisation could not be checked');
  }
  if (Number(facts.swap_kib) > 0 && node.role !== 'lb') {
    warnings.push('swap is on; node preparation turns it off');
  }
  return { failures, warnings };
}
