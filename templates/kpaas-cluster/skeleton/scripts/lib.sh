# shellcheck shell=bash
# Shared helpers of the kpaas node scripts (sourced, never run on its own).
# Every script is idempotent: it checks the node's real state first and skips what is done,
# so kpaas:bootstrap can be re-run after a failure without redoing finished work.

set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

KPAAS_STATE_DIR=${KPAAS_STATE_DIR:-/var/lib/kpaas/state}
# Prefix for file paths, so the scripts can be tested in a sandbox root (empty on a real node).
ROOT=${KPAAS_ROOT:-}

log() { printf '[kpaas] %s\n' "$*"; }
skip() { printf '[kpaas] skip: %s\n' "$*"; }
die() {
  printf '[kpaas] error: %s\n' "$*" >&2
  exit 1
}
need_env() {
  local v
  for v in "$@"; do
    [[ -n ${!v:-} ]] || die "environment variable $v is not set"
  done
}
# Downloads url to dest and checks it against its pinned sha256 (sha256sum -c) before anything
# uses it. A mismatch deletes the file and fails naming both sums.
fetch_verified() {
  local url=$1 sha=$2 dest=$3 actual
  [[ $sha =~ ^[0-9a-f]{64}$ ]] || die "no sha256 pin for $url; refusing to use an unverified download"
  curl -fsSL --retry 3 -o "$dest" "$url" || die "cannot download $url"
  if ! printf '%s  %s\n' "$sha" "$dest" | sha256sum -c --status; then
    actual=$(sha256sum "$dest" | cut -d' ' -f1)
    rm -f "$dest"
    die "sha256 mismatch for $url: expected $sha, got $actual; the download was not used (upstream changed the file or it was tampered with; check the source, then update the pin in kpaas.actions.downloads)"
  fi
}
state_done() { [[ -e $ROOT$KPAAS_STATE_DIR/$1 ]]; }
mark_done() {
  mkdir -p "$ROOT$KPAAS_STATE_DIR"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$ROOT$KPAAS_STATE_DIR/$1"
}
# Writes stdin to a file only when the content differs; prints "changed" if it wrote.
write_if_changed() {
  local dest=$ROOT$1 mode=${2:-0644} tmp
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$dest.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$dest"
  return 0
}
# Writes the OIDC issuer's CA ($OIDC_CA_B64, base64 PEM) to /etc/kubernetes/pki/oidc-ca.crt
# (kube-apiserver's --oidc-ca-file); nothing without it. Public data: mode 0644.
install_oidc_ca() {
  [[ -n ${OIDC_CA_B64-} ]] || return 0
  mkdir -p "$ROOT/etc/kubernetes/pki"
  printf '%s' "$OIDC_CA_B64" | base64 -d >"$ROOT/etc/kubernetes/pki/oidc-ca.crt.tmp" ||
    die "OIDC_CA_B64 is not base64"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$ROOT/etc/kubernetes/pki/oidc-ca.crt.tmp" ||
    die "OIDC_CA_B64 holds no PEM certificate"
  chmod 0644 "$ROOT/etc/kubernetes/pki/oidc-ca.crt.tmp"
  mv -f "$ROOT/etc/kubernetes/pki/oidc-ca.crt.tmp" "$ROOT/etc/kubernetes/pki/oidc-ca.crt"
  log "OIDC issuer CA written to /etc/kubernetes/pki/oidc-ca.crt"
}
