import { z } from 'zod/v3'; // the scaffolder's createTemplateAction speaks zod v3: one schema serves both
import { clusterAccessFields } from '../accessSchema';
import { hostKeyFingerprintSchema, nodeRoles } from '../inventory';
import { etcdBackupSchema } from '../operations/backupSpec';
import {
  describeIpv4CidrProblem,
  describeIpv4RangeProblem,
  parseIpv4,
} from './network';
import {
  DEFAULT_KUBERNETES_VERSION,
  KPAAS_CP_KUBERNETES_VERSION,
  defaultKubernetesVersionFor,
  isSupportedKubernetesVersion,
  kubernetesInstallers,
  supportedKubernetesVersions,
} from './versions';

/*
 * The ClusterSpec: the `cluster.yaml` at the root of a cluster repo. Every object is strict, so a
 * misspelt key is an error instead of a silently ignored setting. Checks that involve more than
 * one field (overlaps, add-on dependencies, …) live in validate.ts.
 */

/** `apiVersion` of cluster.yaml. @public */
export const CLUSTER_SPEC_API_VERSION = 'kpaas.io/v1alpha1';
/** `kind` of cluster.yaml. @public */
export const CLUSTER_SPEC_KIND = 'Cluster';

/** Where the machines come from. @public */
export const clusterTargetTypes = [
  'kakao-cloud',
  'multipass',
  'vagrant',
  'existing',
] as const;
/** @public */
export type ClusterTargetType = (typeof clusterTargetTypes)[number];

/** @public */
export const clusterEnvironments = [
  'sandbox',
  'dev',
  'staging',
  'production',
] as const;

/**
 * Longest cluster name: node names are `<cluster>-worker-<n>` with up to 100 workers, and a node
 * name must stay a 63-character DNS label (63 - "-worker-100".length = 52).
 * @public
 */
export const MAX_CLUSTER_NAME_LENGTH = 52;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dnsLabelProblem(value: string, maxLength: number): string | undefined {
  if (value.length > maxLength) {
    return `"${value}" is ${value.length} characters long; shorten it to at most ${maxLength}`;
  }
  if (!DNS1123_LABEL.test(value)) {
    const suggestion = value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
    return `"${value}" is not a DNS-1123 label; use lower-case letters, digits and "-", starting and ending with a letter or digit${
      suggestion && suggestion !== value ? ` (e.g. "${suggestion}")` : ''
    }`;
  }
  return undefined;
}

/**
 * A DNS-1123 label (Kubernetes object and host names).
 * @public
 */
