import { NodeRole } from '../inventory';
import { lookupKakaoFlavor } from './flavors';
import { cidrHost } from './network';
import {
  ApiEndpointType,
  ClusterSpec,
  ClusterTarget,
  ControlPlaneSettings,
  MachineSize,
} from './schema';

/**
 * Fixed private addresses planned for targets where kpaas chooses them (kakao-cloud, vagrant), as
 * host offsets in `spec.network.nodeCidr`. The scheme extends K-PaaS Lite's (.101-.102 masters,
 * .111-.112 workers, .121-.122 lbs, VIP .200, ingress .201, MetalLB .210-.250) to larger clusters:
 *
 * - control-plane n (1-5)  → .100+n  (.101-.105)
 * - worker n (1-9)         → .110+n  (.111-.119)
 * - worker n (10-100)      → .121+n  (.131-.221), i.e. after the lb block
 * - lb n (1-2)             → .120+n  (.121-.122)
 * - API VIP (type vip)     → .200 unless controlPlane.endpoint.address is set
 *
 * Large worker counts in a /24 therefore run into the VIP and MetalLB defaults; validation
 * reports that (node-address-plan / metallb-range rules) rather than moving addresses silently.
 * Multipass addresses come from its DHCP server and `existing` hosts bring their own.
 * @public
 */
export const NODE_ADDRESS_PLAN = {
  controlPlaneBase: 100,
  workerBase: 110,
  workerOverflowBase: 121,
  workersBeforeOverflow: 9,
  lbBase: 120,
  apiVipHost: 200,
  /** Used by defaultClusterSpec only. */
  ingressHost: 201,
  /** Used by defaultClusterSpec only. */
  metallbFirstHost: 210,
  /** Used by defaultClusterSpec only. */
  metallbLastHost: 250,
} as const;

/** Host offset of the n-th (1-based) machine of a role in the node network. @public */
export function plannedHostOffset(role: NodeRole, n: number): number {
  const p = NODE_ADDRESS_PLAN;
  switch (role) {
    case 'control-plane':
      return p.controlPlaneBase + n;
    case 'lb':
      return p.lbBase + n;
    default:
      return n <= p.workersBeforeOverflow
        ? p.workerBase + n
        : p.workerOverflowBase + n;
  }
}

/** True for targets whose machine addresses kpaas plans (and Terraform/Vagrant then pin). @public */
export function targetHasPlannedAddresses(target: ClusterTarget): boolean {
  return target.type === 'kakao-cloud' || target.type === 'vagrant';
}

/** One machine of the cluster as planned from the spec. @public */
export interface PlannedNode {
  name: string;
  role: NodeRole;
  /**
   * Address kpaas will connect to: the planned private IP, the host's own address for
   * `existing`, or undefined until Multipass's DHCP assigns one (or the plan does not fit
   * the node network).
   */
  address?: string;
  port: number;
  user?: string;
  hostKeyFingerprint?: string;
  /** planned: chosen by kpaas; spec: written in the spec; dhcp: known after provisioning */
  addressSource: 'planned' | 'spec' | 'dhcp';
}

/** The parts of a spec the node plan needs; lets validation plan nodes from a partial spec. */
export interface NodePlanInput {
  clusterName: string;
  target: ClusterTarget;
  controlPlaneCount: number;
  workerCount: number;
  nodeCidr?: string;
  sshPort: number;
}

/** Node list from the parts of a spec (see {@link deriveInventory}). */
export function planNodes(input: NodePlanInput): PlannedNode[] {
  const { target } = input;
  if (target.type === 'existing') {
    const roleRank: Record<NodeRole, number> = {
      'control-plane': 0,
      worker: 1,
      lb: 2,
    };
    return [...target.hosts]
      .sort((a, b) => roleRank[a.role] - roleRank[b.role])
      .map(host => ({
        name: host.name,
        role: host.role,
        address: host.address,
        port: host.port ?? input.sshPort,
        user: host.user,
        hostKeyFingerprint: host.hostKeyFingerprint,
        addressSource: 'spec' as const,
      }));
  }

  const planned = targetHasPlannedAddresses(target);
  const node = (role: NodeRole, short: string, n: number): PlannedNode => ({
    name: `${input.clusterName}-${short}-${n}`,
    role,
    address:
      planned && input.nodeCidr
        ? cidrHost(input.nodeCidr, plannedHostOffset(role, n))
        : undefined,
    port: input.sshPort,
    addressSource: planned ? 'planned' : 'dhcp',
  });

  const nodes: PlannedNode[] = [];
  for (let n = 1; n <= input.controlPlaneCount; n++) {
    nodes.push(node('control-plane', 'cp', n));
  }
  for (let n = 1; n <= input.workerCount; n++) {
    nodes.push(node('worker', 'worker', n));
  }
  if (target.type === 'vagrant' && target.lbPair) {
    nodes.push(node('lb', 'lb', 1), node('lb', 'lb', 2));
  }
  return nodes;
}

