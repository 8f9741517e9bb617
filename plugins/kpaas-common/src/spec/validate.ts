import semver from 'semver';
import { z } from 'zod/v3';
import { catalogIndex } from '../addons/catalog';
import { gatewayApiCrdConflict } from '../addons/gatewayApi';
import { AddonCatalog, WELL_KNOWN_CAPABILITIES } from '../addons/schema';
import {
  fixOrientedErrorMap,
  loadYamlOrObject,
  SpecValidationError,
  uniqueErrors,
  zodIssuesToErrors,
} from './errors';
import { CONTROL_PLANE_MINIMUM, lookupKakaoFlavor } from './flavors';
import {
  cidrHost,
  isUsableHostAddress,
  Ipv4Cidr,
  parseIpv4,
  parseIpv4Cidr,
  parseIpv4Range,
  rangeContains,
  rangesOverlap,
} from './network';
import {
  NODE_ADDRESS_PLAN,
  PlannedNode,
  planNodes,
  plannedHostOffset,
  resolveApiEndpointType,
  resolveApiVip,
  targetHasPlannedAddresses,
} from './derive';
import {
  ClusterAddonRef,
  ClusterNetwork,
  ClusterSpec,
  clusterSpecSchema,
  ClusterTarget,
  ControlPlaneSettings,
  KubernetesSettings,
  SshAccess,
  WorkerSettings,
  clusterAddonRefSchema,
  clusterMetadataSchema,
  clusterNetworkSchema,
  clusterTargetSchema,
  controlPlaneSettingsSchema,
  kubernetesSettingsSchema,
  sshAccessSchema,
  workerSettingsSchema,
} from './schema';
import {
  DEFAULT_KUBERNETES_VERSION,
  KPAAS_CP_REQUIREMENTS,
  LAST_CONTAINERD_1X_MINOR,
  kubernetesVersionsFor,
} from './versions';

/*
 * Cross-field ("semantic") checks of cluster.yaml. Each rule looks at the sections it needs and
 * stays silent when one of them failed its own schema check, so every problem is reported once
 * and a broken section does not hide problems elsewhere.
 */

/**
 * The sections of a cluster spec that passed their own schema check; absent when they did not
 * (their errors are reported by the schema).
 * @public
 */
export interface ClusterSpecSections {
  name?: string;
  target?: ClusterTarget;
  kubernetes?: KubernetesSettings;
  controlPlane?: ControlPlaneSettings;
  workers?: WorkerSettings;
  network?: ClusterNetwork;
  addons?: ClusterAddonRef[];
  access?: SshAccess;
}

type RuleFinding = { path: string; message: string };

/** One semantic rule: an id (reported as `rule` on its errors) and the check. @public */
export interface ClusterSpecRule {
  id: string;
  description: string;
  check(
    sections: ClusterSpecSections,
    catalog: AddonCatalog | undefined,
  ): RuleFinding[];
}

/** @public */
export interface ParseClusterSpecOptions {
  /**
   * The add-on catalog. Without it the add-on rules that need catalog data (unknown ids,
   * conflicts, dependencies, LoadBalancer providers) are skipped.
   */
  catalog?: AddonCatalog;
}

/** @public */
export type ClusterSpecParseResult =
  | { ok: true; spec: ClusterSpec }
  | { ok: false; errors: SpecValidationError[] };

const EXAMPLE_POD_CIDR = '10.233.64.0/18';
const EXAMPLE_SERVICE_CIDR = '10.233.0.0/18';

// ---------------------------------------------------------------------------------------------
// helpers

function nodesOf(s: ClusterSpecSections): PlannedNode[] | undefined {
  if (!s.target || !s.controlPlane || !s.workers || !s.network)
    return undefined;
  return planNodes({
    clusterName: s.name ?? 'cluster',
    target: s.target,
    controlPlaneCount: s.controlPlane.count,
    workerCount: s.workers.count,
    nodeCidr: s.network.nodeCidr,
    sshPort: s.access?.sshPort ?? 22,
  });
}

/** Nodes with a known IPv4 address, as numbers. */
function nodeIps(
  nodes: PlannedNode[],
): Array<{ node: PlannedNode; ip: number }> {
  return nodes.flatMap(node => {
    const ip = node.address === undefined ? undefined : parseIpv4(node.address);
    return ip === undefined ? [] : [{ node, ip }];
  });
}

/** The API VIP/LB address when the spec determines it (types vip and lb). */
function apiAddressOf(s: ClusterSpecSections): string | undefined {
  if (!s.target || !s.controlPlane || !s.network) return undefined;
  const type = resolveApiEndpointType(s.target, s.controlPlane);
  if (type === 'vip') return resolveApiVip(s.controlPlane, s.network.nodeCidr);
  if (type === 'lb') return s.controlPlane.endpoint.address;
  return undefined;
}

function suggestedMetallbRange(nodeCidr: Ipv4Cidr): string {
  const first = cidrHost(nodeCidr, NODE_ADDRESS_PLAN.metallbFirstHost);
  const last = cidrHost(nodeCidr, NODE_ADDRESS_PLAN.metallbLastHost);
  return first && last ? `, e.g. ${first}-${last}` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length];
}

function closest(value: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(value, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(value.length / 3))
    ? best
    : undefined;
}