export function dns1123LabelSchema(maxLength = 63) {
  return z.string().superRefine((value, ctx) => {
    const problem = dnsLabelProblem(value, maxLength);
    if (problem)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/** Why `value` is not a usable DNS domain for the platform UIs, or undefined. */
export function describeDomainProblem(value: string): string | undefined {
  const example = 'e.g. k-paas.io or dev.example.com';
  if (value !== value.toLowerCase()) {
    return `"${value}" has upper-case letters; write it in lower case ("${value.toLowerCase()}")`;
  }
  if (value.endsWith('.')) {
    return `"${value}" ends with a dot; drop the trailing "."`;
  }
  if (value.length > 253) {
    return `"${value}" is longer than 253 characters; use a shorter domain`;
  }
  const labels = value.split('.');
  if (labels.length < 2) {
    return `"${value}" is a single label; use a domain with at least two labels, ${example}`;
  }
  const bad = labels.find(l => dnsLabelProblem(l, 63) !== undefined);
  if (bad !== undefined) {
    return `"${value}" has the invalid label "${bad}"; use only lower-case letters, digits, "-" and "." between labels, ${example}`;
  }
  const tld = labels[labels.length - 1];
  if (!/^[a-z][a-z0-9-]*$/.test(tld) || /^\d+$/.test(tld)) {
    return `"${value}" does not end in a top-level domain; use a name, not an IP address, ${example}`;
  }
  if (tld === 'local') {
    return `"${value}" ends in .local, which macOS and Linux resolve with multicast DNS instead of /etc/hosts; use another domain, ${example}`;
  }
  return undefined;
}

/** A DNS domain under which the platform UIs get their host names. @public */
export const domainNameSchema = z.string().superRefine((value, ctx) => {
  const problem = describeDomainProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** A dotted-quad IPv4 address. @public */
export const ipv4AddressSchema = z.string().superRefine((value, ctx) => {
  if (parseIpv4(value) === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" is not an IPv4 address; write it as four numbers 0-255, e.g. 192.168.100.201`,
    });
  }
});

/** An IPv4 CIDR block in canonical form (`10.233.64.0/18`). @public */
export const ipv4CidrSchema = z.string().superRefine((value, ctx) => {
  const problem = describeIpv4CidrProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** An inclusive IPv4 range `first-last` (MetalLB pool syntax). @public */
export const ipv4RangeSchema = z.string().superRefine((value, ctx) => {
  const problem = describeIpv4RangeProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** An IPv4 address or a DNS name (an SSH destination). */
const hostAddressSchema = z.string().superRefine((value, ctx) => {
  if (/^[\d.]+$/.test(value)) {
    if (parseIpv4(value) === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${value}" is not an IPv4 address; write it as four numbers 0-255, e.g. 10.0.0.11`,
      });
    }
    return;
  }
  const labels = value.split('.');
  if (value.length > 253 || labels.some(l => dnsLabelProblem(l, 63))) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" is neither an IPv4 address nor a DNS name; use e.g. 10.0.0.11 or node1.example.com`,
    });
  }
});

/** A supported Kubernetes version (exact patch, with the leading "v"). @public */
export const kubernetesVersionSchema = z.string().superRefine((value, ctx) => {
  if (isSupportedKubernetesVersion(value)) return;
  const withV = value.startsWith('v') ? value : `v${value}`;
  const message = isSupportedKubernetesVersion(withV)
    ? `"${value}" lacks the leading "v"; write "${withV}"`
    : `"${value}" is not a supported Kubernetes version; use one of ${supportedKubernetesVersions.join(
        ', ',
      )} (default ${DEFAULT_KUBERNETES_VERSION}; kpaas-cp: ${KPAAS_CP_KUBERNETES_VERSION})`;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message });
});

/**
 * A Backstage entity reference for the owner: `[kind:][namespace/]name`.
 */
const ownerRefSchema = z
  .string()
  .regex(
    /^(?:[a-zA-Z][a-zA-Z0-9]*:)?(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    'is not a catalog entity reference; use [kind:][namespace/]name, e.g. "group:default/platform-team"',
  );

const sshUserSchema = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_-]{0,31}$/,
    'is not a Linux user name; use lower-case letters, digits, "_" and "-" (at most 32), e.g. "ubuntu"',
  );

const portSchema = z.number().int().min(1).max(65535);

/** Size of one machine of a role on a local VM target. @public */
export const machineSizeSchema = z
  .object({
    cpus: z.number().int().min(1).max(64).describe('vCPUs'),
    memoryGiB: z.number().int().min(1).max(512).describe('Memory in GiB'),
    diskGiB: z.number().int().min(10).max(2048).describe('Primary disk in GiB'),
  })
  .strict();

/** @public */
export type MachineSize = z.infer<typeof machineSizeSchema>;

function machineSize(defaults: MachineSize) {
  return z
    .object({
      cpus: machineSizeSchema.shape.cpus.default(defaults.cpus),
      memoryGiB: machineSizeSchema.shape.memoryGiB.default(defaults.memoryGiB),
      diskGiB: machineSizeSchema.shape.diskGiB.default(defaults.diskGiB),
    })
    .strict()
    .default({});
}

/**
 * Kakao Cloud (OpenStack based) VMs created with Terraform: VPC, subnet, NLBs for the API and
 * ingress, fixed private IPs (see derive.ts). Defaults are K-PaaS Lite's terraform-layered ones.
 * @public
 */
