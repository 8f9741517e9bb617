#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: OpenSSH server (rig nodes),
# Chromium (browser tests), PostgreSQL (registry tests), Redis (production start test) and
# ShellCheck (node scripts).
# KPAAS_SKIP_SYSTEM_DEPS=1 skips this (the affected tests then say why they skip).
set -euo pipefail
[ "${KPAAS_SKIP_SYSTEM_DEPS:-}" = "1" ] && exit 0

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || [ -x /usr/bin/valkey-server ] || missing+=(redis-server)
# ../shared/tools/check-values (values pack test) needs PyYAML and jsonschema in the python3 on PATH.
if [ -x "$(dirname "$0")/../../shared/tools/check-values" ] &&
   ! python3 -c 'import yaml, jsonschema' >/dev/null 2>&1 && [ "$(command -v python3)" = /usr/bin/python3 ]; then
  missing+=(python3-yaml python3-jsonschema)
fi
if [ "${1:-}" = "--bench" ]; then
  command -v ansible >/dev/null 2>&1 || missing+=(ansible)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "kpaas: missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]}); tests that need them will be skipped" >&2
  exit 0
fi
echo "kpaas: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq ||
  { echo "kpaas: apt-get update failed (apt lock held for 5 min, or no Debian mirror). Retry when the other apt process is done." >&2; exit 1; }
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "kpaas: apt-get install ${missing[*]} failed (see above)." >&2; exit 1; }