const targetLabel = (target: ClusterTarget) => `the ${target.type} target`;

// ---------------------------------------------------------------------------------------------
// rules

const kakaoZoneInRegion: ClusterSpecRule = {
  id: 'kakao-zone-in-region',
  description: 'A Kakao Cloud availability zone belongs to the chosen region',
  check: ({ target }) => {
    if (target?.type !== 'kakao-cloud') return [];
    if (target.availabilityZone.startsWith(`${target.region}-`)) return [];
    return [
      {
        path: 'spec.target.availabilityZone',
        message: `"${target.availabilityZone}" is not a zone of region ${target.region}; use one of its zones such as ${target.region}-a, or change spec.target.region`,
      },
    ];
  },
};

const kakaoSubnet: ClusterSpecRule = {
  id: 'kakao-subnet',
  description: 'The Kakao subnet lies in the VPC and is the node network',
  check: ({ target, network }) => {
    if (target?.type !== 'kakao-cloud') return [];
    const findings: RuleFinding[] = [];
    const vpc = parseIpv4Cidr(target.vpcCidr);
    const subnet = parseIpv4Cidr(target.subnetCidr);
    if (vpc && subnet && !rangeContains(vpc, subnet)) {
      findings.push({
        path: 'spec.target.subnetCidr',
        message: `${subnet.text} is not inside spec.target.vpcCidr (${
          vpc.text
        }); choose a subnet of the VPC, e.g. ${vpc.text.split('/')[0]}/24`,
      });
    }
    if (network && network.nodeCidr !== target.subnetCidr) {
      findings.push({
        path: 'spec.network.nodeCidr',
        message: `${network.nodeCidr} differs from spec.target.subnetCidr (${target.subnetCidr}); on kakao-cloud the nodes live in that subnet, so set both to the same block`,
      });
    }
    return findings;
  },
};

/** Prefix lengths the kakaocloud provider accepts (its cidr_prefix_length validators). */
const KAKAO_PREFIX_LIMITS = {
  vpcCidr: { min: 16, max: 24, what: 'a VPC' },
  subnetCidr: { min: 20, max: 26, what: 'a subnet' },
} as const;

const kakaoProviderCidrs: ClusterSpecRule = {
  id: 'kakao-provider-cidr',
  description:
    'The Kakao VPC is a /16 to /24 and the subnet a /20 to /26, as the kakaocloud provider demands',
  check: ({ target }) => {
    if (target?.type !== 'kakao-cloud') return [];
    return (['vpcCidr', 'subnetCidr'] as const).flatMap(field => {
      const cidr = parseIpv4Cidr(target[field]);
      const { min, max, what } = KAKAO_PREFIX_LIMITS[field];
      if (!cidr || (cidr.prefix >= min && cidr.prefix <= max)) return [];
      const example = `${cidr.text.split('/')[0]}/${Math.min(
        max,
        Math.max(min, cidr.prefix),
      )}`;
      return [
        {
          path: `spec.target.${field}`,
          message: `${cidr.text} is a /${cidr.prefix}; Kakao Cloud accepts ${what} of /${min} to /${max} only, e.g. ${example}`,
        },
      ];
    });
  },
};

/** The kakaocloud provider's name rule: 4+ letters/digits/_/-, no -- __ -_ _- (length:4..n). */
const KAKAO_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*[a-zA-Z0-9]$/;
const KAKAO_DOUBLE_SYMBOL = /--|__|-_|_-/;

const kakaoProviderNames: ClusterSpecRule = {
  id: 'kakao-provider-names',
  description:
    'Names the kakaocloud provider receives (the cluster name in every resource name, the key pair) meet its name rule',
  check: ({ name, target }) => {
    if (target?.type !== 'kakao-cloud') return [];
    const findings: RuleFinding[] = [];
    const double = (value: string) => KAKAO_DOUBLE_SYMBOL.exec(value)?.[0];
    if (name && double(name)) {
      findings.push({
        path: 'metadata.name',
        message: `"${name}" holds "${double(
          name,
        )}"; on kakao-cloud every resource name starts with the cluster name and Kakao Cloud refuses --, __, -_ and _- in names: use single hyphens, e.g. "${name.replace(
          /[-_]{2,}/g,
          '-',
        )}"`,
      });
    }
    const key = target.keyPair;
    if (key.length < 4 || key.length > 250 || !KAKAO_NAME.test(key)) {
      findings.push({
        path: 'spec.target.keyPair',
        message: `"${key}" is not a name the kakaocloud provider accepts for key_name: 4 to 250 letters, digits, "_" and "-", starting and ending with a letter or digit (no "."); use the key pair's name as shown in the Kakao Cloud console`,
      });
    } else if (double(key)) {
      findings.push({
        path: 'spec.target.keyPair',
        message: `"${key}" holds "${double(
          key,
        )}", which Kakao Cloud refuses in names (--, __, -_, _-); use the key pair's exact name from the console, or create one without them`,
      });
    }
    return findings;
  },
};

