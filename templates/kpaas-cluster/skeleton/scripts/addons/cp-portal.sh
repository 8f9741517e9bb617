#!/usr/bin/env bash
# kpaas add-on kpaas-cp-portal: the K-PaaS Container Platform Portal from the cp-portal-deployment
# bundle (Harbor, Keycloak, OpenBao, ChartMuseum, MariaDB, Chaos Mesh and the portal apps).
# Run by kpaas:addons on the first control-plane node (values/addons.yaml).
#
# Unlike the K-PaaS lite script it replaces, it:
#   - takes passwords from the credentials Secret (kubectl, into the environment of the deploy
#     run), never from argv, never echoed, never written to cp-portal-vars.sh;
#   - creates namespaces idempotently without hiding real kubectl errors;
#   - waits with `kubectl rollout status` and a deadline instead of fixed sleeps;
#   - never writes /etc/hosts (it prints the line to append instead);
#   - can be run again: a present bundle is not downloaded twice.
#
# Usage: cp-portal.sh --version=v1.7.0 --domain=D --ingress-ip=IP --api-host=H
#          [--storage-class=SC] [--container-runtime=containerd|crio]
#          --credentials-secret=NAMESPACE/NAME [-f VALUES_FILE ...]
# Environment (optional):
#   KPAAS_CP_PORTAL_BUNDLE    local cp-portal-deployment-<version>.tar.gz (no download)
#   KPAAS_CP_PORTAL_URL       bundle download URL (default: the K-PaaS release share)
#   KPAAS_CP_PORTAL_SHA256    expected sha256 of the bundle (checked when set)
#   KPAAS_CP_PORTAL_WORKDIR   where the bundle is unpacked (default ~/workspace/container-platform)
#   KPAAS_CP_PORTAL_TIMEOUT   seconds to wait for the portal to roll out (default 900)
set -euo pipefail
umask 077
# (no Nunjucks tag or comment openers in this file: fetch:template would render them)

log() { printf '[kpaas cp-portal] %s\n' "$*"; }
die() {
  printf '[kpaas cp-portal] error: %s\n' "$*" >&2
  exit 1
}

