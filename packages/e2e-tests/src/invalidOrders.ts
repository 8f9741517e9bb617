/*
 * Invalid kpaas-cluster orders, one rule each (template JSON Schema and ClusterSpec rules), for
 * the end-to-end test: each must be refused with a message naming the field, before anything
 * runs. `at: 'schema'` is refused by the scaffolder's parameter/secret check (HTTP 400, no task);
 * `at: 'cluster-repo'` passes JSON Schema and is refused by kpaas:cluster-repo's ClusterSpec check
 * (the order becoming cluster.yaml), the task's first step, before any SSH connection or registry
 * write.
 */

/** The form values of an order (what the scaffolder stores as the task's parameters). */
export type OrderValues = Record<string, any>;

export interface InvalidOrder {
  name: string;
  /** The field the message must name. */
  field: string;
  at: 'schema' | 'cluster-repo';
  /** Changes a copy of valid order values. */
  mutate?(values: OrderValues): void;
  /** Replaces task secrets (undefined removes one). */
  secrets?: Record<string, string | undefined>;
  /** What the refusal must say. */
  expect: RegExp;
}

const hostOf = (v: OrderValues, role: string, n = 0) =>
  v.existing.hosts.filter((h: any) => h.role === role)[n];

export const INVALID_ORDERS: InvalidOrder[] = [
  // ---- Cluster page
  {
    name: 'upper-case name',
    field: 'name',
    at: 'schema',
    mutate: v => (v.name = 'E2E-Invalid'),
    expect: /instance\.name does not match pattern/,
  },
  {
    name: 'name over 52 characters',
    field: 'name',
    at: 'schema',
    mutate: v => (v.name = `x${'y'.repeat(52)}`),
    expect: /instance\.name does not meet maximum length of 52/,
  },
  {
    name: 'name with an underscore',
    field: 'name',
    at: 'schema',
    mutate: v => (v.name = 'e2e_invalid'),
    expect: /instance\.name does not match pattern/,
  },
  {
    name: 'no name',
    field: 'name',
    at: 'schema',
    mutate: v => delete v.name,
    expect: /requires property \\"name\\"/,
  },
  {
    name: 'no owner',
    field: 'owner',
    at: 'schema',
    mutate: v => delete v.owner,
    expect: /requires property \\"owner\\"/,
  },
  {
    name: 'owner with spaces',
    field: 'owner',
    at: 'schema',
    mutate: v => (v.owner = 'platform team'),
    expect: /instance\.owner does not match pattern/,
  },
  {
    name: 'unknown environment',
    field: 'environment',
    at: 'schema',
    mutate: v => (v.environment = 'prod'),
    expect: /instance\.environment is not one of enum values/,
  },
  {
    name: 'description over 1000 characters',
    field: 'description',
    at: 'schema',
    mutate: v => (v.description = 'd'.repeat(1001)),
    expect: /instance\.description does not meet maximum length of 1000/,
  },
  // ---- Target page
  {
    name: 'unknown target',
    field: 'target',
    at: 'schema',
    mutate: v => (v.target = 'aws'),
    expect: /instance\.target is not one of enum values/,
  },
  {
    name: 'target existing without hosts',
    field: 'existing.hosts',
    at: 'schema',
    mutate: v => (v.existing.hosts = []),
    expect: /instance\.existing\.hosts does not meet minimum length of 1/,
  },
  {
    name: 'host name with an underscore',
    field: 'existing.hosts[0].name',
    at: 'schema',
    mutate: v => (v.existing.hosts[0].name = 'Bad_Name'),
    expect: /instance\.existing\.hosts\[0\]\.name does not match pattern/,
  },
  {
    name: 'unknown host role',
    field: 'existing.hosts[1].role',
    at: 'schema',
    mutate: v => (v.existing.hosts[1].role = 'master'),
    expect: /instance\.existing\.hosts\[1\]\.role is not one of enum values/,
  },
  {
    name: 'host address with spaces',
    field: 'existing.hosts[2].address',
    at: 'schema',
    mutate: v => (v.existing.hosts[2].address = 'not an address'),
    expect: /instance\.existing\.hosts\[2\]\.address does not match pattern/,
  },
  {
    name: 'host SSH port 70000',
    field: 'existing.hosts[3].port',
    at: 'schema',
    mutate: v => (v.existing.hosts[3].port = 70000),
    expect:
      /instance\.existing\.hosts\[3\]\.port must be less than or equal to 65535/,
  },
  {
    name: 'MD5 host key fingerprint',
    field: 'existing.hosts[0].hostKeyFingerprint',
    at: 'schema',
    mutate: v => (v.existing.hosts[0].hostKeyFingerprint = 'MD5:12:34'),
    expect:
      /instance\.existing\.hosts\[0\]\.hostKeyFingerprint does not match pattern/,
  },
  {
    name: 'host without fingerprint',
    field: 'existing.hosts[4].hostKeyFingerprint',
    at: 'schema',
    mutate: v => delete v.existing.hosts[4].hostKeyFingerprint,
    expect:
      /instance\.existing\.hosts\[4\] requires property \\"hostKeyFingerprint\\"/,
  },
  {
    name: 'upper-case host SSH user',
    field: 'existing.hosts[0].user',
    at: 'schema',
    mutate: v => (v.existing.hosts[0].user = 'Root'),
    expect: /instance\.existing\.hosts\[0\]\.user does not match pattern/,
  },
  // ---- Nodes page
  {
    name: 'two control planes',
    field: 'controlPlaneCount',
    at: 'schema',
    mutate: v => (v.controlPlaneCount = 2),
    expect: /instance\.controlPlaneCount is not one of enum values/,
  },
  {
    name: 'no workers',
    field: 'workerCount',
    at: 'schema',
    mutate: v => (v.workerCount = 0),
    expect: /instance\.workerCount must be greater than or equal to 1/,
  },
  {
    name: '101 workers',
    field: 'workerCount',
    at: 'schema',
    mutate: v => (v.workerCount = 101),
    expect: /instance\.workerCount must be less than or equal to 100/,
  },
  {
    name: 'unsupported Kubernetes version',
    field: 'kubernetesVersion',
    at: 'schema',
    mutate: v => (v.kubernetesVersion = 'v1.29.0'),
    expect: /instance\.kubernetesVersion is not one of enum values/,
  },
  {
    name: 'unknown installer',
    field: 'installer',
    at: 'schema',
    mutate: v => (v.installer = 'kubespray'),
    expect: /instance\.installer is not one of enum values/,
  },
  {
    name: 'docker runtime',
    field: 'containerRuntime',
    at: 'schema',
    mutate: v => (v.containerRuntime = 'docker'),
    expect: /instance\.containerRuntime is not one of enum values/,
  },
  {
    name: 'cilium CNI',
    field: 'cni',
    at: 'schema',
    mutate: v => (v.cni = 'cilium'),
    expect: /instance\.cni is not one of enum values/,
  },
  {
    name: 'kpaas-cp with containerd',
    field: 'containerRuntime',
    at: 'schema',
    mutate: v =>
      Object.assign(v, {
        installer: 'kpaas-cp',
        containerRuntime: 'containerd',
      }),
    expect:
      /instance\.containerRuntime does not exactly match expected constant: cri-o/,
  },
  // ---- Network page
  {
    name: 'node CIDR /33',
    field: 'nodeCidr',
    at: 'schema',
    mutate: v => (v.nodeCidr = '10.0.0.0/33'),
    expect: /instance\.nodeCidr does not match pattern/,
  },
  {
    name: 'pod CIDR without prefix length',
    field: 'podCidr',
    at: 'schema',
    mutate: v => (v.podCidr = '10.233.64.0'),
    expect: /instance\.podCidr does not match pattern/,
  },
  {
    name: 'service CIDR with octet 300',
    field: 'serviceCidr',
    at: 'schema',
    mutate: v => (v.serviceCidr = '300.0.0.0/18'),
    expect: /instance\.serviceCidr does not match pattern/,
  },
  {
    name: 'MetalLB range that is one address',
    field: 'metallbRange',
    at: 'schema',
    mutate: v => (v.metallbRange = '10.0.0.1'),
    expect: /instance\.metallbRange does not match pattern/,
  },
  {
    name: 'ingress IP with three octets',
    field: 'ingressIp',
    at: 'schema',
    mutate: v => (v.ingressIp = '10.0.0'),
    expect: /instance\.ingressIp does not match pattern/,
  },
  {
    name: 'domain with an underscore',
    field: 'domain',
    at: 'schema',
    mutate: v => (v.domain = 'lab_kpaas.test'),
    expect: /instance\.domain does not match pattern/,
  },
  {
    name: 'unknown API endpoint type',
    field: 'apiEndpointType',
    at: 'schema',
    mutate: v => (v.apiEndpointType = 'nlb'),
    expect: /instance\.apiEndpointType is not one of enum values/,
  },
  {
    name: 'API endpoint address with five octets',
    field: 'apiEndpointAddress',
    at: 'schema',
    mutate: v => (v.apiEndpointAddress = '10.0.0.1.5'),
    expect: /instance\.apiEndpointAddress does not match pattern/,
  },
  // ---- Add-ons page
  {
    name: 'unknown add-on',
    field: 'addons',
    at: 'schema',
    mutate: v => (v.addons = ['metallb', 'rancher']),
    expect: /instance\.addons\[1\] is not exactly one from/,
  },
  {
    name: 'the same add-on twice',
    field: 'addons',
    at: 'schema',
    mutate: v => (v.addons = ['metallb', 'metallb']),
    expect: /instance\.addons contains duplicate item/,
  },
  {
    name: 'Vault and OpenBao together',
    field: 'addons',
    at: 'schema',
    mutate: v => (v.addons = ['vault', 'openbao']),
    expect: /instance\.addons/,
  },
  {
    name: 'K-PaaS portal with its own Harbor',
    field: 'addons',
    at: 'schema',
    mutate: v => (v.addons = ['kpaas-cp-portal', 'harbor']),
    expect: /instance\.addons\[1\]/,
  },
  // ---- Access and Repository pages
  {
    name: 'SSH user with a space',
    field: 'sshUser',
    at: 'schema',
    mutate: v => (v.sshUser = 'root user'),
    expect: /instance\.sshUser does not match pattern/,
  },
  {
    name: 'SSH port 0',
    field: 'sshPort',
    at: 'schema',
    mutate: v => (v.sshPort = 0),
    expect: /instance\.sshPort must be greater than or equal to 1/,
  },
  {
    name: 'production built without review',
    field: 'reviewFirst',
    at: 'schema',
    mutate: v =>
      Object.assign(v, { environment: 'production', reviewFirst: false }),
    expect:
      /instance\.reviewFirst does not exactly match expected constant: true/,
  },
  {
    name: 'SSH key that is not a private key',
    field: 'sshPrivateKey',
    at: 'schema',
    secrets: { sshPrivateKey: 'ssh-ed25519 AAAAC3Nza public half' },
    expect: /sshPrivateKey/,
  },
  {
    name: 'no SSH key',
    field: 'sshPrivateKey',
    at: 'schema',
    secrets: { sshPrivateKey: undefined },
    expect: /sshPrivateKey/,
  },
  // ---- ClusterSpec rules beyond JSON Schema (kpaas:cluster-repo, before anything runs)
  {
    name: 'pod CIDR overlapping the service CIDR',
    field: 'network.podCidr',
    at: 'cluster-repo',
    mutate: v =>
      Object.assign(v, {
        podCidr: '10.233.0.0/18',
        serviceCidr: '10.233.0.0/18',
      }),
    expect: /spec\.network\.(podCidr|serviceCidr)/,
  },
  {
    name: 'one control plane ordered, three hosts given',
    field: 'controlPlane.count',
    at: 'cluster-repo',
    mutate: v => (v.controlPlaneCount = 1),
    expect: /spec\.(controlPlane\.count|target\.hosts)/,
  },
  {
    name: 'host outside the node CIDR',
    field: 'target.hosts[5].address',
    at: 'cluster-repo',
    mutate: v => (hostOf(v, 'worker', 2).address = '192.0.2.10'),
    expect: /spec\.target\.hosts\.5\.address|spec\.target\.hosts\[5\]\.address/,
  },
  {
    name: 'two hosts with one name',
    field: 'target.hosts[1].name',
    at: 'cluster-repo',
    mutate: v => (v.existing.hosts[1].name = v.existing.hosts[0].name),
    expect: /spec\.target\.hosts\.\d+\.name|spec\.target\.hosts\[\d+\]\.name/,
  },
  {
    name: 'ingress IP outside the node CIDR',
    field: 'network.ingressIp',
    at: 'cluster-repo',
    mutate: v => (v.ingressIp = '192.0.2.201'),
    expect: /spec\.network\.ingressIp/,
  },
  {
    name: 'a .local domain (mDNS)',
    field: 'network.domain',
    at: 'cluster-repo',
    mutate: v => (v.domain = 'lab.local'),
    expect: /spec\.network\.domain/,
  },
];

/** A deep copy of valid values with one case applied (and its own cluster name). */
export function applyMutation(
  valid: OrderValues,
  invalid: InvalidOrder,
): OrderValues {
  const values = structuredClone({ ...valid, name: 'e2e-invalid' });
  invalid.mutate?.(values);
  return values;
}