const networkOverlap: ClusterSpecRule = {
  id: 'network-overlap',
  description:
    'Node, pod and service networks (and the Kakao VPC) share no addresses',
  check: ({ network, target }) => {
    if (!network) return [];
    type Block = { field: string; cidr: Ipv4Cidr | undefined };
    const node: Block = {
      field: 'spec.network.nodeCidr',
      cidr: parseIpv4Cidr(network.nodeCidr),
    };
    const pod: Block = {
      field: 'spec.network.podCidr',
      cidr: parseIpv4Cidr(network.podCidr),
    };
    const service: Block = {
      field: 'spec.network.serviceCidr',
      cidr: parseIpv4Cidr(network.serviceCidr),
    };
    const pairs: Array<[Block, Block, string]> = [
      [
        node,
        pod,
        `pods and nodes would share addresses; choose a pod block outside it, e.g. ${EXAMPLE_POD_CIDR}`,
      ],
      [
        node,
        service,
        `Services and nodes would share addresses; choose a service block outside it, e.g. ${EXAMPLE_SERVICE_CIDR}`,
      ],
      [
        pod,
        service,
        `pod and Service addresses would collide; make them disjoint (Kubespray uses ${EXAMPLE_POD_CIDR} and ${EXAMPLE_SERVICE_CIDR})`,
      ],
    ];
    if (target?.type === 'kakao-cloud') {
      const vpc: Block = {
        field: 'spec.target.vpcCidr',
        cidr: parseIpv4Cidr(target.vpcCidr),
      };
      pairs.push(
        [
          vpc,
          pod,
          'pod traffic to other subnets of the VPC would be routed into the cluster; choose a pod block outside the VPC',
        ],
        [
          vpc,
          service,
          'traffic to other subnets of the VPC would hit Service IPs; choose a service block outside the VPC',
        ],
      );
    }
    return pairs.flatMap(([a, b, why]) =>
      a.cidr && b.cidr && rangesOverlap(a.cidr, b.cidr)
        ? [
            {
              path: b.field,
              message: `${b.cidr.text} overlaps ${a.field} (${a.cidr.text}): ${why}`,
            },
          ]
        : [],
    );
  },
};

const podCidrCapacity: ClusterSpecRule = {
  id: 'pod-cidr-capacity',
  description: 'The pod network has a /24 block for every Kubernetes node',
  check: ({ network, controlPlane, workers }) => {
    const pod = network && parseIpv4Cidr(network.podCidr);
    if (!pod) return [];
    if (pod.prefix > 24) {
      return [
        {
          path: 'spec.network.podCidr',
          message: `/${pod.prefix} is smaller than one node's /24 pod block; use a /18 or larger, e.g. ${EXAMPLE_POD_CIDR}`,
        },
      ];
    }
    if (!controlPlane || !workers) return [];
    const nodes = controlPlane.count + workers.count;
    const blocks = 2 ** (24 - pod.prefix);
    if (blocks >= nodes) return [];
    const needed = 24 - Math.ceil(Math.log2(nodes));
    return [
      {
        path: 'spec.network.podCidr',
        message: `/${pod.prefix} holds ${blocks} node blocks of /24 but the cluster has ${nodes} nodes; use a /${needed} or larger`,
      },
    ];
  },
};

const serviceCidrSize: ClusterSpecRule = {
  id: 'service-cidr-size',
  description: 'The service network is between /12 and /24',
  check: ({ network }) => {
    const service = network && parseIpv4Cidr(network.serviceCidr);
    if (!service || (service.prefix >= 12 && service.prefix <= 24)) return [];
    return [
      {
        path: 'spec.network.serviceCidr',
        message:
          service.prefix < 12
            ? `/${service.prefix} is larger than kube-apiserver accepts (at most /12); use e.g. ${EXAMPLE_SERVICE_CIDR}`
            : `/${service.prefix} leaves too few Service IPs (kubeadm puts cluster DNS at the 10th address); use a /24 or larger, e.g. ${EXAMPLE_SERVICE_CIDR}`,
      },
    ];
  },
};

const nodeAddressPlan: ClusterSpecRule = {
  id: 'node-address-plan',
  description: 'Every node address lies in the node network',
  check: s => {
    const nodeCidr = s.network && parseIpv4Cidr(s.network.nodeCidr);
    const nodes = nodesOf(s);
    if (!nodeCidr || !nodes || !s.target) return [];
    if (targetHasPlannedAddresses(s.target)) {
      const missing = nodes.filter(n => n.address === undefined);
      if (missing.length === 0) return [];
      const offsets = missing.map(n => {
        const index = Number(n.name.slice(n.name.lastIndexOf('-') + 1));
        return plannedHostOffset(n.role, index);
      });
      return [
        {
          path: 'spec.network.nodeCidr',
          message: `${nodeCidr.text} has no room for the planned addresses of ${
            missing.length
          } node(s) (host offsets up to .${Math.max(...offsets)}, e.g. ${
            missing[0].name
          }); use a /24 or larger node network`,
        },
      ];
    }
    if (s.target.type !== 'existing') return [];
    return s.target.hosts.flatMap((host, i) => {
      const ip = parseIpv4(host.address);
      if (ip === undefined || isUsableHostAddress(nodeCidr, ip)) return [];
      return [
        {
          path: `spec.target.hosts[${i}].address`,
          message: `${host.address} is not a host address of spec.network.nodeCidr (${nodeCidr.text}); use the host's address in the node network, or set nodeCidr to the network the hosts share`,
        },
      ];
    });
  },
};

