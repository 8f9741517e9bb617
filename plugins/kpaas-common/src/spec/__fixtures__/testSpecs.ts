import { addonCatalogFixture } from '../../addons/__fixtures__/addonCatalogFixture';
import { parseAddonCatalog } from '../../addons/catalog';
import { AddonCatalog } from '../../addons/schema';

/*
 * Test inputs shared by the spec tests (not exported from the package). Each base spec is the
 * shape of one seed system, written the way a user would write cluster.yaml (defaults left out).
 */

type Json = Record<string, any>;

const metadata = {
  name: 'lite',
  owner: 'group:default/platform-team',
  environment: 'dev',
};

/** K-PaaS Lite on Vagrant, but with 1 control plane (seed A's 2 masters is an even count). */
export const vagrantSpec: Json = {
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'Cluster',
  metadata,
  spec: {
    target: { type: 'vagrant' },
    controlPlane: { count: 1 },
    workers: { count: 2 },
    network: {
      nodeCidr: '192.168.100.0/24',
      metallbRange: '192.168.100.210-192.168.100.250',
      ingressIp: '192.168.100.201',
      domain: 'k-paas.io',
    },
    access: { sshUser: 'vagrant' },
  },
};

/** K-PaaS Lite on Kakao Cloud (terraform-layered defaults). */
export const kakaoSpec: Json = {
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'Cluster',
  metadata: { ...metadata, name: 'kakao' },
  spec: {
    target: { type: 'kakao-cloud', keyPair: 'KPAAS_KEYPAIR' },
    kubernetes: { installer: 'kpaas-cp', containerRuntime: 'cri-o' },
    controlPlane: { count: 3 },
    workers: { count: 3 },
    network: {
      nodeCidr: '172.16.0.0/24',
      metallbRange: '172.16.0.210-172.16.0.250',
      ingressIp: '172.16.0.201',
      domain: 'k-paas.io',
    },
  },
};

/** bocopile's Multipass cluster: 3 + 3, Flannel, API on the first master. */
export const multipassSpec: Json = {
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'Cluster',
  metadata: { ...metadata, name: 'mac' },
  spec: {
    target: { type: 'multipass' },
    kubernetes: { version: 'v1.34.8', cni: 'flannel' },
    controlPlane: { count: 3 },
    workers: { count: 3 },
    network: {
      nodeCidr: '192.168.64.0/24',
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.96.0.0/12',
      metallbRange: '192.168.64.200-192.168.64.250',
      domain: 'bocopile.io',
    },
  },
};

/** Three machines that already exist. */
export const existingSpec: Json = {
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'Cluster',
  metadata: { ...metadata, name: 'metal', environment: 'production' },
  spec: {
    target: {
      type: 'existing',
      hosts: [
        { name: 'metal-cp-1', role: 'control-plane', address: '10.10.0.11' },
        {
          name: 'metal-worker-1',
          role: 'worker',
          address: '10.10.0.21',
          port: 2222,
        },
        {
          name: 'metal-worker-2',
          role: 'worker',
          address: '10.10.0.22',
          user: 'ops',
        },
      ],
    },
    controlPlane: { count: 1 },
    workers: { count: 2 },
    network: {
      nodeCidr: '10.10.0.0/24',
      metallbRange: '10.10.0.200-10.10.0.220',
      ingressIp: '10.10.0.199',
      domain: 'platform.example.com',
    },
  },
};

/** Deep copy of `spec` changed by `change`. */
export function specWith(spec: Json, change: (draft: Json) => void): Json {
  const copy = structuredClone(spec);
  change(copy);
  return copy;
}

/** The fixture catalog, parsed. */
export function fixtureCatalog(): AddonCatalog {
  const result = parseAddonCatalog(addonCatalogFixture);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.errors, null, 2));
  }
  return result.catalog;
}
