#!/bin/bash
# `kubeadm init` on the first control plane from the config kpaas generated and uploaded.
# Skips when this node is already initialised (/etc/kubernetes/admin.conf exists).
# env: KUBEADM_CONFIG (path of the uploaded kubeadm config), OIDC_CA_B64 (optional, base64 PEM)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env KUBEADM_CONFIG

# The OIDC issuer's CA (spec.access.oidc.caPem), where --oidc-ca-file points kube-apiserver.
install_oidc_ca

if [[ -s $ROOT/etc/kubernetes/admin.conf ]]; then
  skip "kubeadm init: this control plane is already initialised"
  exit 0
fi
kubeadm config images pull --config "$KUBEADM_CONFIG"
kubeadm init --config "$KUBEADM_CONFIG" --upload-certs
log "control plane initialised"
