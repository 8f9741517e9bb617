#!/bin/bash
# Prepares a Kubernetes node: swap off, kernel modules, sysctl, the container runtime, and
# kubelet/kubeadm/kubectl pinned to the cluster version and held. Skips what is already done.
# env: K8S_VERSION (v1.33.5), CONTAINER_RUNTIME (containerd | cri-o)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env K8S_VERSION CONTAINER_RUNTIME

minor=${K8S_VERSION#v}
minor=${minor%.*}                 # 1.33
pkg_version=${K8S_VERSION#v}-1.1  # pkgs.k8s.io revision
marker=node-prep-$K8S_VERSION-$CONTAINER_RUNTIME

if state_done "$marker" && [[ $(kubeadm version -o short 2>/dev/null) == "$K8S_VERSION" ]] &&
  apt-mark showhold 2>/dev/null | grep -qx kubeadm; then
  skip "node already prepared for $K8S_VERSION with $CONTAINER_RUNTIME"
  exit 0
fi

log "swap off"
swapoff -a
if [[ -f $ROOT/etc/fstab ]] && grep -Eq '^[^#].*\sswap\s' "$ROOT/etc/fstab"; then
  sed -i -E 's/^([^#].*\sswap\s.*)$/# \1  # disabled by kpaas/' "$ROOT/etc/fstab"
fi

log "kernel modules and sysctl"
printf 'overlay\nbr_netfilter\n' | write_if_changed /etc/modules-load.d/kpaas-k8s.conf || true
modprobe overlay
modprobe br_netfilter
printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n' |
  write_if_changed /etc/sysctl.d/99-kpaas-k8s.conf || true
sysctl --system >/dev/null

log "package repositories (Kubernetes $minor)"
apt-get update -q
apt-get install -y -q apt-transport-https ca-certificates curl
mkdir -p "$ROOT/etc/apt/keyrings"
if [[ ! -s $ROOT/etc/apt/keyrings/kubernetes.asc ]]; then
  curl -fsSL "https://pkgs.k8s.io/core:/stable:/v$minor/deb/Release.key" -o "$ROOT/etc/apt/keyrings/kubernetes.asc"
fi
echo "deb [signed-by=/etc/apt/keyrings/kubernetes.asc] https://pkgs.k8s.io/core:/stable:/v$minor/deb/ /" |
  write_if_changed /etc/apt/sources.list.d/kubernetes.list || true
if [[ $CONTAINER_RUNTIME == cri-o ]]; then
  if [[ ! -s $ROOT/etc/apt/keyrings/cri-o.asc ]]; then
    curl -fsSL "https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v$minor/deb/Release.key" -o "$ROOT/etc/apt/keyrings/cri-o.asc"
  fi
  echo "deb [signed-by=/etc/apt/keyrings/cri-o.asc] https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v$minor/deb/ /" |
    write_if_changed /etc/apt/sources.list.d/cri-o.list || true
fi
apt-get update -q

log "container runtime: $CONTAINER_RUNTIME"
if [[ $CONTAINER_RUNTIME == containerd ]]; then
  apt-get install -y -q containerd
  mkdir -p "$ROOT/etc/containerd"
  # systemd cgroup driver, as kubeadm configures the kubelet
  containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' |
    write_if_changed /etc/containerd/config.toml || true
  systemctl enable --now containerd
  systemctl restart containerd
else
  apt-get install -y -q cri-o
  systemctl enable --now crio
fi

log "kubelet, kubeadm, kubectl $pkg_version (held)"
apt-mark unhold kubelet kubeadm kubectl >/dev/null 2>&1 || true
apt-get install -y -q --allow-downgrades "kubelet=$pkg_version" "kubeadm=$pkg_version" "kubectl=$pkg_version"
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet

mark_done "$marker"
log "node prepared"
