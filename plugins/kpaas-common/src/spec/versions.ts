/**
 * Kubernetes versions a kpaas cluster can be created with. Exact patch versions keep the
 * kubeadm/kubelet packages (and the K-PaaS bundle) reproducible; add a version here once the
 * bootstrap has been run with it.
 *
 * - `kubeadm` installs any listed version from pkgs.k8s.io.
 * - `kpaas-cp` (K-PaaS cp-deployment, Kubespray underneath) pins Kubernetes itself:
 *   K-PaaS 1.7.0 / K-PaaS Lite 2.2.0 ship v1.33.5, so that is the only version it accepts.
 */

/** The installers that can bootstrap the cluster. @public */
export const kubernetesInstallers = ['kubeadm', 'kpaas-cp'] as const;

/** @public */
export type KubernetesInstaller = (typeof kubernetesInstallers)[number];

/** One supported Kubernetes release and the installers that can install it. @public */
export interface SupportedKubernetesVersion {
  version: string;
  installers: ReadonlyArray<KubernetesInstaller>;
}

/** Supported versions, oldest first (v1.31.x – v1.34.x). @public */
export const supportedKubernetesVersionTable: ReadonlyArray<SupportedKubernetesVersion> =
  [
    { version: 'v1.31.13', installers: ['kubeadm'] },
    { version: 'v1.31.14', installers: ['kubeadm'] },
    { version: 'v1.32.9', installers: ['kubeadm'] },
    { version: 'v1.32.11', installers: ['kubeadm'] },
    { version: 'v1.33.5', installers: ['kubeadm', 'kpaas-cp'] },
    { version: 'v1.33.7', installers: ['kubeadm'] },
    { version: 'v1.34.1', installers: ['kubeadm'] },
    { version: 'v1.34.8', installers: ['kubeadm'] },
  ];

/** The supported versions as plain strings, oldest first. @public */
export const supportedKubernetesVersions: ReadonlyArray<string> =
  supportedKubernetesVersionTable.map(v => v.version);

/** K-PaaS 1.7.0's version, and the default for new clusters. @public */
export const DEFAULT_KUBERNETES_VERSION = 'v1.33.5';

/** @public */
export function isSupportedKubernetesVersion(version: string): boolean {
  return supportedKubernetesVersions.includes(version);
}

/** The versions a given installer accepts. @public */
export function kubernetesVersionsFor(
  installer: KubernetesInstaller,
): ReadonlyArray<string> {
  return supportedKubernetesVersionTable
    .filter(v => v.installers.includes(installer))
    .map(v => v.version);
}

/**
 * What `kpaas-cp` fixes besides the version: cp-deployment's Kubespray inventory uses CRI-O and
 * Calico (`container_manager: crio`, `kube_network_plugin: calico`).
 * @public
 */
export const KPAAS_CP_REQUIREMENTS = {
  containerRuntime: 'cri-o',
  cni: 'calico',
} as const;
