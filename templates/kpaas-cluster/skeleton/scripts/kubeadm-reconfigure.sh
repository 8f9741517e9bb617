#!/bin/bash
# Reconfigures kube-apiserver of a running kubeadm cluster from the ClusterConfiguration kpaas
# uploaded, kubeadm's documented way (one control plane at a time, kpaas waits for /readyz in
# between):
#   PHASE=apiserver      on a control plane: the OIDC issuer's CA first, then
#                        `kubeadm init phase control-plane apiserver`, which rewrites the static
#                        pod manifest (the kubelet restarts kube-apiserver from it). The previous
#                        manifest is kept in /etc/kubernetes/kpaas-backup/ (outside the manifests
#                        directory, where the kubelet would run it) and printed as backup=<path>.
#   PHASE=upload-config  once, after every control plane: `kubeadm init phase upload-config
#                        kubeadm`, so kube-system/kubeadm-config (what joins and upgrades read)
#                        matches the API servers.
# env: PHASE, NODE_NAME, KUBEADM_CONFIG (path of the uploaded kubeadm config),
#      OIDC_CA_B64 (optional, base64 PEM of the OIDC issuer's CA; PHASE=apiserver)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env PHASE NODE_NAME KUBEADM_CONFIG
[[ $NODE_NAME =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || die "NODE_NAME \"$NODE_NAME\" is not a node name"
[[ -f $KUBEADM_CONFIG && -r $KUBEADM_CONFIG ]] || die "KUBEADM_CONFIG $KUBEADM_CONFIG is not a readable file"
manifest=$ROOT/etc/kubernetes/manifests/kube-apiserver.yaml

case $PHASE in
  apiserver)
    [[ -s $manifest ]] ||
      die "$NODE_NAME has no /etc/kubernetes/manifests/kube-apiserver.yaml; it is not a control plane kubeadm set up (bootstrap it first)"
    # The OIDC issuer's CA (spec.access.oidc.caPem), where --oidc-ca-file points kube-apiserver:
    # in place before the new flags ask for it.
    install_oidc_ca
    backup_dir=$ROOT/etc/kubernetes/kpaas-backup
    mkdir -p "$backup_dir"
    chmod 0700 "$backup_dir"
    backup="$backup_dir/kube-apiserver.yaml.$(date -u +%Y%m%dT%H%M%SZ)"
    cp -p "$manifest" "$backup"
    echo "backup=${backup#"$ROOT"}"
    kubeadm init phase control-plane apiserver --config "$KUBEADM_CONFIG"
    log "$NODE_NAME: kube-apiserver manifest regenerated; the kubelet restarts kube-apiserver"
    ;;
  upload-config)
    [[ -s $ROOT/etc/kubernetes/admin.conf ]] ||
      die "$NODE_NAME has no /etc/kubernetes/admin.conf; run the upload on an initialised control plane"
    kubeadm init phase upload-config kubeadm --config "$KUBEADM_CONFIG"
    log "kube-system/kubeadm-config updated from $NODE_NAME"
    ;;
  *) die "PHASE \"$PHASE\" is not apiserver or upload-config" ;;
esac