/**
 * The machines of the cluster, control-plane nodes first: `<cluster>-cp-1..n`,
 * `<cluster>-worker-1..n` and, for Vagrant with `lbPair`, `<cluster>-lb-1..2`, with the planned
 * addresses of {@link NODE_ADDRESS_PLAN}; for `existing`, the listed hosts.
 * @public
 */
export function deriveInventory(spec: ClusterSpec): PlannedNode[] {
  return planNodes({
    clusterName: spec.metadata.name,
    target: spec.spec.target,
    controlPlaneCount: spec.spec.controlPlane.count,
    workerCount: spec.spec.workers.count,
    nodeCidr: spec.spec.network.nodeCidr,
    sshPort: spec.spec.access.sshPort,
  });
}

/**
 * The endpoint type in effect: the one written, else lb on kakao-cloud (its master NLB), vip
 * where lb machines exist (Vagrant lbPair, existing lb hosts), otherwise the first control-plane
 * node.
 * @public
 */
export function resolveApiEndpointType(
  target: ClusterTarget,
  controlPlane: ControlPlaneSettings,
): ApiEndpointType {
  if (controlPlane.endpoint.type) return controlPlane.endpoint.type;
  if (target.type === 'kakao-cloud') return 'lb';
  if (target.type === 'vagrant' && target.lbPair) return 'vip';
  if (target.type === 'existing' && target.hosts.some(h => h.role === 'lb')) {
    return 'vip';
  }
  return 'host';
}

/** The API VIP for type vip: the written address or host .200 of the node network. @public */
export function resolveApiVip(
  controlPlane: ControlPlaneSettings,
  nodeCidr: string,
): string | undefined {
  return (
    controlPlane.endpoint.address ??
    cidrHost(nodeCidr, NODE_ADDRESS_PLAN.apiVipHost)
  );
}

/** API and ingress endpoints as far as the spec determines them. @public */
export interface DerivedEndpoints {
  apiEndpointType: ApiEndpointType;
  /** Host part of the API URL; undefined while it is only known after provisioning */
  apiServerHost?: string;
  apiServerPort: number;
  /** `https://<host>:<port>`; undefined while the host is pending */
  apiServerUrl?: string;
  /** The VIP or LB address (types vip and lb) */
  apiVip?: string;
  /** `spec.network.ingressIp` */
  ingressAddress?: string;
  /** What is only known after provisioning, in words */
  pending: string[];
}

/**
 * API server URL (https://<VIP | LB | first control-plane>:<port>) and ingress address.
 * @public
 */
export function deriveEndpoints(spec: ClusterSpec): DerivedEndpoints {
  const { target, controlPlane, network } = spec.spec;
  const type = resolveApiEndpointType(target, controlPlane);
  const port = controlPlane.endpoint.port;
  const pending: string[] = [];
  let host: string | undefined;
  let apiVip: string | undefined;

  if (type === 'vip') {
    host = resolveApiVip(controlPlane, network.nodeCidr);
    apiVip = host;
  } else if (type === 'lb') {
    host = controlPlane.endpoint.address;
    apiVip = host;
    if (!host) {
      pending.push(
        'API load balancer address (assigned when Terraform creates the master NLB)',
      );
    }
  } else {
    host =
      controlPlane.endpoint.address ??
      deriveInventory(spec).find(n => n.role === 'control-plane')?.address;
    if (!host) {
      pending.push(
        'first control-plane address (assigned by Multipass DHCP when the VM starts)',
      );
    }
  }
  if (target.type === 'kakao-cloud') {
    pending.push(
      'public addresses of the master and worker NLBs (Terraform outputs)',
    );
  }

  return {
    apiEndpointType: type,
    apiServerHost: host,
    apiServerPort: port,
    apiServerUrl: host ? `https://${host}:${port}` : undefined,
    apiVip,
    ingressAddress: network.ingressIp,
    pending,
  };
}

