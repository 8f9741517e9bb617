#!/bin/bash
# K-PaaS cp-deployment (spec.kubernetes.installer: kpaas-cp), on the first control plane:
# fetches cp-deployment (skipped when present), puts the inventory and cp-cluster-vars.sh kpaas
# generated into it, and runs single/deploy-cp-cluster.sh (Kubespray underneath).
# Unlike seed A nothing of cp-deployment is patched, no key is copied between nodes and host
# keys are checked: Ansible uses the known_hosts kpaas built from the verified fingerprints and
# the task's SSH key lives only in an ssh-agent started for this run (read from the environment,
# which kpaas sends over stdin; never written to disk) and stopped on exit.
# env: CP_DEPLOYMENT_VERSION, CP_DEPLOYMENT_URL + CP_DEPLOYMENT_SHA256 (the pinned archive,
#      checked with sha256sum before it is unpacked), CP_DIR (checkout), KPAAS_CP_FILES (dir with inventory.ini,
#      cp-cluster-vars.sh, known_hosts), KEY_LIFETIME_SECONDS (agent forgets the key after it)
# secret env: KPAAS_SSH_PRIVATE_KEY, KPAAS_SSH_PASSPHRASE (optional)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env CP_DEPLOYMENT_VERSION CP_DEPLOYMENT_URL CP_DEPLOYMENT_SHA256 CP_DIR KPAAS_CP_FILES \
  KEY_LIFETIME_SECONDS KPAAS_SSH_PRIVATE_KEY

work=$(mktemp -d)
cleanup() {
  if [[ -n ${SSH_AGENT_PID:-} ]]; then ssh-agent -k >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

if [[ -x $CP_DIR/single/deploy-cp-cluster.sh ]]; then
  skip "cp-deployment already present in $CP_DIR"
else
  url=$CP_DEPLOYMENT_URL
  log "downloading $url"
  fetch_verified "$url" "$CP_DEPLOYMENT_SHA256" "$work/cp-deployment.tar.gz"
  tar -xzf "$work/cp-deployment.tar.gz" -C "$work"
  [[ -d $work/cp-deployment-${CP_DEPLOYMENT_VERSION#v} ]] || die "unexpected layout of $url"
  mkdir -p "$(dirname "$CP_DIR")"
  mv "$work/cp-deployment-${CP_DEPLOYMENT_VERSION#v}" "$CP_DIR"
fi

mkdir -p "$CP_DIR/standalone/inventory/mycluster"
install -m 0644 "$KPAAS_CP_FILES/inventory.ini" "$CP_DIR/standalone/inventory/mycluster/inventory.ini"
install -m 0644 "$KPAAS_CP_FILES/cp-cluster-vars.sh" "$CP_DIR/single/cp-cluster-vars.sh"

# the key goes from the environment through a pipe into the agent, never into a file
eval "$(ssh-agent -s)" >/dev/null
if [[ -n ${KPAAS_SSH_PASSPHRASE:-} ]]; then
  # shellcheck disable=SC2016 # expanded by the askpass helper, not here
  printf '#!/bin/sh\nprintf "%%s\\n" "$KPAAS_SSH_PASSPHRASE"\n' >"$work/askpass"
  chmod 0700 "$work/askpass"
  export KPAAS_SSH_PASSPHRASE
  printf '%s\n' "$KPAAS_SSH_PRIVATE_KEY" |
    SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=kpaas ssh-add -q -t "$KEY_LIFETIME_SECONDS" - >/dev/null
else
  printf '%s\n' "$KPAAS_SSH_PRIVATE_KEY" | ssh-add -q -t "$KEY_LIFETIME_SECONDS" - >/dev/null
fi
unset KPAAS_SSH_PRIVATE_KEY KPAAS_SSH_PASSPHRASE
log "SSH key loaded into a private ssh-agent for this run"

export ANSIBLE_HOST_KEY_CHECKING=True
export ANSIBLE_SSH_ARGS="-o UserKnownHostsFile=$KPAAS_CP_FILES/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=auto -o ControlPersist=60s"

cd "$CP_DIR/single"
./deploy-cp-cluster.sh
log "cp-deployment finished"