export const kakaoCloudTargetSchema = z
  .object({
    type: z.literal('kakao-cloud'),
    region: z
      .string()
      .regex(
        /^[a-z]{2}-[a-z]+-\d+$/,
        'is not a Kakao Cloud region; use e.g. "kr-central-2"',
      )
      .default('kr-central-2'),
    availabilityZone: z
      .string()
      .regex(
        /^[a-z]{2}-[a-z]+-\d+-[a-z]$/,
        'is not an availability zone; use <region>-<letter>, e.g. "kr-central-2-a"',
      )
      .default('kr-central-2-a'),
    image: z.string().min(1).default('Ubuntu 24.04'),
    controlPlaneFlavor: z
      .string()
      .regex(
        /^[a-z0-9]+\.[a-z0-9]+$/,
        'is not an instance flavor name; use <family>.<size>, e.g. "t1i.xlarge"',
      )
      .default('t1i.large'),
    workerFlavor: z
      .string()
      .regex(
        /^[a-z0-9]+\.[a-z0-9]+$/,
        'is not an instance flavor name; use <family>.<size>, e.g. "t1i.xlarge"',
      )
      .default('t1i.xlarge'),
    volumeSizeGiB: z
      .number()
      .int()
      .min(
        50,
        'must be at least 50 (Kakao Cloud root volume minimum); raise it',
      )
      .max(
        1000,
        'must be at most 1000 (Kakao Cloud root volume maximum); lower it',
      )
      .default(200)
      .describe('Root volume of every node in GiB'),
    keyPair: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/,
        'is not a key pair name; use letters, digits, "_", "." and "-", e.g. "KPAAS_KEYPAIR"',
      )
      .describe(
        'Name of the Kakao Cloud key pair (the private key stays a task secret)',
      ),
    vpcCidr: ipv4CidrSchema.default('172.16.0.0/16'),
    subnetCidr: ipv4CidrSchema
      .default('172.16.0.0/24')
      .describe('The nodes subnet; equals spec.network.nodeCidr'),
  })
  .strict();

/**
 * Multipass VMs on the operator's machine (seed: bocopile/mac-k8s-multipass-terraform).
 * Addresses come from Multipass's DHCP, so none are planned.
 * @public
 */
export const multipassTargetSchema = z
  .object({
    type: z.literal('multipass'),
    image: z
      .string()
      .min(1)
      .default('24.04')
      .describe('Multipass image, e.g. 24.04'),
    controlPlane: machineSize({ cpus: 2, memoryGiB: 4, diskGiB: 40 }),
    worker: machineSize({ cpus: 2, memoryGiB: 4, diskGiB: 50 }),
  })
  .strict();

/** @public */
export const vagrantProviders = [
  'virtualbox',
  'vmware_desktop',
  'libvirt',
] as const;

/**
 * Vagrant VMs with static private-network IPs (seed: K-PaaS Lite's Vagrantfile), optionally with
 * an HAProxy + keepalived pair carrying the API VIP.
 * @public
 */
export const vagrantTargetSchema = z
  .object({
    type: z.literal('vagrant'),
    box: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
        'is not a Vagrant box name; use <owner>/<box>, e.g. "dasomel/ubuntu-24.04"',
      )
      .default('dasomel/ubuntu-24.04'),
    boxVersion: z
      .string()
      .regex(/^\d+(\.\d+){0,3}$/, 'is not a box version; use e.g. "0.1.0"')
      .default('0.1.0'),
    provider: z.enum(vagrantProviders).default('vmware_desktop'),
    lbPair: z
      .boolean()
      .default(true)
      .describe('Two HAProxy + keepalived machines carrying the API VIP'),
    controlPlane: machineSize({ cpus: 2, memoryGiB: 4, diskGiB: 40 }),
    worker: machineSize({ cpus: 6, memoryGiB: 6, diskGiB: 50 }),
    lb: machineSize({ cpus: 1, memoryGiB: 1, diskGiB: 20 }),
  })
  .strict();

