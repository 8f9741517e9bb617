import {
  kubernetesMinorOf,
  kubernetesPackageVersion,
} from '@internal/plugin-kpaas-common';

/*
 * The shell commands of one node's upgrade, as kubeadm's upgrade guide gives them (kubernetes.io,
 * "Upgrading kubeadm clusters"): the pkgs.k8s.io repository moved to the target minor, each
 * package upgraded to the exact version and held again (also when the install fails), kubeadm
 * upgrade, the kubelet restarted.
 */

const K8S_LIST = '/etc/apt/sources.list.d/kubernetes.list';
const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** pkgs.k8s.io serves one repository per minor: point the node's list at the target's. */
export function packageRepositoryCommand(target: string): string {
  const minor = kubernetesMinorOf(target);
  return `if [ -f ${K8S_LIST} ]; then sed -i -E 's#(pkgs\\.k8s\\.io/core:/stable:/)v1\\.[0-9]+/#\\1v${minor}/#' ${K8S_LIST}; fi && DEBIAN_FRONTEND=noninteractive apt-get update -q`;
}

/**
 * `apt-mark unhold`, `apt-get install pkg=<exact version>`, `apt-mark hold` again whatever the
 * install did (so a failed install never leaves the packages unheld).
 */
export function heldPackagesCommand(
  packages: ReadonlyArray<string>,
  target: string,
): string {
  const version = kubernetesPackageVersion(target);
  const names = packages.join(' ');
  const pinned = packages.map(p => `${p}=${version}`).join(' ');
  return `apt-mark unhold ${names} && { DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${pinned}; rc=$?; apt-mark hold ${names}; exit $rc; }`;
}

/** The installed kubeadm must be the target before kubeadm plans or applies it. */
export const KUBEADM_VERSION_COMMAND = 'kubeadm version -o short';

export function kubeadmUpgradePlanCommand(target: string): string {
  return `kubeadm upgrade plan ${target}`;
}

export function kubeadmUpgradeApplyCommand(target: string): string {
  return `kubeadm upgrade apply ${target} -y`;
}

export const KUBEADM_UPGRADE_NODE_COMMAND = 'kubeadm upgrade node';

export const KUBELET_RESTART_COMMAND =
  'systemctl daemon-reload && systemctl restart kubelet';

/** The kube-apiserver static pod's version on a control plane (its image tag), or nothing. */
export const APISERVER_VERSION_COMMAND = `[ -r ${APISERVER_MANIFEST} ] && sed -n -E 's#^[[:space:]]*image:.*kube-apiserver:(v[0-9][0-9.]*).*#\\1#p' ${APISERVER_MANIFEST} | head -n1 || true`;