/** Resources of the machines of one role. Sizes are undefined when kpaas cannot know them. @public */
export interface RoleResources {
  role: NodeRole;
  machines: number;
  vcpuEach?: number;
  memoryGiBEach?: number;
  diskGiBEach?: number;
  vcpu?: number;
  memoryGiB?: number;
  diskGiB?: number;
}

/** Per-role and total machine resources of a cluster. @public */
export interface ResourceTotals {
  roles: RoleResources[];
  /** Sums over the known figures */
  total: { machines: number; vcpu: number; memoryGiB: number; diskGiB: number };
  /** False when some size is unknown (unknown flavor, existing hosts) */
  complete: boolean;
  notes: string[];
}

function roleResources(
  role: NodeRole,
  machines: number,
  each: Partial<{ vcpu: number; memoryGiB: number; diskGiB: number }>,
): RoleResources {
  const times = (v: number | undefined) =>
    v === undefined ? undefined : v * machines;
  return {
    role,
    machines,
    vcpuEach: each.vcpu,
    memoryGiBEach: each.memoryGiB,
    diskGiBEach: each.diskGiB,
    vcpu: times(each.vcpu),
    memoryGiB: times(each.memoryGiB),
    diskGiB: times(each.diskGiB),
  };
}

const fromMachineSize = (size: MachineSize) => ({
  vcpu: size.cpus,
  memoryGiB: size.memoryGiB,
  diskGiB: size.diskGiB,
});

/**
 * vCPU, memory and disk per role and in total (seed B's 3 + 3 Multipass cluster: 6 VMs,
 * 12 vCPU, 24 GiB, 270 GiB). Kakao NLBs are managed services and not counted.
 * @public
 */
export function deriveResourceTotals(spec: ClusterSpec): ResourceTotals {
  const { target } = spec.spec;
  const cpCount = spec.spec.controlPlane.count;
  const workerCount = spec.spec.workers.count;
  const notes: string[] = [];
  let roles: RoleResources[];

  switch (target.type) {
    case 'multipass':
      roles = [
        roleResources(
          'control-plane',
          cpCount,
          fromMachineSize(target.controlPlane),
        ),
        roleResources('worker', workerCount, fromMachineSize(target.worker)),
      ];
      break;
    case 'vagrant':
      roles = [
        roleResources(
          'control-plane',
          cpCount,
          fromMachineSize(target.controlPlane),
        ),
        roleResources('worker', workerCount, fromMachineSize(target.worker)),
      ];
      if (target.lbPair) {
        roles.push(roleResources('lb', 2, fromMachineSize(target.lb)));
      }
      break;
    case 'kakao-cloud': {
      const flavorSize = (flavor: string) => {
        const known = lookupKakaoFlavor(flavor);
        if (!known) {
          notes.push(
            `flavor ${flavor} is not in the kpaas flavor table: its vCPU and memory are not counted`,
          );
        }
        return {
          vcpu: known?.vcpu,
          memoryGiB: known?.memoryGiB,
          diskGiB: target.volumeSizeGiB,
        };
      };
      roles = [
        roleResources(
          'control-plane',
          cpCount,
          flavorSize(target.controlPlaneFlavor),
        ),
        roleResources('worker', workerCount, flavorSize(target.workerFlavor)),
      ];
      notes.push(
        'master and worker NLBs are managed by Kakao Cloud and not counted',
      );
      break;
    }
    default: {
      const count = (role: NodeRole) =>
        target.hosts.filter(h => h.role === role).length;
      roles = (['control-plane', 'worker', 'lb'] as const)
        .map(role => roleResources(role, count(role), {}))
        .filter(r => r.machines > 0);
      notes.push('existing hosts: machine sizes are not part of the spec');
    }
  }

  const sum = (pick: (r: RoleResources) => number | undefined) =>
    roles.reduce((acc, r) => acc + (pick(r) ?? 0), 0);
  const complete = roles.every(
    r =>
      r.vcpu !== undefined &&
      r.memoryGiB !== undefined &&
      r.diskGiB !== undefined,
  );
  return {
    roles,
    total: {
      machines: sum(r => r.machines),
      vcpu: sum(r => r.vcpu),
      memoryGiB: sum(r => r.memoryGiB),
      diskGiB: sum(r => r.diskGiB),
    },
    complete,
    notes: [...new Set(notes)],
  };
}