version='' domain='' ingress_ip='' api_host='' storage_class='' runtime='' credentials=''
values_files=()
while (($# > 0)); do
  case $1 in
    --version=*) version=${1#*=} ;;
    --domain=*) domain=${1#*=} ;;
    --ingress-ip=*) ingress_ip=${1#*=} ;;
    --api-host=*) api_host=${1#*=} ;;
    --storage-class=*) storage_class=${1#*=} ;;
    --container-runtime=*) runtime=${1#*=} ;;
    --credentials-secret=*) credentials=${1#*=} ;;
    -f)
      (($# >= 2)) || die '-f needs a file'
      values_files+=("$2")
      shift
      ;;
    *) die "unknown argument: $1 (see the usage at the top of this script)" ;;
  esac
  shift
done

for pair in "version:$version" "domain:$domain" "ingress-ip:$ingress_ip" "api-host:$api_host" "credentials-secret:$credentials"; do
  name=${pair%%:*} value=${pair#*:}
  [[ -n $value ]] || die "--$name is required"
  [[ $value != *"\${"* ]] || die "--$name still holds an unresolved token ($value); set it in cluster.yaml"
done
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--version must look like v1.7.0, got $version"
[[ $credentials == */* ]] || die "--credentials-secret must be NAMESPACE/NAME, got $credentials"
case $runtime in '' | containerd | crio | cri-o) ;; *) die "--container-runtime must be containerd or crio, got $runtime" ;; esac
if [[ -n ${values_files[*]:-} ]]; then
  log "note: the bundle takes no Helm values files; ignoring ${values_files[*]}"
fi

if [[ -z ${KUBECONFIG:-} && ! -r $HOME/.kube/config ]]; then
  export KUBECONFIG=/etc/kubernetes/admin.conf
fi
command -v kubectl >/dev/null || die 'kubectl is not installed on this node'
command -v tar >/dev/null || die 'tar is not installed on this node'

workdir=${KPAAS_CP_PORTAL_WORKDIR:-$HOME/workspace/container-platform}
timeout_s=${KPAAS_CP_PORTAL_TIMEOUT:-900}
[[ $timeout_s =~ ^[0-9]+$ ]] || die "KPAAS_CP_PORTAL_TIMEOUT must be seconds, got $timeout_s"
bundle_dir=$workdir/cp-portal-deployment
deploy_dir=$bundle_dir/script
mkdir -p "$workdir"

# 1. The bundle (skipped when a previous run unpacked it)
if [[ -x $deploy_dir/deploy-cp-portal.sh && -f $bundle_dir/.kpaas-version && $(<"$bundle_dir/.kpaas-version") == "$version" ]]; then
  log "bundle cp-portal-deployment $version already in $bundle_dir; not downloading"
else
  archive=${KPAAS_CP_PORTAL_BUNDLE:-}
  if [[ -z $archive ]]; then
    command -v curl >/dev/null || die 'curl is not installed on this node'
    url=${KPAAS_CP_PORTAL_URL:-https://nextcloud.k-paas.org/index.php/s/qrApL4sP5eC2WMX/download}
    archive=$workdir/cp-portal-deployment-$version.tar.gz
    log "downloading cp-portal-deployment $version from $url"
    curl -fsSL --retry 3 --retry-delay 5 -o "$archive.part" "$url" || die "download of $url failed"
    mv "$archive.part" "$archive"
  fi
  [[ -f $archive ]] || die "bundle $archive does not exist"
  if [[ -n ${KPAAS_CP_PORTAL_SHA256:-} ]]; then
    actual=$(sha256sum "$archive" | cut -d' ' -f1)
    [[ $actual == "$KPAAS_CP_PORTAL_SHA256" ]] || die "bundle $archive has sha256 $actual, expected $KPAAS_CP_PORTAL_SHA256"
  fi
  rm -rf "$bundle_dir"
  tar -xzf "$archive" -C "$workdir"
  [[ -f $deploy_dir/deploy-cp-portal.sh && -f $deploy_dir/cp-portal-vars.sh ]] ||
    die "bundle $archive has no cp-portal-deployment/script/{deploy-cp-portal.sh,cp-portal-vars.sh}"
  chmod +x "$deploy_dir/deploy-cp-portal.sh"
  printf '%s\n' "$version" >"$bundle_dir/.kpaas-version"
fi

# 2. Passwords from the credentials Secret: into this process's environment only
secret_ns=${credentials%%/*} secret_name=${credentials#*/}
secret_key() {
  local encoded
  encoded=$(kubectl get secret "$secret_name" -n "$secret_ns" -o "jsonpath={.data.$1}") ||
    die "cannot read Secret $secret_ns/$secret_name"
  [[ -n $encoded ]] || die "Secret $secret_ns/$secret_name has no key $1"
  printf '%s' "$encoded" | base64 -d
}
KPAAS_PORTAL_ADMIN_USERNAME=$(secret_key username)
KPAAS_PORTAL_ADMIN_PASSWORD=$(secret_key password)
KPAAS_KEYCLOAK_ADMIN_PASSWORD=$(secret_key keycloak-admin-password)
KPAAS_MARIADB_ROOT_PASSWORD=$(secret_key mariadb-root-password)
KPAAS_MARIADB_USER_PASSWORD=$(secret_key mariadb-user-password)
KPAAS_HARBOR_ADMIN_PASSWORD=$(secret_key harbor-admin-password)
export KPAAS_PORTAL_ADMIN_USERNAME KPAAS_PORTAL_ADMIN_PASSWORD KPAAS_KEYCLOAK_ADMIN_PASSWORD \
  KPAAS_MARIADB_ROOT_PASSWORD KPAAS_MARIADB_USER_PASSWORD KPAAS_HARBOR_ADMIN_PASSWORD
log "credentials read from Secret $secret_ns/$secret_name"

# 3. cp-portal-vars.sh: placeholders and settings from the arguments; passwords stay references
#    to the environment above (resolved when deploy-cp-portal.sh sources the file)
vars=$deploy_dir/cp-portal-vars.sh
[[ -f $vars.orig ]] || cp "$vars" "$vars.orig"
sed_escape() { printf '%s' "$1" | sed -e 's/[\/&|]/\\&/g'; }
iaas_type=2 # OpenStack-like: no CSP load balancer integration (1 is the bundle's AWS default)
{
  sed -e "s|{k8s master node public ip}|$(sed_escape "$api_host")|g" \
    -e "s|{host domain}|$(sed_escape "$domain")|g" \
    -e "s|^HOST_CLUSTER_IAAS_TYPE=.*|HOST_CLUSTER_IAAS_TYPE=\"$iaas_type\"|" \
    "$vars.orig"
  printf '\n# --- kpaas (cp-portal.sh): values from cluster.yaml; passwords come from the environment\n'
  printf 'K8S_MASTER_NODE_IP="%s"\n' "$api_host"
  printf 'HOST_DOMAIN="%s"\n' "$domain"
  printf 'INGRESS_NGINX_PUBLIC_IP="%s"\n' "$ingress_ip"
  [[ -z $storage_class ]] || printf 'K8S_STORAGECLASS="%s"\n' "$storage_class"
  [[ -z $runtime ]] || printf 'K8S_CONTAINER_RUNTIME="%s"\n' "$runtime"
  # shellcheck disable=SC2016 # written literally: expanded when the bundle sources the file
  printf '%s\n' \
    'PORTAL_ADMIN_USERNAME="${KPAAS_PORTAL_ADMIN_USERNAME}"' \
    'PORTAL_ADMIN_PASSWORD="${KPAAS_PORTAL_ADMIN_PASSWORD}"' \
    'KEYCLOAK_ADMIN_PASSWORD="${KPAAS_KEYCLOAK_ADMIN_PASSWORD}"' \
    'DATABASE_ROOT_PASSWORD="${KPAAS_MARIADB_ROOT_PASSWORD}"' \
    'DATABASE_USER_PASSWORD="${KPAAS_MARIADB_USER_PASSWORD}"' \
    'HARBOR_ADMIN_PASSWORD="${KPAAS_HARBOR_ADMIN_PASSWORD}"'
} >"$vars.new"
mv "$vars.new" "$vars"
log "filled $vars (domain $domain, ingress $ingress_ip, API $api_host)"

# 4. Namespaces: `kubectl create namespace X` in the bundle succeeds when X exists (a shim on
#    PATH; other kubectl calls and real errors pass through unchanged)
shim_dir=$(mktemp -d)
trap 'rm -rf "$shim_dir"' EXIT
real_kubectl=$(command -v kubectl)
cat >"$shim_dir/kubectl" <<SHIM
#!/usr/bin/env bash
if [[ \${1:-} == create && ( \${2:-} == ns || \${2:-} == namespace ) && -n \${3:-} ]] &&
  "$real_kubectl" get namespace "\$3" >/dev/null 2>&1; then
  echo "namespace/\$3 already exists (kept)"
  exit 0
fi
exec "$real_kubectl" "\$@"
SHIM
chmod 700 "$shim_dir/kubectl"
kubectl create namespace cp-portal --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# 5. The bundle's deployment, logged next to it
run_log=$bundle_dir/deploy-cp-portal-$(date -u +%Y%m%dT%H%M%SZ).log
log "running deploy-cp-portal.sh (log: $run_log)"
if ! (cd "$deploy_dir" && PATH="$shim_dir:$PATH" ./deploy-cp-portal.sh) >"$run_log" 2>&1; then
  tail -n 30 "$run_log" >&2
  die "deploy-cp-portal.sh failed; full log in $run_log"
fi
tail -n 5 "$run_log"

# 6. Readiness: every Deployment of the portal namespace rolls out within the deadline
deadline=$((SECONDS + timeout_s))
mapfile -t deployments < <(kubectl get deployments -n cp-portal -o name)
[[ -n ${deployments[*]:-} ]] || die 'deploy-cp-portal.sh created no Deployment in namespace cp-portal'
for d in "${deployments[@]}"; do
  left=$((deadline - SECONDS))
  ((left > 0)) || left=1
  kubectl rollout status "$d" -n cp-portal --timeout="${left}s" ||
    die "$d in namespace cp-portal did not roll out within ${timeout_s}s (kubectl describe $d -n cp-portal)"
done
log "cp-portal is ready: https://portal.$domain"
log "for name resolution, APPEND to /etc/hosts (never replace it): $ingress_ip portal.$domain keycloak.$domain harbor.$domain openbao.$domain chartmuseum.$domain"