const existingHostsUnique: ClusterSpecRule = {
  id: 'existing-hosts-unique',
  description: 'Existing hosts have distinct names and addresses',
  check: ({ target }) => {
    if (target?.type !== 'existing') return [];
    const findings: RuleFinding[] = [];
    const names = new Map<string, number>();
    const addresses = new Map<string, number>();
    target.hosts.forEach((host, i) => {
      const sameName = names.get(host.name);
      if (sameName !== undefined) {
        findings.push({
          path: `spec.target.hosts[${i}].name`,
          message: `"${host.name}" is also the name of spec.target.hosts[${sameName}]; give every host its own name`,
        });
      } else names.set(host.name, i);
      const sameAddress = addresses.get(host.address);
      if (sameAddress !== undefined) {
        findings.push({
          path: `spec.target.hosts[${i}].address`,
          message: `${host.address} is also the address of spec.target.hosts[${sameAddress}]; each host needs its own address (remove the duplicate entry or fix the address)`,
        });
      } else addresses.set(host.address, i);
    });
    return findings;
  },
};

const existingHostsRoles: ClusterSpecRule = {
  id: 'existing-hosts-roles',
  description:
    'Existing hosts match the control-plane and worker counts; at most 2 lb hosts',
  check: ({ target, controlPlane, workers }) => {
    if (target?.type !== 'existing') return [];
    const count = (role: string) =>
      target.hosts.filter(h => h.role === role).length;
    const findings: RuleFinding[] = [];
    if (controlPlane && count('control-plane') !== controlPlane.count) {
      findings.push({
        path: 'spec.controlPlane.count',
        message: `is ${controlPlane.count} but spec.target.hosts lists ${count(
          'control-plane',
        )} control-plane host(s); make the count and the host list agree`,
      });
    }
    if (workers && count('worker') !== workers.count) {
      findings.push({
        path: 'spec.workers.count',
        message: `is ${workers.count} but spec.target.hosts lists ${count(
          'worker',
        )} worker host(s); make the count and the host list agree`,
      });
    }
    if (count('lb') > 2) {
      findings.push({
        path: 'spec.target.hosts',
        message: `lists ${count(
          'lb',
        )} lb hosts; keepalived runs as a pair, so keep at most 2`,
      });
    }
    return findings;
  },
};

const apiEndpointType: ClusterSpecRule = {
  id: 'api-endpoint-type',
  description:
    'The API endpoint type is one the target can provide, and lb machines are used',
  check: ({ target, controlPlane }) => {
    if (!target || !controlPlane) return [];
    const type = resolveApiEndpointType(target, controlPlane);
    const path = 'spec.controlPlane.endpoint.type';
    const lbHosts =
      target.type === 'existing' && target.hosts.some(h => h.role === 'lb');
    if (type === 'vip') {
      if (target.type === 'kakao-cloud') {
        return [
          {
            path,
            message:
              'vip needs a keepalived pair, and Kakao Cloud VPCs only deliver traffic to addresses they assigned; use type: lb (the master NLB Terraform creates)',
          },
        ];
      }
      if (target.type === 'multipass') {
        return [
          {
            path,
            message:
              'vip needs lb machines, which the multipass target does not create; use type: host',
          },
        ];
      }
      if (target.type === 'vagrant' && !target.lbPair) {
        return [
          {
            path,
            message:
              'vip is carried by the HAProxy + keepalived pair; set spec.target.lbPair: true or use type: host',
          },
        ];
      }
      if (target.type === 'existing' && !lbHosts) {
        return [
          {
            path,
            message:
              'vip is carried by lb hosts (HAProxy + keepalived); add hosts with role lb, or use type: host or lb',
          },
        ];
      }
    }
    if (
      type === 'lb' &&
      (target.type === 'vagrant' || target.type === 'multipass')
    ) {
      return [
        {
          path,
          message: `${targetLabel(target)} has no load balancer; use ${
            target.type === 'vagrant' ? 'type: vip (with lbPair: true) or ' : ''
          }type: host`,
        },
      ];
    }
    if (type !== 'vip' && target.type === 'vagrant' && target.lbPair) {
      return [
        {
          path: 'spec.target.lbPair',
          message: `the lb pair only carries the API VIP, which endpoint type ${type} does not use; set lbPair: false or spec.controlPlane.endpoint.type: vip`,
        },
      ];
    }
    if (type !== 'vip' && lbHosts) {
      return [
        {
          path,
          message: `the lb hosts carry the API VIP, which type ${type} does not use; set type: vip or remove the lb hosts`,
        },
      ];
    }
    return [];
  },
};

