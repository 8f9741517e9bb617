/**
 * Kubernetes versions a kpaas cluster can be created with. Exact patch versions keep the
 * kubeadm/kubelet packages (and the K-PaaS bundle) reproducible; add a version here once the
 * bootstrap has been run with it. Rows are never removed while a cluster may still run them:
 * the cluster page shows each version's upstream end of life (operations/versionPolicy.ts).
 *
 * - `kubeadm` installs any listed version from pkgs.k8s.io; new clusters get
 *   {@link DEFAULT_KUBERNETES_VERSION}.
 * - `kpaas-cp` (K-PaaS cp-deployment, Kubespray underneath) pins Kubernetes itself:
 *   K-PaaS 1.7.0 / K-PaaS Lite 2.2.0 ship v1.33.5 ({@link KPAAS_CP_KUBERNETES_VERSION}), so that
 *   is the only version it accepts, although 1.33 is past upstream end of life (2026-06-28).
 */

/** The installers that can bootstrap the cluster. @public */
export const kubernetesInstallers = ['kubeadm', 'kpaas-cp'] as const;

/** @public */
export type KubernetesInstaller = (typeof kubernetesInstallers)[number];

/**
 * The version of a new cluster installed by kubeadm. 1.35 is supported upstream until 2027-02-28
 * and is the newest minor that runs on containerd 1.x, which node preparation installs from
 * Ubuntu 24.04 (see {@link LAST_CONTAINERD_1X_MINOR}); 1.36 is offered with CRI-O.
 * @public
 */
export const DEFAULT_KUBERNETES_VERSION = 'v1.35.1';

/**
 * Kubernetes 1.35 is the last minor release that supports containerd 1.x (SIG Node, Kubernetes
 * v1.35 release notes); newer minors need containerd 2.x, which kpaas's node preparation does not
 * install yet (it installs Ubuntu 24.04's containerd 1.7).
 * @public
 */
export const LAST_CONTAINERD_1X_MINOR = 35;

/**
 * The only version `kpaas-cp` installs: the one the K-PaaS 1.7.0 bundle ships. Past upstream end
 * of life (1.33 ended 2026-06-28, no more security fixes); still offered because cp-deployment
 * installs only the version its bundle pins. Choose kubeadm for a supported version.
 * @public
 */
export const KPAAS_CP_KUBERNETES_VERSION = 'v1.33.5';

/** One supported Kubernetes release and the installers that can install it. @public */
export interface SupportedKubernetesVersion {
  version: string;
  installers: ReadonlyArray<KubernetesInstaller>;
}

/**
 * Supported versions, oldest first (v1.31.x – v1.36.x). Release dates from kubernetes.io/releases:
 * v1.35.1 2026-02-10, v1.36.1 2026-05-13.
 * @public
 */
export const supportedKubernetesVersionTable: ReadonlyArray<SupportedKubernetesVersion> =
  [
    { version: 'v1.31.13', installers: ['kubeadm'] },
    { version: 'v1.31.14', installers: ['kubeadm'] },
    { version: 'v1.32.9', installers: ['kubeadm'] },
    { version: 'v1.32.11', installers: ['kubeadm'] },
    {
      version: KPAAS_CP_KUBERNETES_VERSION,
      installers: ['kubeadm', 'kpaas-cp'],
    }, // v1.33.5
    { version: 'v1.33.7', installers: ['kubeadm'] },
    { version: 'v1.34.1', installers: ['kubeadm'] },
    { version: 'v1.34.8', installers: ['kubeadm'] },
    { version: 'v1.35.1', installers: ['kubeadm'] },
    { version: 'v1.36.1', installers: ['kubeadm'] },
  ];

/** The supported versions as plain strings, oldest first. @public */
export const supportedKubernetesVersions: ReadonlyArray<string> =
  supportedKubernetesVersionTable.map(v => v.version);

/** The version a cluster gets when its spec names none: depends on the installer. @public */
export function defaultKubernetesVersionFor(
  installer: KubernetesInstaller,
): string {
  return installer === 'kpaas-cp'
    ? KPAAS_CP_KUBERNETES_VERSION
    : DEFAULT_KUBERNETES_VERSION;
}

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