/** One machine that already exists. @public */
export const existingHostSchema = z
  .object({
    name: dns1123LabelSchema(),
    role: z.enum(nodeRoles),
    address: hostAddressSchema.describe(
      'Address kpaas connects to over SSH; an IPv4 address must lie in spec.network.nodeCidr',
    ),
    port: portSchema
      .optional()
      .describe('SSH port; defaults to spec.access.sshPort'),
    user: sshUserSchema
      .optional()
      .describe('SSH user; defaults to spec.access.sshUser'),
    hostKeyFingerprint: hostKeyFingerprintSchema.optional(),
  })
  .strict();

/** @public */
export type ExistingHost = z.infer<typeof existingHostSchema>;

/** Machines that already exist (bare metal or VMs kpaas did not create). @public */
export const existingTargetSchema = z
  .object({
    type: z.literal('existing'),
    hosts: z.array(existingHostSchema).min(1),
  })
  .strict();

/** The target and its settings, by `type`. @public */
export const clusterTargetSchema = z.discriminatedUnion('type', [
  kakaoCloudTargetSchema,
  multipassTargetSchema,
  vagrantTargetSchema,
  existingTargetSchema,
]);

/** @public */
export type ClusterTarget = z.infer<typeof clusterTargetSchema>;
/** @public */
export type KakaoCloudTarget = z.infer<typeof kakaoCloudTargetSchema>;
/** @public */
export type MultipassTarget = z.infer<typeof multipassTargetSchema>;
/** @public */
export type VagrantTarget = z.infer<typeof vagrantTargetSchema>;
/** @public */
export type ExistingTarget = z.infer<typeof existingTargetSchema>;

/** @public */
export const kubernetesSettingsSchema = z
  .object({
    version: kubernetesVersionSchema.optional(),
    installer: z.enum(kubernetesInstallers).default('kubeadm'),
    containerRuntime: z.enum(['containerd', 'cri-o']).default('containerd'),
    cni: z.enum(['calico', 'flannel']).default('calico'),
  })
  .strict()
  // no version: the installer's default (kpaas-cp installs only its bundle's version)
  .transform(({ version, ...rest }) => ({
    version: version ?? defaultKubernetesVersionFor(rest.installer),
    ...rest,
  }))
  .default({});

/** @public */
export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;

/** How clients reach the API server. @public */
export const apiEndpointTypes = ['vip', 'lb', 'host'] as const;
/** @public */
export type ApiEndpointType = (typeof apiEndpointTypes)[number];

/**
 * etcd needs a majority: 1, 3 or 5 members. An even count tolerates no more failures than the
 * odd count below it and adds a member that must agree on every write.
 */
