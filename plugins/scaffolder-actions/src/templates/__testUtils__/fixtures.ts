/*
 * Form values for the kpaas-cluster template, as the Backstage form submits them (defaults
 * filled in), and secret canaries that must never show up in a rendered file or a log.
 */
import { DEFAULT_KUBERNETES_VERSION } from '@internal/plugin-kpaas-common';

export const SECRET_CANARIES = {
  sshPrivateKey:
    '-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY-SSH-KEY-7f3a9c1e\n-----END OPENSSH PRIVATE KEY-----\n',
  kakaoCredentialId: 'CANARY-KAKAO-ID-5d2b8e4f',
  kakaoCredentialSecret: 'CANARY-KAKAO-SECRET-9c6e1a7b',
};

/** Strings whose presence anywhere in the output means a secret leaked. */
export const CANARY_MARKERS = [
  'CANARY-SSH-KEY-7f3a9c1e',
  'CANARY-KAKAO-ID-5d2b8e4f',
  'CANARY-KAKAO-SECRET-9c6e1a7b',
];

/**
 * Every add-on that can be installed together: all but kpaas-cp-portal (conflicts), openbao
 * (vault) and the retired ingress-nginx (envoy-gateway is the one ingress controller); velero
 * needs spec.backup, which the order form does not set.
 */
export const FULL_ADDONS = [
  'metallb',
  'envoy-gateway',
  'metrics-server',
  'local-path-provisioner',
  'nfs-subdir-external-provisioner',
  'cert-manager',
  'istio-base',
  'istiod',
  'istio-gateway',
  'kiali',
  'argo-cd',
  'kube-prometheus-stack',
  'loki',
  'otel-logs',
  'jaeger',
  'opentelemetry-collector',
  'vault',
  'harbor',
  'chartmuseum',
  'keycloak',
  'chaos-mesh',
];

const common = {
  owner: 'group:default/platform-team',
  description: 'Cluster ordered by the template tests',
  environment: 'dev',
  controlPlaneCount: 3,
  workerCount: 3,
  kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
  installer: 'kubeadm',
  containerRuntime: 'containerd',
  cni: 'calico',
  podCidr: '10.233.64.0/18',
  serviceCidr: '10.233.0.0/18',
  domain: 'k-paas.io',
  apiEndpointType: 'auto',
  addons: [] as string[],
  sshUser: 'ubuntu',
  sshPort: 22,
  repoUrl: 'github.com?owner=acme&repo=cluster-alpha',
  platformRepoUrl: 'github.com?owner=platform-team&repo=clusters',
  reviewFirst: false,
};

/**
 * What the Secret fields put into the parameters for the Kakao credential (the mask; the value
 * itself goes to the task secrets): the kakao-cloud branch of the form requires them.
 */
export const kakaoCredentialMasks = {
  kakaoCredentialId: '************************',
  kakaoCredentialSecret: '****************************',
};

export const kakaoSettings = {
  region: 'kr-central-2',
  availabilityZone: 'kr-central-2-a',
  image: 'Ubuntu 24.04',
  controlPlaneFlavor: 't1i.large',
  workerFlavor: 't1i.xlarge',
  volumeSizeGiB: 200,
  keyPair: 'KPAAS_KEYPAIR',
  vpcCidr: '172.16.0.0/16',
};

/** Seed A's shape: 3 + 3 on Kakao Cloud, with the full add-on set. */
export function kakaoFullValues(overrides: Record<string, unknown> = {}) {
  return {
    ...common,
    name: 'alpha',
    target: 'kakao-cloud',
    kakao: kakaoSettings,
    ...kakaoCredentialMasks,
    addons: FULL_ADDONS,
    ...overrides,
  };
}

/** The smallest order: 1 + 1 on Kakao Cloud, no add-ons. */
export function kakaoMinimalValues(overrides: Record<string, unknown> = {}) {
  return {
    ...common,
    name: 'tiny',
    target: 'kakao-cloud',
    kakao: kakaoSettings,
    ...kakaoCredentialMasks,
    controlPlaneCount: 1,
    workerCount: 1,
    addons: [],
    ...overrides,
  };
}

/** Seed B's shape: 3 + 3 Multipass VMs. */
export function multipassValues(overrides: Record<string, unknown> = {}) {
  return {
    ...common,
    name: 'mp',
    target: 'multipass',
    multipass: {
      image: '24.04',
      controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
      worker: { cpus: 2, memoryGiB: 4, diskGiB: 50 },
    },
    addons: ['metallb', 'ingress-nginx', 'local-path-provisioner', 'kiali'],
    ...overrides,
  };
}

/** K-PaaS Lite's Vagrant shape: 1 + 2 with the HAProxy/keepalived pair, K-PaaS portal. */
export function vagrantValues(overrides: Record<string, unknown> = {}) {
  return {
    ...common,
    name: 'lite',
    target: 'vagrant',
    vagrant: {
      box: 'dasomel/ubuntu-24.04',
      boxVersion: '0.1.0',
      provider: 'vmware_desktop',
      lbPair: true,
    },
    controlPlaneCount: 1,
    workerCount: 2,
    sshUser: 'vagrant',
    addons: ['kpaas-cp-portal', 'local-path-provisioner', 'vault'],
    ...overrides,
  };
}

const fp = (c: string) => `SHA256:${c.repeat(43)}`;

/** Three machines that already exist on 10.10.0.0/24. */
export function existingValues(overrides: Record<string, unknown> = {}) {
  return {
    ...common,
    name: 'metal',
    target: 'existing',
    existing: {
      hosts: [
        {
          name: 'metal-cp-1',
          role: 'control-plane',
          address: '10.10.0.11',
          hostKeyFingerprint: fp('a'),
        },
        {
          name: 'metal-worker-1',
          role: 'worker',
          address: '10.10.0.21',
          port: 2222,
          hostKeyFingerprint: fp('b'),
        },
        {
          name: 'metal-worker-2',
          role: 'worker',
          address: '10.10.0.22',
          user: 'ops',
          hostKeyFingerprint: fp('c'),
        },
      ],
    },
    nodeCidr: '10.10.0.0/24',
    controlPlaneCount: 1,
    workerCount: 2,
    addons: ['metallb', 'kube-prometheus-stack'],
    ...overrides,
  };
}
