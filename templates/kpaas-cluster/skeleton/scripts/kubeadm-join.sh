#!/bin/bash
# `kubeadm join` of a control plane or worker. The token and certificate key arrive in the
# environment (kpaas sends them over the SSH channel's stdin); they go into a JoinConfiguration
# in a private temp dir under /run that is removed on exit, never into argv or a lasting file.
# Skips when the node has already joined (/etc/kubernetes/kubelet.conf exists).
# env: ENDPOINT (host:port), CA_CERT_HASH, ROLE (control-plane | worker), NODE_NAME,
#      ADVERTISE_ADDRESS (control planes), KPAAS_JOIN_TOKEN, KPAAS_CERTIFICATE_KEY (control planes),
#      OIDC_CA_B64 (control planes, optional: base64 PEM of the OIDC issuer's CA)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env ENDPOINT CA_CERT_HASH ROLE NODE_NAME

# The OIDC issuer's CA (spec.access.oidc.caPem), where --oidc-ca-file points kube-apiserver.
install_oidc_ca

if [[ -s $ROOT/etc/kubernetes/kubelet.conf ]]; then
  skip "kubeadm join: $NODE_NAME has already joined"
  exit 0
fi
need_env KPAAS_JOIN_TOKEN
umask 077
tmp=$(mktemp -d "$ROOT/run/kpaas-join.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cfg=$tmp/join.yaml
cat >"$cfg" <<CFG
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: "$ENDPOINT"
    token: "$KPAAS_JOIN_TOKEN"
    caCertHashes: ["$CA_CERT_HASH"]
nodeRegistration:
  name: "$NODE_NAME"
CFG
if [[ $ROLE == control-plane ]]; then
  need_env KPAAS_CERTIFICATE_KEY ADVERTISE_ADDRESS
  cat >>"$cfg" <<CFG
controlPlane:
  certificateKey: "$KPAAS_CERTIFICATE_KEY"
  localAPIEndpoint:
    advertiseAddress: "$ADVERTISE_ADDRESS"
CFG
fi
kubeadm join --config "$cfg"
log "$NODE_NAME joined as $ROLE"