const controlPlaneCountSchema = z
  .number()
  .int()
  .superRefine((count, ctx) => {
    if (count === 1 || count === 3 || count === 5) return;
    let message: string;
    if (count <= 0) {
      message = `${count} control-plane nodes cannot run a cluster; use 1, 3 or 5`;
    } else if (count % 2 === 0) {
      message = `${count} is even: etcd with ${count} members tolerates no more failures than ${
        count - 1
      }; use ${count - 1} or ${Math.min(count + 1, 5)}`;
    } else {
      message = `${count} control-plane nodes is more than kpaas supports; use 1, 3 or 5`;
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });

/** @public */
export const controlPlaneSettingsSchema = z
  .object({
    count: controlPlaneCountSchema.describe('1, 3 or 5'),
    endpoint: z
      .object({
        type: z
          .enum(apiEndpointTypes)
          .optional()
          .describe(
            'vip: keepalived VIP on the lb machines; lb: a load balancer (Kakao NLB or your own); host: the first control-plane node. Default: lb on kakao-cloud, vip when lb machines exist, otherwise host',
          ),
        address: ipv4AddressSchema
          .optional()
          .describe(
            'vip: defaults to host .200 of the node network; lb: the LB address',
          ),
        port: portSchema.default(6443),
      })
      .strict()
      .default({}),
  })
  .strict();

/** @public */
export type ControlPlaneSettings = z.infer<typeof controlPlaneSettingsSchema>;

/** @public */
export const MAX_WORKERS = 100;

/** @public */
export const workerSettingsSchema = z
  .object({
    count: z.number().int().min(1).max(MAX_WORKERS),
  })
  .strict();

/** @public */
export type WorkerSettings = z.infer<typeof workerSettingsSchema>;

/**
 * Networks of the cluster. Pod and service defaults are Kubespray's (and so K-PaaS's).
 * @public
 */
export const clusterNetworkSchema = z
  .object({
    nodeCidr: ipv4CidrSchema.describe(
      'Subnet the nodes live in (private network)',
    ),
    podCidr: ipv4CidrSchema.default('10.233.64.0/18'),
    serviceCidr: ipv4CidrSchema.default('10.233.0.0/18'),
    metallbRange: ipv4RangeSchema
      .optional()
      .describe(
        'MetalLB address pool inside nodeCidr, e.g. 192.168.100.210-192.168.100.250',
      ),
    ingressIp: ipv4AddressSchema
      .optional()
      .describe('LoadBalancer IP of the ingress controller, inside nodeCidr'),
    domain: domainNameSchema.describe('Platform UIs live at <prefix>.<domain>'),
  })
  .strict();

/** @public */
export type ClusterNetwork = z.infer<typeof clusterNetworkSchema>;

/** One add-on to install, by catalog id, with optional Helm value overrides. @public */
export const clusterAddonRefSchema = z
  .object({
    id: dns1123LabelSchema(),
    values: z
      .record(z.unknown())
      .optional()
      .describe(
        'Helm values merged over the catalog values files (no secrets: use Secrets)',
      ),
  })
  .strict();

/** @public */
export type ClusterAddonRef = z.infer<typeof clusterAddonRefSchema>;

/**
 * SSH settings (keys and passwords are never part of the spec: they are task secrets) and who
 * gets into the cluster's API server (OIDC, groups; see ../accessSchema.ts).
 * @public
 */
export const sshAccessSchema = z
  .object({
    sshUser: sshUserSchema.default('ubuntu'),
    sshPort: portSchema.default(22),
    ...clusterAccessFields,
  })
  .strict()
  .default({});

/** @public */
export type SshAccess = z.infer<typeof sshAccessSchema>;

/** @public */
export const clusterMetadataSchema = z
  .object({
    name: dns1123LabelSchema(MAX_CLUSTER_NAME_LENGTH).describe(
      'Cluster name: DNS-1123 label, prefix of every node name',
    ),
    owner: ownerRefSchema.describe(
      'Owning user or group (catalog entity reference)',
    ),
    description: z.string().max(1000).optional(),
    environment: z.enum(clusterEnvironments),
  })
  .strict();

/** @public */
export type ClusterMetadata = z.infer<typeof clusterMetadataSchema>;

/** @public */
export const clusterSpecBodySchema = z
  .object({
    target: clusterTargetSchema,
    kubernetes: kubernetesSettingsSchema,
    controlPlane: controlPlaneSettingsSchema,
    workers: workerSettingsSchema,
    network: clusterNetworkSchema,
    addons: z.array(clusterAddonRefSchema).default([]),
    backup: etcdBackupSchema
      .optional()
      .describe('Scheduled etcd snapshots to an S3-compatible bucket'),
    access: sshAccessSchema,
  })
  .strict();

/**
 * The whole `cluster.yaml`. This checks each field on its own; use `parseClusterSpec` for the
 * cross-field checks as well.
 * @public
 */
export const clusterSpecSchema = z
  .object({
    apiVersion: z.literal(CLUSTER_SPEC_API_VERSION),
    kind: z.literal(CLUSTER_SPEC_KIND),
    metadata: clusterMetadataSchema,
    spec: clusterSpecBodySchema,
  })
  .strict();

/** A parsed cluster.yaml, defaults applied. @public */
export type ClusterSpec = z.infer<typeof clusterSpecSchema>;

/** cluster.yaml as written (optional fields may be left out). @public */
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
