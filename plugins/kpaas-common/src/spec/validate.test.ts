import { stringify } from 'yaml';
import {
  existingSpec,
  fixtureCatalog,
  kakaoSpec,
  multipassSpec,
  specWith,
  vagrantSpec,
} from './__fixtures__/testSpecs';
import { defaultClusterSpec } from './defaults';
import { formatSpecErrors } from './errors';
import { clusterTargetTypes } from './schema';
import {
  DEFAULT_KUBERNETES_VERSION,
  KPAAS_CP_KUBERNETES_VERSION,
} from './versions';
import { clusterSpecRules, parseClusterSpec } from './validate';

const catalog = fixtureCatalog();

const withAddons = (spec: Record<string, any>, ...ids: string[]) =>
  specWith(spec, d => {
    d.spec.addons = ids.map(id => ({ id }));
  });

describe('parseClusterSpec: valid specs', () => {
  it.each([
    ['vagrant (K-PaaS Lite layout)', vagrantSpec],
    ['kakao-cloud (K-PaaS Lite terraform-layered)', kakaoSpec],
    ['multipass (bocopile 3 + 3)', multipassSpec],
    ['existing hosts', existingSpec],
    [
      'vagrant with a full add-on set',
      withAddons(
        vagrantSpec,
        'metallb',
        'ingress-nginx',
        'istio-base',
        'istiod',
        'kube-prometheus-stack',
        'kiali',
        'local-path-provisioner',
        'loki',
        'promtail',
        'jaeger',
        'argo-cd',
        'openbao',
        'harbor',
        'keycloak',
        'chartmuseum',
        'cp-portal',
      ),
    ],
    [
      'existing hosts with an lb pair and the VIP',
      specWith(existingSpec, d => {
        d.spec.target.hosts.push(
          { name: 'metal-lb-1', role: 'lb', address: '10.10.0.31' },
          { name: 'metal-lb-2', role: 'lb', address: '10.10.0.32' },
        );
        d.spec.controlPlane.endpoint = { address: '10.10.0.100' };
      }),
    ],
  ])('%s', (_, spec) => {
    const result = parseClusterSpec(spec, { catalog });
    if (!result.ok) throw new Error(formatSpecErrors(result.errors));
    expect(result.ok).toBe(true);
  });

  it.each(clusterTargetTypes)('defaultClusterSpec(%s) is valid', target => {
    const spec = defaultClusterSpec('demo', target);
    expect(parseClusterSpec(spec, { catalog })).toEqual({ ok: true, spec });
  });

  it('accepts YAML text and applies defaults', () => {
    const result = parseClusterSpec(stringify(vagrantSpec));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.spec.kubernetes).toEqual({
      version: DEFAULT_KUBERNETES_VERSION,
      installer: 'kubeadm',
      containerRuntime: 'containerd',
      cni: 'calico',
    });
    expect(result.spec.spec.network.podCidr).toBe('10.233.64.0/18');
    expect(result.spec.spec.network.serviceCidr).toBe('10.233.0.0/18');
    expect(result.spec.spec.controlPlane.endpoint.port).toBe(6443);
    expect(result.spec.spec.access).toEqual({
      sshUser: 'vagrant',
      sshPort: 22,
    });
    expect(result.spec.spec.addons).toEqual([]);
  });

  it('a spec without a version gets its installer’s: kubeadm the current default, kpaas-cp its bundle’s', () => {
    expect(DEFAULT_KUBERNETES_VERSION).toBe('v1.35.1');
    const kpaasCp = parseClusterSpec(
      specWith(kakaoSpec, d => {
        delete d.spec.kubernetes.version;
      }),
      { catalog },
    );
    if (!kpaasCp.ok) throw new Error(formatSpecErrors(kpaasCp.errors));
    expect(kpaasCp.spec.spec.kubernetes).toMatchObject({
      installer: 'kpaas-cp',
      version: KPAAS_CP_KUBERNETES_VERSION,
    });
    expect(KPAAS_CP_KUBERNETES_VERSION).toBe('v1.33.5');
  });

  it('skips catalog-dependent add-on rules without a catalog', () => {
    expect(
      parseClusterSpec(withAddons(vagrantSpec, 'not-in-any-catalog')).ok,
    ).toBe(true);
  });
});

type InvalidCase = {
  /** the schema check or rule id under test */
  rule: string;
  spec: unknown;
  /** expected errors: [path, message fragment] — exactly these, in any order */
  errors: Array<[string, string]>;
};

