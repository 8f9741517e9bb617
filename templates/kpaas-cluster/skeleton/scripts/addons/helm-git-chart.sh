#!/usr/bin/env bash
# Installs a Helm chart that is published only inside a git repository (rancher's
# local-path-provisioner has no Helm repository), pinned to a tag: a shallow clone of exactly
# that tag into a private temp dir, then `helm upgrade --install` from the chart folder.
# Idempotent (upgrade --install); the checkout is removed on exit.
#
# Usage: helm-git-chart.sh REPO_URL TAG CHART_PATH RELEASE NAMESPACE [-f VALUES_FILE ...]
# kpaas:addons passes the catalog's script.args, then one -f per values file.
set -euo pipefail

if [ $# -lt 5 ]; then
  echo "usage: helm-git-chart.sh REPO_URL TAG CHART_PATH RELEASE NAMESPACE [-f VALUES_FILE ...]" >&2
  exit 2
fi
repo=$1 tag=$2 chart_path=$3 release=$4 namespace=$5
shift 5
case "$tag" in
  v[0-9]*) ;;
  *) echo "helm-git-chart.sh: TAG must be a release tag such as v0.0.37, got '$tag'" >&2; exit 2 ;;
esac

values=()
while [ $# -gt 0 ]; do
  case "$1" in
    -f)
      [ $# -ge 2 ] || { echo "helm-git-chart.sh: -f needs a file" >&2; exit 2; }
      values+=(--values "$2")
      shift 2
      ;;
    *) echo "helm-git-chart.sh: unexpected argument '$1'" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$tag" "$repo" "$work/src"
chart="$work/src/$chart_path"
[ -f "$chart/Chart.yaml" ] || { echo "helm-git-chart.sh: no Chart.yaml in $chart_path at $tag" >&2; exit 1; }

helm upgrade --install "$release" "$chart" \
  --namespace "$namespace" --create-namespace \
  "${values[@]}" \
  --atomic --wait --timeout 10m