const apiEndpointAddress: ClusterSpecRule = {
  id: 'api-endpoint-address',
  description:
    'The API VIP/LB address is a free address of the node network; a host address is a control-plane node',
  check: s => {
    const { target, controlPlane, network } = s;
    if (!target || !controlPlane || !network) return [];
    const nodeCidr = parseIpv4Cidr(network.nodeCidr);
    if (!nodeCidr) return [];
    const type = resolveApiEndpointType(target, controlPlane);
    const path = 'spec.controlPlane.endpoint.address';
    const written = controlPlane.endpoint.address;
    const nodes = nodesOf(s) ?? [];

    if (type === 'host') {
      if (written === undefined) return [];
      if (target.type === 'multipass') {
        return [
          {
            path,
            message:
              'Multipass assigns node addresses by DHCP, so none can be written here; leave address out (the first control-plane node is used)',
          },
        ];
      }
      const cpAddresses = nodes
        .filter(n => n.role === 'control-plane' && n.address)
        .map(n => n.address as string);
      return cpAddresses.includes(written)
        ? []
        : [
            {
              path,
              message: `${written} is not a control-plane address; leave it out (defaults to ${
                cpAddresses[0] ?? 'the first control-plane node'
              }) or use one of ${cpAddresses.join(', ')}`,
            },
          ];
    }

    if (type === 'lb' && written === undefined) {
      return target.type === 'existing'
        ? [
            {
              path,
              message:
                'type lb on existing hosts needs the address of your load balancer; set it here (or use type: vip with lb hosts)',
            },
          ]
        : [];
    }
    const address =
      type === 'vip' ? resolveApiVip(controlPlane, network.nodeCidr) : written;
    if (address === undefined) {
      return [
        {
          path,
          message: `no VIP can be derived: host .${NODE_ADDRESS_PLAN.apiVipHost} is outside spec.network.nodeCidr (${nodeCidr.text}); set a free address of the node network here`,
        },
      ];
    }
    const ip = parseIpv4(address);
    if (ip === undefined) return [];
    if (!isUsableHostAddress(nodeCidr, ip)) {
      return [
        {
          path,
          message: `${address} is not a host address of spec.network.nodeCidr (${
            nodeCidr.text
          }); the ${
            type === 'vip' ? 'VIP' : 'load balancer'
          } must be reachable in the node network, so pick a free address there`,
        },
      ];
    }
    const clash = nodeIps(nodes).find(n => n.ip === ip);
    if (clash) {
      return [
        {
          path,
          message: `${address} is also the address of node ${clash.node.name}; choose a free address of the node network (default .${NODE_ADDRESS_PLAN.apiVipHost})`,
        },
      ];
    }
    return [];
  },
};

const metallbRange: ClusterSpecRule = {
  id: 'metallb-range',
  description:
    'The MetalLB pool lies in the node network and holds no node or API address',
  check: s => {
    const range =
      s.network?.metallbRange && parseIpv4Range(s.network.metallbRange);
    const nodeCidr = s.network && parseIpv4Cidr(s.network.nodeCidr);
    if (!range || !nodeCidr) return [];
    const path = 'spec.network.metallbRange';
    if (
      !isUsableHostAddress(nodeCidr, range.first) ||
      !isUsableHostAddress(nodeCidr, range.last)
    ) {
      return [
        {
          path,
          message: `${
            range.text
          } is not inside the host addresses of spec.network.nodeCidr (${
            nodeCidr.text
          }); MetalLB (L2) only announces addresses of the node network, so pick a range there${suggestedMetallbRange(
            nodeCidr,
          )}`,
        },
      ];
    }
    const findings: RuleFinding[] = [];
    const inRange = (ip: number) => ip >= range.first && ip <= range.last;
    const clashes = nodeIps(nodesOf(s) ?? []).filter(n => inRange(n.ip));
    if (clashes.length > 0) {
      findings.push({
        path,
        message: `${range.text} includes the address of ${clashes
          .map(c => `${c.node.name} (${c.node.address})`)
          .join(
            ', ',
          )}; move the range clear of the node addresses or shrink it`,
      });
    }
    const api = apiAddressOf(s);
    const apiIp = api === undefined ? undefined : parseIpv4(api);
    if (apiIp !== undefined && inRange(apiIp)) {
      findings.push({
        path,
        message: `${range.text} includes the API address ${api}; MetalLB could hand it to a Service, so move the range or the API address`,
      });
    }
    return findings;
  },
};

const ingressIp: ClusterSpecRule = {
  id: 'ingress-ip',
  description: 'The ingress IP is a free address of the node network',
  check: s => {
    const address = s.network?.ingressIp;
    const ip = address === undefined ? undefined : parseIpv4(address);
    const nodeCidr = s.network && parseIpv4Cidr(s.network.nodeCidr);
    if (ip === undefined || !nodeCidr) return [];
    const path = 'spec.network.ingressIp';
    if (!isUsableHostAddress(nodeCidr, ip)) {
      return [
        {
          path,
          message: `${address} is not a host address of spec.network.nodeCidr (${
            nodeCidr.text
          }); use a free address of the node network, e.g. ${
            cidrHost(nodeCidr, NODE_ADDRESS_PLAN.ingressHost) ??
            'one above the node addresses'
          }`,
        },
      ];
    }
    const clash = nodeIps(nodesOf(s) ?? []).find(n => n.ip === ip);
    if (clash) {
      return [
        {
          path,
          message: `${address} is also the address of node ${clash.node.name}; use a free address of the node network`,
        },
      ];
    }
    const api = apiAddressOf(s);
    if (api === address) {
      return [
        {
          path,
          message: `${address} is also the API address; give the ingress its own address`,
        },
      ];
    }
    return [];
  },
};