const badSpecs: InvalidCase[] = [
  // ---- document and shape -------------------------------------------------------------------
  {
    rule: 'yaml-syntax',
    spec: 'apiVersion: kpaas.io/v1alpha1\nkind: Cluster\nkind: Cluster\n',
    errors: [
      [
        '(document)',
        'Map keys must be unique at line 3, column 1; fix the YAML syntax',
      ],
    ],
  },
  {
    rule: 'api-version',
    spec: specWith(vagrantSpec, d => {
      d.apiVersion = 'kpaas.io/v1';
    }),
    errors: [['apiVersion', 'must be "kpaas.io/v1alpha1"']],
  },
  {
    rule: 'unknown-field',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.podCIDR = '10.233.64.0/18';
    }),
    errors: [
      [
        'spec.network.podCIDR',
        'is not a known field; remove it or fix its spelling',
      ],
    ],
  },
  {
    rule: 'no-ssh-keys-in-spec',
    spec: specWith(vagrantSpec, d => {
      d.spec.access.sshPrivateKey = '-----BEGIN OPENSSH PRIVATE KEY-----';
    }),
    errors: [['spec.access.sshPrivateKey', 'is not a known field']],
  },
  {
    rule: 'required-field',
    spec: specWith(vagrantSpec, d => {
      delete d.metadata.owner;
    }),
    errors: [['metadata.owner', 'is required; add it']],
  },
  {
    rule: 'string-not-number',
    spec: specWith(vagrantSpec, d => {
      d.spec.kubernetes = { version: 1.33 };
    }),
    errors: [['spec.kubernetes.version', 'quote the value']],
  },
  // ---- metadata ------------------------------------------------------------------------------
  {
    rule: 'name-dns-1123',
    spec: specWith(vagrantSpec, d => {
      d.metadata.name = 'Dev_Cluster';
    }),
    errors: [
      [
        'metadata.name',
        'not a DNS-1123 label; use lower-case letters, digits and "-"',
      ],
    ],
  },
  {
    rule: 'name-length',
    spec: specWith(vagrantSpec, d => {
      d.metadata.name = 'a'.repeat(53);
    }),
    errors: [['metadata.name', 'shorten it to at most 52']],
  },
  {
    rule: 'owner-entity-ref',
    spec: specWith(vagrantSpec, d => {
      d.metadata.owner = 'platform team';
    }),
    errors: [['metadata.owner', 'e.g. "group:default/platform-team"']],
  },
  {
    rule: 'environment',
    spec: specWith(vagrantSpec, d => {
      d.metadata.environment = 'prod';
    }),
    errors: [
      ['metadata.environment', 'use one of sandbox, dev, staging, production'],
    ],
  },
  // ---- target fields -------------------------------------------------------------------------
  {
    rule: 'target-type',
    spec: specWith(vagrantSpec, d => {
      d.spec.target = { type: 'aws' };
    }),
    errors: [
      [
        'spec.target.type',
        'must be one of kakao-cloud, multipass, vagrant, existing',
      ],
    ],
  },
  {
    rule: 'kakao-volume-size',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.volumeSizeGiB = 20;
    }),
    errors: [['spec.target.volumeSizeGiB', 'must be at least 50']],
  },
  {
    rule: 'kakao-zone-format',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.availabilityZone = 'kr-central-2';
    }),
    errors: [
      [
        'spec.target.availabilityZone',
        'use <region>-<letter>, e.g. "kr-central-2-a"',
      ],
    ],
  },
  {
    rule: 'vagrant-provider',
    spec: specWith(vagrantSpec, d => {
      d.spec.target.provider = 'parallels';
    }),
    errors: [
      [
        'spec.target.provider',
        'use one of virtualbox, vmware_desktop, libvirt',
      ],
    ],
  },
  {
    rule: 'host-key-fingerprint',
    spec: specWith(existingSpec, d => {
      d.spec.target.hosts[0].hostKeyFingerprint = 'MD5:aa:bb';
    }),
    errors: [
      ['spec.target.hosts[0].hostKeyFingerprint', 'OpenSSH SHA256 fingerprint'],
    ],
  },
  {
    rule: 'host-address-syntax',
    spec: specWith(existingSpec, d => {
      d.spec.target.hosts[1].address = '10.10.0.300';
    }),
    errors: [['spec.target.hosts[1].address', 'not an IPv4 address']],
  },
  {
    rule: 'ssh-user',
    spec: specWith(vagrantSpec, d => {
      d.spec.access.sshUser = 'Root User';
    }),
    errors: [['spec.access.sshUser', 'is not a Linux user name']],
  },
  // ---- kubernetes and counts -----------------------------------------------------------------
  {
    rule: 'kubernetes-version-supported',
    spec: specWith(vagrantSpec, d => {
      d.spec.kubernetes = { version: 'v1.30.2' };
    }),
    errors: [
      [
        'spec.kubernetes.version',
        'not a supported Kubernetes version; use one of v1.31.13',
      ],
    ],
  },
  {
    rule: 'kubernetes-version-leading-v',
    spec: specWith(vagrantSpec, d => {
      d.spec.kubernetes = { version: '1.33.5' };
    }),
    errors: [
      ['spec.kubernetes.version', 'lacks the leading "v"; write "v1.33.5"'],
    ],
  },
  {
    rule: 'control-plane-count-even',
    spec: specWith(vagrantSpec, d => {
      d.spec.controlPlane.count = 2;
    }),
    errors: [
      [
        'spec.controlPlane.count',
        '2 is even: etcd with 2 members tolerates no more failures than 1; use 1 or 3',
      ],
    ],
  },
  {
    rule: 'control-plane-count-zero',
    spec: specWith(vagrantSpec, d => {
      d.spec.controlPlane.count = 0;
    }),
    errors: [
      ['spec.controlPlane.count', 'cannot run a cluster; use 1, 3 or 5'],
    ],
  },
  {
    rule: 'control-plane-count-too-many',
    spec: specWith(vagrantSpec, d => {
      d.spec.controlPlane.count = 7;
    }),
    errors: [['spec.controlPlane.count', 'more than kpaas supports']],
  },
  {
    rule: 'worker-count',
    spec: specWith(vagrantSpec, d => {
      d.spec.workers.count = 101;
    }),
    errors: [['spec.workers.count', 'must be at most 100']],
  },
  // ---- network fields ------------------------------------------------------------------------
  {
    rule: 'cidr-syntax',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.podCidr = '10.233.64.0/33';
    }),
    errors: [
      [
        'spec.network.podCidr',
        'is not an IPv4 CIDR block; write it as <address>/<prefix 0-32>',
      ],
    ],
  },
  {
    rule: 'cidr-host-bits',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.serviceCidr = '10.233.0.5/18';
    }),
    errors: [
      [
        'spec.network.serviceCidr',
        'has host bits set; use the network address 10.233.0.0/18',
      ],
    ],
  },
  {
    rule: 'ip-syntax',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.ingressIp = '192.168.100.300';
    }),
    errors: [['spec.network.ingressIp', 'is not an IPv4 address']],
  },
  {
    rule: 'range-syntax',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.metallbRange = '192.168.100.250-192.168.100.210';
    }),
    errors: [
      [
        'spec.network.metallbRange',
        'starts after it ends; put the lower address first',
      ],
    ],
  },
  {
    rule: 'domain-case',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.domain = 'K-PaaS.io';
    }),
    errors: [['spec.network.domain', 'write it in lower case ("k-paas.io")']],
  },
  {
    rule: 'domain-single-label',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.domain = 'localhost';
    }),
    errors: [['spec.network.domain', 'use a domain with at least two labels']],
  },
  {
    rule: 'domain-label-syntax',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.domain = 'k_paas.io';
    }),
    errors: [['spec.network.domain', 'has the invalid label "k_paas"']],
  },
  {
    rule: 'domain-mdns',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.domain = 'k-paas.local';
    }),
    errors: [['spec.network.domain', 'multicast DNS']],
  },
  {
    rule: 'addon-id-syntax',
    spec: withAddons(vagrantSpec, 'Vault'),
    errors: [['spec.addons[0].id', 'not a DNS-1123 label']],
  },
  // ---- semantic rules ------------------------------------------------------------------------
  {
    rule: 'kakao-zone-in-region',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.availabilityZone = 'kr-central-1-a';
    }),
    errors: [
      [
        'spec.target.availabilityZone',
        'is not a zone of region kr-central-2; use one of its zones such as kr-central-2-a',
      ],
    ],
  },
  {
    rule: 'kakao-provider-cidr',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.vpcCidr = '172.16.0.0/12';
      d.spec.target.subnetCidr = '172.16.0.0/19';
      d.spec.network.nodeCidr = '172.16.0.0/19';
    }),
    errors: [
      [
        'spec.target.vpcCidr',
        '172.16.0.0/12 is a /12; Kakao Cloud accepts a VPC of /16 to /24 only, e.g. 172.16.0.0/16',
      ],
      [
        'spec.target.subnetCidr',
        '172.16.0.0/19 is a /19; Kakao Cloud accepts a subnet of /20 to /26 only, e.g. 172.16.0.0/20',
      ],
    ],
  },
  {
    rule: 'kakao-provider-names (double symbols)',
    spec: specWith(kakaoSpec, d => {
      d.metadata.name = 'team--a';
      d.spec.target.keyPair = 'ops_-key';
    }),
    errors: [
      [
        'metadata.name',
        '"team--a" holds "--"; on kakao-cloud every resource name starts with the cluster name and Kakao Cloud refuses --, __, -_ and _- in names: use single hyphens, e.g. "team-a"',
      ],
      [
        'spec.target.keyPair',
        '"ops_-key" holds "_-", which Kakao Cloud refuses',
      ],
    ],
  },
  {
    rule: 'kakao-provider-names (key pair)',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.keyPair = 'ops.key';
    }),
    errors: [
      [
        'spec.target.keyPair',
        '"ops.key" is not a name the kakaocloud provider accepts for key_name',
      ],
    ],
  },
  {
    rule: 'kakao-subnet',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.vpcCidr = '10.0.0.0/16';
    }),
    errors: [
      [
        'spec.target.subnetCidr',
        'is not inside spec.target.vpcCidr (10.0.0.0/16); choose a subnet of the VPC',
      ],
    ],
  },
  {
    rule: 'kakao-subnet (node network)',
    spec: specWith(kakaoSpec, d => {
      d.spec.target.subnetCidr = '172.16.1.0/24';
    }),
    errors: [
      [
        'spec.network.nodeCidr',
        'differs from spec.target.subnetCidr (172.16.1.0/24)',
      ],
    ],
  },
  {
    rule: 'network-overlap (pods / nodes)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.podCidr = '192.168.0.0/16';
    }),
    errors: [
      [
        'spec.network.podCidr',
        '192.168.0.0/16 overlaps spec.network.nodeCidr (192.168.100.0/24): pods and nodes would share addresses; choose a pod block outside it',
      ],
    ],
  },
  {
    rule: 'network-overlap (services / pods)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.serviceCidr = '10.233.64.0/20';
    }),
    errors: [
      [
        'spec.network.serviceCidr',
        'overlaps spec.network.podCidr (10.233.64.0/18): pod and Service addresses would collide',
      ],
    ],
  },
  {
    rule: 'network-overlap (Kakao VPC)',
    spec: specWith(kakaoSpec, d => {
      d.spec.network.podCidr = '172.16.64.0/18';
    }),
    errors: [
      ['spec.network.podCidr', 'overlaps spec.target.vpcCidr (172.16.0.0/16)'],
    ],
  },
  {
    rule: 'pod-cidr-capacity',
    spec: specWith(kakaoSpec, d => {
      d.spec.workers.count = 70;
    }),
    errors: [
      [
        'spec.network.podCidr',
        '/18 holds 64 node blocks of /24 but the cluster has 73 nodes; use a /17 or larger',
      ],
    ],
  },
  {
    rule: 'service-cidr-size',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.serviceCidr = '10.96.0.0/26';
    }),
    errors: [['spec.network.serviceCidr', 'leaves too few Service IPs']],
  },
  {
    rule: 'node-address-plan',
    spec: specWith(vagrantSpec, d => {
      d.spec.target.lbPair = false;
      d.spec.workers.count = 12;
      d.spec.network.nodeCidr = '192.168.100.0/25';
      d.spec.network.metallbRange = '192.168.100.60-192.168.100.90';
      d.spec.network.ingressIp = '192.168.100.50';
    }),
    errors: [
      [
        'spec.network.nodeCidr',
        'has no room for the planned addresses of 3 node(s) (host offsets up to .133, e.g. lite-worker-10); use a /24 or larger',
      ],
    ],
  },
  {
    rule: 'node-address-plan (existing host outside the node network)',
    spec: specWith(existingSpec, d => {
      d.spec.target.hosts[1].address = '10.20.0.5';
    }),
    errors: [
      [
        'spec.target.hosts[1].address',
        '10.20.0.5 is not a host address of spec.network.nodeCidr (10.10.0.0/24)',
      ],
    ],
  },
  {
    rule: 'existing-hosts-unique (names)',
    spec: specWith(existingSpec, d => {
      d.spec.target.hosts[2].name = 'metal-worker-1';
    }),
    errors: [
      [
        'spec.target.hosts[2].name',
        '"metal-worker-1" is also the name of spec.target.hosts[1]; give every host its own name',
      ],
    ],
  },
  {
    rule: 'existing-hosts-unique (addresses)',
    spec: specWith(existingSpec, d => {
      d.spec.target.hosts[2].address = '10.10.0.21';
    }),
    errors: [
      [
        'spec.target.hosts[2].address',
        '10.10.0.21 is also the address of spec.target.hosts[1]',
      ],
    ],
  },
  {
    rule: 'existing-hosts-roles',
    spec: specWith(existingSpec, d => {
      d.spec.controlPlane.count = 3;
    }),
    errors: [
      [
        'spec.controlPlane.count',
        'is 3 but spec.target.hosts lists 1 control-plane host(s)',
      ],
    ],
  },
  {
    rule: 'api-endpoint-type (vip on Kakao)',
    spec: specWith(kakaoSpec, d => {
      d.spec.controlPlane.endpoint = { type: 'vip' };
    }),
    errors: [
      [
        'spec.controlPlane.endpoint.type',
        'use type: lb (the master NLB Terraform creates)',
      ],
    ],
  },
  {
    rule: 'api-endpoint-type (lb on Multipass)',
    spec: specWith(multipassSpec, d => {
      d.spec.controlPlane.endpoint = { type: 'lb' };
    }),
    errors: [
      [
        'spec.controlPlane.endpoint.type',
        'the multipass target has no load balancer; use type: host',
      ],
    ],
  },
  {
    rule: 'api-endpoint-type (idle lb pair)',
    spec: specWith(vagrantSpec, d => {
      d.spec.controlPlane.endpoint = { type: 'host' };
    }),
    errors: [
      [
        'spec.target.lbPair',
        'set lbPair: false or spec.controlPlane.endpoint.type: vip',
      ],
    ],
  },
  {
    rule: 'api-endpoint-address (VIP on a node)',
    spec: specWith(vagrantSpec, d => {
      d.spec.controlPlane.endpoint = { address: '192.168.100.111' };
    }),
    errors: [
      [
        'spec.controlPlane.endpoint.address',
        '192.168.100.111 is also the address of node lite-worker-1',
      ],
    ],
  },
  {
    rule: 'api-endpoint-address (lb without address)',
    spec: specWith(existingSpec, d => {
      d.spec.controlPlane.endpoint = { type: 'lb' };
    }),
    errors: [
      [
        'spec.controlPlane.endpoint.address',
        'needs the address of your load balancer',
      ],
    ],
  },
  {
    rule: 'api-endpoint-address (host that is no control plane)',
    spec: specWith(existingSpec, d => {
      d.spec.controlPlane.endpoint = { type: 'host', address: '10.10.0.21' };
    }),
    errors: [
      [
        'spec.controlPlane.endpoint.address',
        '10.10.0.21 is not a control-plane address; leave it out (defaults to 10.10.0.11)',
      ],
    ],
  },
  {
    rule: 'metallb-range (outside the node network)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.metallbRange = '192.168.65.200-192.168.65.250';
    }),
    errors: [
      [
        'spec.network.metallbRange',
        'is not inside the host addresses of spec.network.nodeCidr (192.168.100.0/24); MetalLB (L2) only announces addresses of the node network, so pick a range there, e.g. 192.168.100.210-192.168.100.250',
      ],
    ],
  },
  {
    rule: 'metallb-range (covers node addresses)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.metallbRange = '192.168.100.100-192.168.100.110';
    }),
    errors: [
      [
        'spec.network.metallbRange',
        'includes the address of lite-cp-1 (192.168.100.101); move the range clear of the node addresses',
      ],
    ],
  },
  {
    rule: 'metallb-range (covers the API VIP)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.metallbRange = '192.168.100.195-192.168.100.205';
    }),
    errors: [
      ['spec.network.metallbRange', 'includes the API address 192.168.100.200'],
    ],
  },
  {
    rule: 'ingress-ip (outside the node network)',
    spec: specWith(kakaoSpec, d => {
      d.spec.network.ingressIp = '172.16.1.201';
    }),
    errors: [
      [
        'spec.network.ingressIp',
        'is not a host address of spec.network.nodeCidr (172.16.0.0/24); use a free address of the node network, e.g. 172.16.0.201',
      ],
    ],
  },
  {
    rule: 'ingress-ip (a node address)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.ingressIp = '192.168.100.122';
    }),
    errors: [
      ['spec.network.ingressIp', 'is also the address of node lite-lb-2'],
    ],
  },
  {
    rule: 'ingress-ip (the API VIP)',
    spec: specWith(vagrantSpec, d => {
      d.spec.network.ingressIp = '192.168.100.200';
    }),
    errors: [
      [
        'spec.network.ingressIp',
        'is also the API address; give the ingress its own address',
      ],
    ],
  },
  {
    rule: 'machine-minimums',
    spec: specWith(multipassSpec, d => {
      d.spec.target.controlPlane = { cpus: 1 };
    }),
    errors: [
      [
        'spec.target.controlPlane.cpus',
        '1 is below 2 (kubeadm preflight refuses smaller control-plane nodes)',
      ],
    ],
  },
  {
    rule: 'installer-compat',
    spec: specWith(kakaoSpec, d => {
      d.spec.kubernetes.version = 'v1.34.8';
      d.spec.kubernetes.cni = 'flannel';
    }),
    errors: [
      [
        'spec.kubernetes.version',
        'v1.34.8 cannot be installed by kpaas-cp (K-PaaS 1.7.0 installs v1.33.5)',
      ],
      ['spec.kubernetes.cni', 'kpaas-cp always installs calico'],
    ],
  },
  {
    rule: 'installer-compat',
    spec: specWith(vagrantSpec, d => {
      d.spec.kubernetes = {
        version: 'v1.36.1',
        installer: 'kubeadm',
        containerRuntime: 'containerd',
      };
    }),
    errors: [
      [
        'spec.kubernetes.version',
        'v1.36.1 needs containerd 2.x (Kubernetes 1.35 is the last release that supports containerd 1.x)',
      ],
    ],
  },
  {
    rule: 'access-oidc-installer',
    spec: specWith(kakaoSpec, d => {
      d.spec.access = {
        oidc: { issuerUrl: 'https://login.example.com/realms/acme' },
        groups: [{ group: 'dev-team', clusterRole: 'view' }],
      };
    }),
    errors: [
      [
        'spec.access.oidc',
        'the kpaas-cp installer takes no API server OIDC flags from kpaas',
      ],
      ['spec.access.groups', 'use spec.kubernetes.installer "kubeadm"'],
    ],
  },
  {
    rule: 'addon-unique',
    spec: withAddons(vagrantSpec, 'metallb', 'metallb'),
    errors: [
      [
        'spec.addons[1].id',
        '"metallb" is already listed as spec.addons[0]; merge the two entries',
      ],
    ],
  },
  {
    rule: 'addon-known',
    spec: withAddons(vagrantSpec, 'metallb', 'vaullt'),
    errors: [
      [
        'spec.addons[1].id',
        '"vaullt" is not in the add-on catalog; did you mean "vault"?',
      ],
    ],
  },
  {
    rule: 'addon-conflicts (Vault and OpenBao)',
    spec: withAddons(vagrantSpec, 'metallb', 'vault', 'openbao'),
    errors: [
      [
        'spec.addons[2].id',
        '"openbao" conflicts with "vault" (spec.addons[1]): both provide secrets-manager; keep only one of them',
      ],
    ],
  },
  {
    rule: 'addon-conflicts (two log shippers)',
    spec: withAddons(
      vagrantSpec,
      'local-path-provisioner',
      'loki',
      'promtail',
      'loki-stack',
    ),
    errors: [
      [
        'spec.addons[3].id',
        '"loki-stack" conflicts with "loki" (spec.addons[1]): the catalog marks them as conflicting',
      ],
      [
        'spec.addons[3].id',
        '"loki-stack" conflicts with "promtail" (spec.addons[2]): both provide log-shipper',
      ],
    ],
  },
  {
    rule: 'addon-conflicts (two ingress controllers)',
    spec: withAddons(
      vagrantSpec,
      'metallb',
      'ingress-nginx',
      'istio-base',
      'istiod',
      'istio-gateway',
    ),
    errors: [['spec.addons[4].id', 'both provide ingress-controller']],
  },
  {
    rule: 'addon-gateway-api-crds',
    spec: withAddons(vagrantSpec, 'envoy-gateway', 'nginx-gateway-fabric'),
    errors: [
      [
        'spec.addons[1].id',
        '"nginx-gateway-fabric" cannot be installed with "envoy-gateway" (spec.addons[0]): "envoy-gateway" needs Gateway API v1.6.1 (experimental channel) CRDs and "nginx-gateway-fabric" needs v1.5.1 (standard channel)',
      ],
    ],
  },
  {
    rule: 'addon-dependencies',
    spec: withAddons(vagrantSpec, 'istio-base', 'istiod', 'kiali'),
    errors: [
      [
        'spec.addons[2].id',
        '"kiali" needs "kube-prometheus-stack" (Prometheus + Grafana); add "- id: kube-prometheus-stack" to spec.addons',
      ],
    ],
  },
  {
    rule: 'addon-load-balancer (bare metal)',
    spec: withAddons(existingSpec, 'ingress-nginx'),
    errors: [
      [
        'spec.addons[0].id',
        '"ingress-nginx" creates a LoadBalancer Service, which stays <pending> on the existing target without a load-balancer provider; add "- id: metallb" to spec.addons',
      ],
    ],
  },
  {
    rule: 'addon-load-balancer (Kakao Cloud too)',
    spec: withAddons(kakaoSpec, 'vault'),
    errors: [
      [
        'spec.addons[0].id',
        'on the kakao-cloud target without a load-balancer provider',
      ],
    ],
  },
  {
    rule: 'load-balancer-pool',
    spec: specWith(withAddons(vagrantSpec, 'metallb'), d => {
      delete d.spec.network.metallbRange;
    }),
    errors: [
      [
        'spec.network.metallbRange',
        'is required because "metallb" is installed; set the address pool it hands out, e.g. 192.168.100.210-192.168.100.250',
      ],
    ],
  },
];

