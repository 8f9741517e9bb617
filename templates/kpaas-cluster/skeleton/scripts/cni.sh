#!/bin/bash
# Installs the CNI on the first control plane with Helm at a pinned chart version:
# Calico through the tigera-operator chart, or Flannel through its chart. Skips when this
# CNI at this version was installed before.
# env: CNI (calico | flannel), CNI_VERSION, POD_CIDR, HELM_VERSION,
#      HELM_URL_AMD64 / HELM_SHA256_AMD64, HELM_URL_ARM64 / HELM_SHA256_ARM64 (pinned download)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env CNI CNI_VERSION POD_CIDR HELM_VERSION
export KUBECONFIG=$ROOT/etc/kubernetes/admin.conf
marker=cni-$CNI-$CNI_VERSION

if state_done "$marker"; then
  skip "$CNI $CNI_VERSION already installed"
  exit 0
fi
if [[ $(helm version --short 2>/dev/null | cut -d+ -f1) != "$HELM_VERSION" ]]; then
  log "installing helm $HELM_VERSION"
  arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
  case $arch in
    amd64) url=${HELM_URL_AMD64:-} sha=${HELM_SHA256_AMD64:-} ;;
    arm64) url=${HELM_URL_ARM64:-} sha=${HELM_SHA256_ARM64:-} ;;
    *) die "no pinned helm download for architecture $arch (amd64, arm64)" ;;
  esac
  [[ -n $url ]] || die "no helm download URL for $arch (HELM_URL_${arch^^})"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  fetch_verified "$url" "$sha" "$tmp/helm.tgz"
  tar -xzf "$tmp/helm.tgz" -C "$tmp"
  install -m 0755 "$tmp/linux-$arch/helm" "$ROOT/usr/local/bin/helm"
fi
case $CNI in
  calico)
    helm repo add projectcalico https://docs.tigera.io/calico/charts --force-update
    helm upgrade --install calico projectcalico/tigera-operator --version "$CNI_VERSION" \
      --namespace tigera-operator --create-namespace --wait --timeout 10m \
      --set "installation.calicoNetwork.ipPools[0].cidr=$POD_CIDR" \
      --set "installation.calicoNetwork.ipPools[0].encapsulation=VXLANCrossSubnet"
    ;;
  flannel)
    helm repo add flannel https://flannel-io.github.io/flannel --force-update
    helm upgrade --install flannel flannel/flannel --version "$CNI_VERSION" \
      --namespace kube-flannel --create-namespace --wait --timeout 10m \
      --set "podCidr=$POD_CIDR"
    ;;
  *) die "unknown CNI $CNI (calico or flannel)" ;;
esac
mark_done "$marker"
log "$CNI $CNI_VERSION installed"