const machineMinimums: ClusterSpecRule = {
  id: 'machine-minimums',
  description: `Control-plane machines have at least ${CONTROL_PLANE_MINIMUM.vcpu} vCPU and ${CONTROL_PLANE_MINIMUM.memoryGiB} GiB (kubeadm preflight)`,
  check: ({ target }) => {
    if (!target) return [];
    const why = 'kubeadm preflight refuses smaller control-plane nodes';
    if (target.type === 'multipass' || target.type === 'vagrant') {
      const findings: RuleFinding[] = [];
      if (target.controlPlane.cpus < CONTROL_PLANE_MINIMUM.vcpu) {
        findings.push({
          path: 'spec.target.controlPlane.cpus',
          message: `${target.controlPlane.cpus} is below ${CONTROL_PLANE_MINIMUM.vcpu} (${why}); raise it to ${CONTROL_PLANE_MINIMUM.vcpu}`,
        });
      }
      if (target.controlPlane.memoryGiB < CONTROL_PLANE_MINIMUM.memoryGiB) {
        findings.push({
          path: 'spec.target.controlPlane.memoryGiB',
          message: `${target.controlPlane.memoryGiB} GiB is below ${CONTROL_PLANE_MINIMUM.memoryGiB} GiB (${why}); raise it to ${CONTROL_PLANE_MINIMUM.memoryGiB}`,
        });
      }
      return findings;
    }
    if (target.type === 'kakao-cloud') {
      const flavor = lookupKakaoFlavor(target.controlPlaneFlavor);
      if (
        flavor &&
        (flavor.vcpu < CONTROL_PLANE_MINIMUM.vcpu ||
          flavor.memoryGiB < CONTROL_PLANE_MINIMUM.memoryGiB)
      ) {
        return [
          {
            path: 'spec.target.controlPlaneFlavor',
            message: `${flavor.name} (${flavor.vcpu} vCPU, ${flavor.memoryGiB} GiB) is too small (${why}); use t1i.large or larger`,
          },
        ];
      }
    }
    return [];
  },
};

const installerCompatibility: ClusterSpecRule = {
  id: 'installer-compat',
  description:
    'kpaas-cp (K-PaaS cp-deployment) gets the version, runtime and CNI it ships; kubeadm with containerd 1.x stops at Kubernetes 1.35',
  check: ({ kubernetes }) => {
    if (kubernetes?.installer === 'kubeadm') {
      const minor = semver.coerce(kubernetes.version)?.minor;
      if (
        kubernetes.containerRuntime === 'containerd' &&
        minor !== undefined &&
        minor > LAST_CONTAINERD_1X_MINOR
      ) {
        return [
          {
            path: 'spec.kubernetes.version',
            message: `${kubernetes.version} needs containerd 2.x (Kubernetes 1.${LAST_CONTAINERD_1X_MINOR} is the last release that supports containerd 1.x) and kpaas's node preparation installs Ubuntu 24.04's containerd 1.7; set containerRuntime: cri-o, or version: ${DEFAULT_KUBERNETES_VERSION}`,
          },
        ];
      }
      return [];
    }
    if (kubernetes?.installer !== 'kpaas-cp') return [];
    const findings: RuleFinding[] = [];
    const versions = kubernetesVersionsFor('kpaas-cp');
    if (!versions.includes(kubernetes.version)) {
      findings.push({
        path: 'spec.kubernetes.version',
        message: `${
          kubernetes.version
        } cannot be installed by kpaas-cp (K-PaaS 1.7.0 installs ${versions.join(
          ', ',
        )}); set version: ${versions[0]} or installer: kubeadm`,
      });
    }
    if (
      kubernetes.containerRuntime !== KPAAS_CP_REQUIREMENTS.containerRuntime
    ) {
      findings.push({
        path: 'spec.kubernetes.containerRuntime',
        message: `kpaas-cp always installs ${KPAAS_CP_REQUIREMENTS.containerRuntime}; set containerRuntime: ${KPAAS_CP_REQUIREMENTS.containerRuntime} or installer: kubeadm`,
      });
    }
    if (kubernetes.cni !== KPAAS_CP_REQUIREMENTS.cni) {
      findings.push({
        path: 'spec.kubernetes.cni',
        message: `kpaas-cp always installs ${KPAAS_CP_REQUIREMENTS.cni}; set cni: ${KPAAS_CP_REQUIREMENTS.cni} or installer: kubeadm`,
      });
    }
    return findings;
  },
};

const addonUnique: ClusterSpecRule = {
  id: 'addon-unique',
  description: 'Each add-on is listed once',
  check: ({ addons }) => {
    if (!addons) return [];
    const first = new Map<string, number>();
    return addons.flatMap((ref, i) => {
      const earlier = first.get(ref.id);
      if (earlier === undefined) {
        first.set(ref.id, i);
        return [];
      }
      return [
        {
          path: `spec.addons[${i}].id`,
          message: `"${ref.id}" is already listed as spec.addons[${earlier}]; merge the two entries (values included) into one`,
        },
      ];
    });
  },
};

