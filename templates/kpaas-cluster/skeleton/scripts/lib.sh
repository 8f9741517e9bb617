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
