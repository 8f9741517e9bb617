import { NODE_ADDRESS_PLAN } from './derive';
import { formatSpecErrors, zodIssuesToErrors } from './errors';
import { cidrHost } from './network';
import {
  CLUSTER_SPEC_API_VERSION,
  CLUSTER_SPEC_KIND,
  ClusterSpec,
  ClusterSpecInput,
  clusterSpecSchema,
  ClusterTargetType,
} from './schema';
import { validateClusterSpec } from './validate';

/** @public */
export interface DefaultClusterSpecOptions {
  owner?: string;
  environment?: ClusterSpec['metadata']['environment'];
  domain?: string;
}

/** Node network per target (the seed systems' networks), when the order names none. @public */
export const defaultNodeCidrs: Readonly<Record<ClusterTargetType, string>> = {
  // K-PaaS Lite terraform-layered: VPC 172.16.0.0/16, nodes subnet 172.16.0.0/24
  'kakao-cloud': '172.16.0.0/24',
  // Multipass's default bridge on macOS (vmnet shared network)
  multipass: '192.168.64.0/24',
  // K-PaaS Lite Vagrantfile: NODE_IP 192.168.100.x
  vagrant: '192.168.100.0/24',
  existing: '10.10.0.0/24',
};

/**
 * The MetalLB pool (host .210-.250) and ingress address (host .201) of a node network, when the
 * order leaves them empty; each is undefined when the network is too small or not a CIDR.
 * @public
 */
export function defaultNetworkAddresses(nodeCidr: string): {
  metallbRange?: string;
  ingressIp?: string;
} {
  const first = cidrHost(nodeCidr, NODE_ADDRESS_PLAN.metallbFirstHost);
  const last = cidrHost(nodeCidr, NODE_ADDRESS_PLAN.metallbLastHost);
  return {
    metallbRange: first && last ? `${first}-${last}` : undefined,
    ingressIp: cidrHost(nodeCidr, NODE_ADDRESS_PLAN.ingressHost),
  };
}

/**
 * A valid spec for a target with the seed systems' shape, for templates and tests:
 *
 * - kakao-cloud: 3 control-plane + 3 workers (t1i.large / t1i.xlarge, 200 GiB), API via NLB
 * - multipass: 3 + 3 (2 vCPU / 4 GiB / 40 GiB and 2 / 4 / 50), API on the first control plane
 * - vagrant: 1 control plane + 2 workers and the HAProxy/keepalived pair with VIP .200
 * - existing: 1 + 2 placeholder hosts at .101 / .111 / .112 of 10.10.0.0/24
 *
 * Ingress at .201 and MetalLB .210-.250 of the node network; Kubernetes
 * DEFAULT_KUBERNETES_VERSION with kubeadm; no add-ons (the catalog decides which exist).
 * @public
 */
export function defaultClusterSpec(
  name: string,
  target: ClusterTargetType,
  options: DefaultClusterSpecOptions = {},
): ClusterSpec {
  const nodeCidr = defaultNodeCidrs[target];
  const host = (offset: number) => cidrHost(nodeCidr, offset) as string;

  const targets: Record<ClusterTargetType, ClusterSpecInput['spec']['target']> =
    {
      'kakao-cloud': {
        type: 'kakao-cloud',
        keyPair: `${name}-keypair`,
        subnetCidr: nodeCidr,
      },
      multipass: { type: 'multipass' },
      vagrant: { type: 'vagrant' },
      existing: {
        type: 'existing',
        hosts: [
          { name: `${name}-cp-1`, role: 'control-plane', address: host(101) },
          { name: `${name}-worker-1`, role: 'worker', address: host(111) },
          { name: `${name}-worker-2`, role: 'worker', address: host(112) },
        ],
      },
    };
  const small = target === 'vagrant' || target === 'existing';

  const input: ClusterSpecInput = {
    apiVersion: CLUSTER_SPEC_API_VERSION,
    kind: CLUSTER_SPEC_KIND,
    metadata: {
      name,
      owner: options.owner ?? 'group:default/platform-team',
      environment: options.environment ?? 'dev',
    },
    spec: {
      target: targets[target],
      controlPlane: { count: small ? 1 : 3 },
      workers: { count: small ? 2 : 3 },
      network: {
        nodeCidr,
        ...defaultNetworkAddresses(nodeCidr),
        domain: options.domain ?? 'k-paas.io',
      },
      access: { sshUser: target === 'vagrant' ? 'vagrant' : 'ubuntu' },
    },
  };

  const parsed = clusterSpecSchema.safeParse(input);
  const errors = parsed.success
    ? validateClusterSpec(parsed.data)
    : zodIssuesToErrors(parsed.error.issues);
  if (!parsed.success || errors.length > 0) {
    throw new Error(
      formatSpecErrors(errors, `default ${target} spec for "${name}"`),
    );
  }
  return parsed.data;
}