const addonKnown: ClusterSpecRule = {
  id: 'addon-known',
  description: 'Every add-on id exists in the catalog',
  check: ({ addons }, catalog) => {
    if (!addons || !catalog) return [];
    const ids = catalog.addons.map(a => a.id);
    return addons.flatMap((ref, i) => {
      if (ids.includes(ref.id)) return [];
      const guess = closest(ref.id, ids);
      return [
        {
          path: `spec.addons[${i}].id`,
          message: `"${ref.id}" is not in the add-on catalog; ${
            guess ? `did you mean "${guess}"? ` : ''
          }use one of ${ids.join(', ')}`,
        },
      ];
    });
  },
};

const addonConflicts: ClusterSpecRule = {
  id: 'addon-conflicts',
  description: 'No two add-ons conflict or provide the same capability',
  check: ({ addons }, catalog) => {
    if (!addons || !catalog) return [];
    const byId = catalogIndex(catalog);
    const findings: RuleFinding[] = [];
    addons.forEach((ref, j) => {
      const b = byId.get(ref.id);
      if (!b) return;
      for (let i = 0; i < j; i++) {
        const a = byId.get(addons[i].id);
        if (!a || a.id === b.id) continue;
        const shared = a.provides.filter(c => b.provides.includes(c));
        let reason: string | undefined;
        if (a.conflictsWith.includes(b.id) || b.conflictsWith.includes(a.id)) {
          reason = 'the catalog marks them as conflicting';
        } else if (shared.length > 0) {
          reason = `both provide ${shared.join(', ')}`;
        }
        if (reason) {
          findings.push({
            path: `spec.addons[${j}].id`,
            message: `"${b.id}" conflicts with "${a.id}" (spec.addons[${i}]): ${reason}; keep only one of them`,
          });
        }
      }
    });
    return findings;
  },
};

const addonGatewayApiCrds: ClusterSpecRule = {
  id: 'addon-gateway-api-crds',
  description:
    'Gateway API implementations that need different Gateway API CRD versions are not installed together',
  check: ({ addons }, catalog) => {
    if (!addons || !catalog) return [];
    const byId = catalogIndex(catalog);
    const findings: RuleFinding[] = [];
    addons.forEach((ref, j) => {
      const b = byId.get(ref.id);
      for (let i = 0; b && i < j; i++) {
        const a = byId.get(addons[i].id);
        const conflict = a && a.id !== b.id && gatewayApiCrdConflict(a, b);
        if (conflict) {
          findings.push({
            path: `spec.addons[${j}].id`,
            message: `"${b.id}" cannot be installed with "${a.id}" (spec.addons[${i}]): ${conflict}; keep only one of them`,
          });
        }
      }
    });
    return findings;
  },
};

const addonDependencies: ClusterSpecRule = {
  id: 'addon-dependencies',
  description: 'Every dependency of a listed add-on is listed too',
  check: ({ addons }, catalog) => {
    if (!addons || !catalog) return [];
    const byId = catalogIndex(catalog);
    const listed = new Set(addons.map(a => a.id));
    return addons.flatMap((ref, i) => {
      const missing = (byId.get(ref.id)?.dependsOn ?? []).filter(
        dep => !listed.has(dep),
      );
      if (missing.length === 0) return [];
      const describe = (id: string) => {
        const title = byId.get(id)?.title;
        return title && title !== id ? `"${id}" (${title})` : `"${id}"`;
      };
      return [
        {
          path: `spec.addons[${i}].id`,
          message: `"${ref.id}" needs ${missing
            .map(describe)
            .join(', ')}; add ${missing
            .map(id => `"- id: ${id}"`)
            .join(', ')} to spec.addons`,
        },
      ];
    });
  },
};

const addonLoadBalancer: ClusterSpecRule = {
  id: 'addon-load-balancer',
  description:
    'Add-ons that create LoadBalancer Services come with a load-balancer provider (MetalLB) on every target',
  // Kakao Cloud too: its NLBs (from Terraform) front the API and the ingress NodePorts, but no
  // cloud controller runs in a kubeadm cluster, so `type: LoadBalancer` Services stay <pending>
  // without MetalLB - which is what K-PaaS does on Kakao Cloud as well.
  check: ({ addons, target }, catalog) => {
    if (!addons || !catalog) return [];
    const byId = catalogIndex(catalog);
    const installed = addons.flatMap(ref => byId.get(ref.id) ?? []);
    const capability = WELL_KNOWN_CAPABILITIES.loadBalancer;
    if (installed.some(a => a.provides.includes(capability))) return [];
    const providers = catalog.addons
      .filter(a => a.provides.includes(capability))
      .map(a => a.id);
    const fix =
      providers.length > 0
        ? `add ${providers
            .map(p => `"- id: ${p}"`)
            .join(' or ')} to spec.addons`
        : `add an add-on that provides "${capability}" to the catalog and spec.addons`;
    const where = target ? ` on ${targetLabel(target)}` : '';
    return addons.flatMap((ref, i) =>
      byId.get(ref.id)?.exposesLoadBalancer
        ? [
            {
              path: `spec.addons[${i}].id`,
              message: `"${ref.id}" creates a LoadBalancer Service, which stays <pending>${where} without a load-balancer provider; ${fix}`,
            },
          ]
        : [],
    );
  },
};