describe('parseClusterSpec: one invalid case per rule', () => {
  it.each(badSpecs.map(c => [c.rule, c] as const))('%s', (_, c) => {
    const result = parseClusterSpec(c.spec, { catalog });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const summary = result.errors.map(e => [e.path, e.message]);
    expect(summary).toHaveLength(c.errors.length);
    for (const [path, fragment] of c.errors) {
      expect(summary).toContainEqual([path, expect.stringContaining(fragment)]);
    }
  });

  it('covers every semantic rule', () => {
    const tested = new Set(badSpecs.map(c => c.rule.split(' ')[0]));
    const untested = clusterSpecRules
      .map(r => r.id)
      .filter(id => !tested.has(id));
    expect(untested).toEqual([]);
  });

  it('tags semantic errors with their rule id', () => {
    const result = parseClusterSpec(
      withAddons(vagrantSpec, 'metallb', 'metallb'),
      {
        catalog,
      },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].rule).toBe('addon-unique');
  });
});

describe('parseClusterSpec: all errors at once', () => {
  it('reports shape errors and semantic errors of sound sections together', () => {
    const spec = specWith(withAddons(vagrantSpec, 'metallb', 'kiali'), d => {
      d.metadata.environment = 'prod';
      d.spec.controlPlane.count = 2;
      d.spec.network.podCidr = '192.168.0.0/16';
    });
    const result = parseClusterSpec(spec, { catalog });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(e => e.path)).toEqual([
      'metadata.environment',
      'spec.controlPlane.count',
      'spec.network.podCidr',
      'spec.addons[1].id',
    ]);
  });

  it('reports a document that is not a mapping', () => {
    const result = parseClusterSpec('- just\n- a list\n');
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: '(document)',
          message: expect.stringContaining('must be a mapping'),
        },
      ],
    });
  });
});

describe('formatSpecErrors', () => {
  it('renders one line per problem under a heading', () => {
    expect(
      formatSpecErrors([
        { path: 'spec.network.podCidr', message: 'overlaps; fix it' },
        { path: 'metadata.name', message: 'bad; rename it' },
      ]),
    ).toBe(
      'cluster.yaml has 2 problems:\n  - spec.network.podCidr: overlaps; fix it\n  - metadata.name: bad; rename it',
    );
    expect(formatSpecErrors([], 'addons.yaml')).toBe('addons.yaml is valid');
  });
});
