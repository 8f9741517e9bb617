#!/bin/bash
# Preflight facts of one node, one `key=value` per line. kpaas:bootstrap compares them with the
# minimums of the node's role and reports every failing node at once. Changes nothing.
# env: ROLE (control-plane | worker | lb)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_env ROLE

os_id=unknown os_version=unknown
if [[ -r $ROOT/etc/os-release ]]; then
  os_id=$(sed -n 's/^ID="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/etc/os-release")
  os_version=$(sed -n 's/^VERSION_ID="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT/etc/os-release")
fi
echo "os=$os_id"
echo "os_version=$os_version"
case $(uname -m) in
  x86_64) echo "arch=amd64" ;;
  aarch64) echo "arch=arm64" ;;
  *) echo "arch=$(uname -m)" ;;
esac
echo "cpus=$(nproc)"
echo "memory_mib=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
echo "swap_kib=$(awk 'NR > 1 {s += $3} END {print s + 0}' /proc/swaps)"
echo "hostname=$(hostname)"

case $ROLE in
  control-plane) ports="6443 2379 2380 10250 10257 10259" ;;
  worker) ports="10250" ;;
  *) ports="" ;;
esac
busy=""
for p in $ports; do
  # listening on this port on any address of the node
  if ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then busy="$busy $p"; fi
done
# kubeadm itself holds these once it ran: a finished node is not a failure
if [[ -e $ROOT/etc/kubernetes/kubelet.conf ]]; then busy=""; echo "kubernetes=installed"; fi
echo "ports_busy=${busy# }"

synced=unknown
if command -v timedatectl >/dev/null 2>&1; then
  synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null || echo unknown)
elif command -v chronyc >/dev/null 2>&1; then
  if chronyc tracking 2>/dev/null | grep -q 'Leap status *: Normal'; then synced=yes; else synced=no; fi
fi
echo "time_synced=$synced"
