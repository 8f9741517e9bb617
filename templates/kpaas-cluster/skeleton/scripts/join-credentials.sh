#!/bin/bash
# Run on the first control plane: creates a short-lived bootstrap token and re-uploads the
# control-plane certificates under a new certificate key, and prints
#   token=…  ca_cert_hash=…  certificate_key=…
# for kpaas to pass (over SSH stdin, never argv or disk) to the joining nodes.
# env: TOKEN_TTL (default 15m), WITH_CERTIFICATE_KEY (yes | no)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

join=$(kubeadm token create --ttl "${TOKEN_TTL:-15m}" --description "kpaas:bootstrap join" --print-join-command)
token=$(sed -n 's/.*--token \([^ ]*\).*/\1/p' <<<"$join")
hash=$(sed -n 's/.*--discovery-token-ca-cert-hash \([^ ]*\).*/\1/p' <<<"$join")
[[ -n $token && -n $hash ]] || die "could not read the token from kubeadm token create"
echo "token=$token"
echo "ca_cert_hash=$hash"
if [[ ${WITH_CERTIFICATE_KEY:-yes} == yes ]]; then
  key=$(kubeadm init phase upload-certs --upload-certs 2>/dev/null | grep -Eo '^[0-9a-f]{64}$' | tail -n1)
  [[ -n $key ]] || die "kubeadm init phase upload-certs printed no certificate key"
  echo "certificate_key=$key"
fi
