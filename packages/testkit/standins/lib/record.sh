# shellcheck shell=bash
# Shared recording helper for the kpaas stand-in binaries (packages/testkit/standins/bin).
#
# Usage from a stand-in script:
#   . "${BASH_SOURCE[0]%/*}/../lib/record.sh"
#   kpaas_record kubeadm "$@"
#
# Appends one JSON line {ts, cmd, args, cwd, node, uid, pid} to
#   ${KPAAS_STANDINS_LOG:-/var/log/kpaas-standins/calls.jsonl}
# On an SSH rig node /var is an overlay private to that node, so the log never
# reaches the host; the rig reads it back with rig.calls(nodeName).

# kpaas_json_str <string>: sets REPLY to the JSON string literal (with quotes).
kpaas_json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  if [[ $s == *[$'\x01'-$'\x1f']* ]]; then
    local out="" c i
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      if [[ $c == [$'\x01'-$'\x1f'] ]]; then
        printf -v c '\\u%04x' "'$c"
      fi
      out+=$c
    done
    s=$out
  fi
  REPLY="\"$s\""
}

# kpaas_record <cmd> [args...]: append the call to the node's call log.
kpaas_record() {
  local cmd=$1
  shift
  local log=${KPAAS_STANDINS_LOG:-/var/log/kpaas-standins/calls.jsonl}
  local -x TZ=UTC
  local now=$EPOCHREALTIME
  local ts usec=${now#*.}
  printf -v ts '%(%Y-%m-%dT%H:%M:%S)T.%sZ' "${now%.*}" "${usec:0:3}"
  local args="" sep="" a
  for a in "$@"; do
    kpaas_json_str "$a"
    args+="$sep$REPLY"
    sep=","
  done
  kpaas_json_str "$cmd"
  local jcmd=$REPLY
  kpaas_json_str "$PWD"
  local jcwd=$REPLY
  kpaas_json_str "${KPAAS_NODE_NAME-}"
  local jnode=$REPLY
  [[ -d ${log%/*} ]] || mkdir -p "${log%/*}" 2>/dev/null
  printf '{"ts":"%s","cmd":%s,"args":[%s],"cwd":%s,"node":%s,"uid":%d,"pid":%d}\n' \
    "$ts" "$jcmd" "$args" "$jcwd" "$jnode" "$EUID" "$$" >>"$log" 2>/dev/null || true
}

# Versions the stand-ins report (override per node with `env` in startSshNodes). Kubernetes:
# kpaas's DEFAULT_KUBERNETES_VERSION (plugins/kpaas-common/src/spec/versions.ts).
KPAAS_K8S_VERSION=${KPAAS_K8S_VERSION:-v1.35.1}
KPAAS_HELM_VERSION=${KPAAS_HELM_VERSION:-v3.16.3}

# kpaas_has_flag <flag> [args...]: true if the flag (or --flag=value) is among args.
kpaas_has_flag() {
  local f=$1 a
  shift
  for a in "$@"; do
    [[ $a == "$f" || $a == "$f="* ]] && return 0
  done
  return 1
}

# kpaas_flag_value <flag> [args...]: prints the value of --flag value / --flag=value.
kpaas_flag_value() {
  local f=$1
  shift
  while (($#)); do
    case $1 in
      "$f") printf '%s' "${2-}"; return 0 ;;
      "$f="*) printf '%s' "${1#*=}"; return 0 ;;
    esac
    shift
  done
  return 1
}

# Node-private state of the stand-ins (installed packages, holds), under the /var overlay.
# Outside a rig node (no /etc/kpaas-rig-node marker) stand-ins only write below
# KPAAS_STANDIN_ROOT; kpaas_can_write says whether writing node files is allowed.
KPAAS_STANDIN_ROOT=${KPAAS_STANDIN_ROOT-}
KPAAS_STANDIN_STATE=${KPAAS_STANDIN_STATE:-$KPAAS_STANDIN_ROOT/var/lib/kpaas-standins}
kpaas_can_write() {
  [[ -n $KPAAS_STANDIN_ROOT || -e /etc/kpaas-rig-node ]]
}

# kpaas_installed_version <pkg>: prints the version apt-get (stand-in) installed, if any.
kpaas_installed_version() {
  local f=$KPAAS_STANDIN_STATE/dpkg/$1
  [[ -s $f ]] && printf '%s' "$(<"$f")"
}

# kpaas_k8s_version: the Kubernetes version of the installed kubeadm package (v1.33.5 for
# kubeadm=1.33.5-1.1), else KPAAS_K8S_VERSION.
kpaas_k8s_version() {
  local v
  if v=$(kpaas_installed_version kubeadm); then
    v=${v%%-*}
    printf 'v%s' "$v"
  else
    printf '%s' "$KPAAS_K8S_VERSION"
  fi
}

# kpaas_random_hex <bytes>: lower-case hex from /dev/urandom.
kpaas_random_hex() {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# kpaas_sleep_env <VAR>: sleeps the seconds in $VAR (simulated work), if set.
kpaas_sleep_env() {
  local s=${!1:-}
  [[ -n $s && $s != 0 ]] && sleep "$s"
  return 0
}
