# shellcheck shell=bash
# State of the etcd member the etcdctl/etcdutl stand-ins pretend runs on this node.
. "${BASH_SOURCE[0]%/*}/record.sh"
_kpaas_etcd=$KPAAS_STANDIN_STATE/etcd
kpaas_etcd_cluster_id() {
  if [[ -s $_kpaas_etcd/cluster-id ]]; then cat "$_kpaas_etcd/cluster-id"; else printf '%s' "${KPAAS_STANDIN_ETCD_CLUSTER_ID:-14841639068965178418}"; fi
}
# member ID: a stable number from the hostname
kpaas_etcd_member_id() {
  printf '%s' "$((16#$(hostname | cksum | cut -d' ' -f1 | xargs printf '%08x') * 4099 + 7))"
}
kpaas_etcd_revision() {
  if [[ -s $_kpaas_etcd/revision ]]; then cat "$_kpaas_etcd/revision"; else printf '41'; fi
}
kpaas_etcd_next_revision() {
  local r
  r=$(($(kpaas_etcd_revision) + 1))
  if kpaas_can_write; then mkdir -p "$_kpaas_etcd" && printf '%s' "$r" >"$_kpaas_etcd/revision"; fi
  printf '%s' "$r"
}
kpaas_etcd_members_json() {
  if [[ -s $_kpaas_etcd/members ]]; then
    cat "$_kpaas_etcd/members"
  else
    printf '{"header":{"cluster_id":%s,"member_id":%s},"members":[{"ID":%s,"name":"%s","peerURLs":["https://%s:2380"],"clientURLs":["https://%s:2379"]}]}\n' \
      "$(kpaas_etcd_cluster_id)" "$(kpaas_etcd_member_id)" "$(kpaas_etcd_member_id)" "$(hostname)" "$(hostname -i | awk '{print $1}')" "$(hostname -i | awk '{print $1}')"
  fi
}
# kpaas_etcd_fail <step>: true when KPAAS_STANDIN_ETCD_FAIL or the node file <state>/etcd/fail names <step>
kpaas_etcd_fail() {
  local f=${KPAAS_STANDIN_ETCD_FAIL-}
  [[ -z $f && -s $_kpaas_etcd/fail ]] && f=$(<"$_kpaas_etcd/fail")
  [[ ,$f, == *,$1,* ]]
}
# The member's keys (the stand-in's stand-in for etcd's data): lines "<key>\t<value>" in the data
# dir, so a restore that swaps /var/lib/etcd changes what `etcdctl get` answers.
kpaas_etcd_keys_file() { printf '%s' "$KPAAS_STANDIN_ROOT/var/lib/etcd/member/kpaas-keys"; }