const loadBalancerPool: ClusterSpecRule = {
  id: 'load-balancer-pool',
  description: 'A load-balancer provider (MetalLB) has an address pool',
  check: ({ addons, network }, catalog) => {
    if (!addons || !catalog || !network || network.metallbRange) return [];
    const byId = catalogIndex(catalog);
    const provider = addons.find(ref =>
      byId.get(ref.id)?.provides.includes(WELL_KNOWN_CAPABILITIES.loadBalancer),
    );
    if (!provider) return [];
    const nodeCidr = parseIpv4Cidr(network.nodeCidr);
    return [
      {
        path: 'spec.network.metallbRange',
        message: `is required because "${
          provider.id
        }" is installed; set the address pool it hands out${
          nodeCidr ? suggestedMetallbRange(nodeCidr) : ''
        }`,
      },
    ];
  },
};

const accessOidcInstaller: ClusterSpecRule = {
  id: 'access-oidc-installer',
  description:
    'OIDC sign-in settings need the kubeadm installer (kpaas sets the API server flags through kubeadm)',
  check: ({ kubernetes, access }) => {
    if (!kubernetes || !access || kubernetes.installer === 'kubeadm') return [];
    const asked = (
      [
        ['oidc', access.oidc && access.oidc.enabled !== false],
        ['ownerClusterRole', access.ownerClusterRole !== undefined],
        ['groups', (access.groups ?? []).length > 0],
      ] as const
    ).filter(([, set]) => set);
    return asked.map(([field]) => ({
      path: `spec.access.${field}`,
      message: `the ${kubernetes.installer} installer takes no API server OIDC flags from kpaas, so nobody could sign in with them; use spec.kubernetes.installer "kubeadm" or remove spec.access.${field}`,
    }));
  },
};

/**
 * Every semantic rule, in reporting order.
 * @public
 */
export const clusterSpecRules: ReadonlyArray<ClusterSpecRule> = [
  kakaoZoneInRegion,
  kakaoSubnet,
  kakaoProviderCidrs,
  kakaoProviderNames,
  networkOverlap,
  podCidrCapacity,
  serviceCidrSize,
  nodeAddressPlan,
  existingHostsUnique,
  existingHostsRoles,
  apiEndpointType,
  apiEndpointAddress,
  metallbRange,
  ingressIp,
  machineMinimums,
  installerCompatibility,
  accessOidcInstaller,
  addonUnique,
  addonKnown,
  addonConflicts,
  addonGatewayApiCrds,
  addonDependencies,
  addonLoadBalancer,
  loadBalancerPool,
];

// ---------------------------------------------------------------------------------------------
// entry points

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsedOrUndefined<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  value: unknown,
): T | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** Parses each section on its own, so the rules can run on the sections that are sound. */
function sectionsOf(data: unknown): ClusterSpecSections {
  const root = isRecord(data) ? data : {};
  const metadata = isRecord(root.metadata) ? root.metadata : {};
  const body = isRecord(root.spec) ? root.spec : {};
  return {
    name: parsedOrUndefined(clusterMetadataSchema.shape.name, metadata.name),
    target: parsedOrUndefined(clusterTargetSchema, body.target),
    kubernetes: parsedOrUndefined(kubernetesSettingsSchema, body.kubernetes),
    controlPlane: parsedOrUndefined(
      controlPlaneSettingsSchema,
      body.controlPlane,
    ),
    workers: parsedOrUndefined(workerSettingsSchema, body.workers),
    network: parsedOrUndefined(clusterNetworkSchema, body.network),
    addons: parsedOrUndefined(
      z.array(clusterAddonRefSchema).default([]),
      body.addons,
    ),
    access: parsedOrUndefined(sshAccessSchema, body.access),
  };
}

function runRules(
  sections: ClusterSpecSections,
  catalog: AddonCatalog | undefined,
): SpecValidationError[] {
  return clusterSpecRules.flatMap(rule =>
    rule.check(sections, catalog).map(f => ({ ...f, rule: rule.id })),
  );
}

/**
 * Runs the semantic rules on an already parsed spec (e.g. one built in code).
 * @public
 */
export function validateClusterSpec(
  spec: ClusterSpec,
  options: ParseClusterSpecOptions = {},
): SpecValidationError[] {
  return runRules(
    {
      name: spec.metadata.name,
      ...spec.spec,
    },
    options.catalog,
  );
}

/**
 * Parses cluster.yaml (YAML text or loaded data) and reports every problem at once: schema
 * errors of each field plus the semantic rules of {@link clusterSpecRules}. Each error names the
 * field (dotted path) and says how to fix it.
 * @public
 */
export function parseClusterSpec(
  input: unknown,
  options: ParseClusterSpecOptions = {},
): ClusterSpecParseResult {
  const loaded = loadYamlOrObject(input);
  if (!loaded.ok) return loaded;
  const parsed = clusterSpecSchema.safeParse(loaded.data, {
    errorMap: fixOrientedErrorMap,
  });
  const schemaErrors = parsed.success
    ? []
    : zodIssuesToErrors(parsed.error.issues);
  const ruleErrors = runRules(sectionsOf(loaded.data), options.catalog);
  const errors = uniqueErrors([...schemaErrors, ...ruleErrors]);
  if (parsed.success && errors.length === 0)
    return { ok: true, spec: parsed.data };
  return { ok: false, errors };
}
