#!/usr/bin/env bash
# Starts the demo Kubernetes API stand-in (the "demo" cluster) and Backstage (app :3000,
# backend :7007). Called by `npm start` after the toolchain and dependencies are in place.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO_DIR="$ROOT/.toolchain/demo"
mkdir -p "$DEMO_DIR"
rm -f "$DEMO_DIR/app-config.demo.yaml"

# The demo stand-in is the only place the test kit runs outside tests: it serves a realistic
# K-PaaS HA cluster on 127.0.0.x so the cluster page has live data. KPAAS_NO_DEMO=1 skips it.
demo_pid=""
extra_config=()
if [ "${KPAAS_NO_DEMO:-}" != "1" ]; then
  node --require "$ROOT/node_modules/@backstage/cli/config/nodeTransform.cjs" \
    "$ROOT/packages/testkit/src/demo/startDemo.ts" "$DEMO_DIR" > "$DEMO_DIR/demo.log" 2>&1 &
  demo_pid=$!
  for _ in $(seq 1 100); do
    [ -f "$DEMO_DIR/app-config.demo.yaml" ] && break
    kill -0 "$demo_pid" 2>/dev/null || { cat "$DEMO_DIR/demo.log" >&2; echo "kpaas: the demo cluster stand-in failed to start (log above)" >&2; exit 1; }
    sleep 0.2
  done
  [ -f "$DEMO_DIR/app-config.demo.yaml" ] || { echo "kpaas: the demo cluster stand-in did not come up within 20 s (see $DEMO_DIR/demo.log)" >&2; exit 1; }
  extra_config=(--config "$DEMO_DIR/app-config.demo.yaml")
  echo "kpaas: demo cluster API stand-in running ($(head -1 "$DEMO_DIR/demo.log"))"
fi

cleanup() { [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

cd "$ROOT"
yarn backstage-cli repo start --config "$ROOT/app-config.yaml" "${extra_config[@]}" "$@"
