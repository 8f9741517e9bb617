#!/usr/bin/env bash
# Checks the values pack against the upstream chart defaults and schemas.
#
#   values/check-all.sh [--strict] [--catalog FILE]
#
# For every add-on of values/addons.yaml it runs
#   ../shared/tools/check-values <chart>@<version> <valuesFiles...>
# once per chart@version (in parallel), where <chart>@<version> is the add-on's helm.chart and
# helm.version, or the `# check-values: <chart>@<version>` line of the values file (needed for
# script add-ons, and for charts stored under another name: istio `base` -> istio-base). It also
# checks what check-values cannot see:
#   - every valuesFile and postInstall template exists; a template is one YAML document whose
#     kind is the entry's `kind`;
#   - every ${KPAAS_...} token is a known one (values/README.md), and ${KPAAS_SECRET:s/k} /
#     ${KPAAS_SECRET_BCRYPT:s/k} / ${KPAAS_SECRET_SHA:s/k} name the add-on's own credentials
#     Secret and one of its keys;
#   - no values file carries a literal password (a non-empty *password key that is not a token).
#
# Exit status: 0 clean (or skipped), 1 problems found, 2 usage/setup error.
# Skipped with a message (exit 0) when ../shared/tools/check-values, python3 or PyYAML is
# missing, e.g. on a fresh clone without ../shared; --strict (or KPAAS_CHECK_STRICT=1) makes a
# skip an error instead. CHECK_VALUES=/path/to/check-values overrides the tool's location.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
catalog="$here/addons.yaml"
strict="${KPAAS_CHECK_STRICT:-0}"

while [ $# -gt 0 ]; do
  case "$1" in
    --strict) strict=1 ;;
    --catalog) catalog="$2"; shift ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-all: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

skip() {
  if [ "$strict" = "1" ]; then
    echo "check-all: FAILED (strict): $1" >&2
    exit 2
  fi
  echo "check-all: SKIPPED: $1"
  exit 0
}

check_values="${CHECK_VALUES:-$root/../shared/tools/check-values}"
[ -f "$check_values" ] || skip "$check_values does not exist (the shared chart defaults are not available here)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (check-values needs it)"
python3 -c 'import yaml' >/dev/null 2>&1 || skip "python3 has no PyYAML (python3 -m pip install pyyaml)"
[ -f "$catalog" ] || { echo "check-all: catalog $catalog not found" >&2; exit 2; }

exec python3 - "$check_values" "$catalog" "$root" <<'PY'
import concurrent.futures
import os
import re
import subprocess
import sys

import yaml

check_values, catalog_path, root = sys.argv[1:4]

# Tokens kpaas substitutes (values/README.md, "Placeholder tokens").
KNOWN_TOKENS = {
    "KPAAS_DOMAIN", "KPAAS_INGRESS_IP", "KPAAS_METALLB_RANGE", "KPAAS_CLUSTER_NAME",
    "KPAAS_CLUSTER_ISSUER", "KPAAS_CRI_NAME", "KPAAS_CRI_SOCKET", "KPAAS_NFS_SERVER",
    "KPAAS_NFS_PATH", "KPAAS_API_HOST", "KPAAS_DEFAULT_STORAGE_CLASS",
    "KPAAS_ADDON_ID", "KPAAS_ADDON_NAMESPACE",
    "KPAAS_UI_HOST", "KPAAS_UI_SERVICE", "KPAAS_UI_PORT", "KPAAS_UI_PATH",
    "KPAAS_BACKUP_ENDPOINT", "KPAAS_BACKUP_BUCKET", "KPAAS_BACKUP_REGION", "KPAAS_BACKUP_PREFIX",
}
TOKEN = re.compile(r"\$\{(KPAAS_[A-Z0-9_]+)(?::([^}]*))?\}")
DIRECTIVE = re.compile(r"^#\s*check-values:\s*([A-Za-z0-9._-]+)@([A-Za-z0-9.+_-]+)", re.M)

problems = []


def rel(path):
    return os.path.relpath(path, root)


def strings(node):
    """Every string scalar (keys included) of a loaded YAML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def literal_passwords(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            key = str(k).lower()
            if (key.endswith("password") or key.endswith("passwd")) and not key.startswith("existingsecret") \
                    and isinstance(v, str) and v and not TOKEN.search(v):
                yield here
            yield from literal_passwords(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from literal_passwords(v, f"{path}[{i}]")


def check_tokens(where, data, addon):
    creds = addon.get("credentials") or {}
    for text in strings(data):
        for name, arg in TOKEN.findall(text):
            if name in ("KPAAS_SECRET", "KPAAS_SECRET_BCRYPT", "KPAAS_SECRET_SHA"):
                secret, _, key = (arg or "").partition("/")
                if secret != creds.get("secretName") or key not in (creds.get("keys") or []):
                    problems.append(
                        f"{where}: ${{{name}:{arg}}} must name add-on {addon.get('id')}'s credentials "
                        f"Secret and one of its keys ({creds.get('secretName')}: {creds.get('keys')})")
            elif name not in KNOWN_TOKENS or arg:
                problems.append(f"{where}: unknown token ${{{name}{':' + arg if arg else ''}}}; "
                                f"known: {', '.join(sorted(KNOWN_TOKENS))}, KPAAS_SECRET:s/k, KPAAS_SECRET_BCRYPT:s/k, KPAAS_SECRET_SHA:s/k")


def load_one(path):
    with open(path) as f:
        text = f.read()
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return text, docs


with open(catalog_path) as f:
    catalog = yaml.safe_load(f) or {}
addons = catalog.get("addons") if isinstance(catalog, dict) else None
if not isinstance(addons, list) or not addons:
    print(f"check-all: {rel(catalog_path)} has no addons list", file=sys.stderr)
    sys.exit(1)

groups = {}  # "chart@version" -> [files]
for addon in addons:
    aid = addon.get("id", "?")
    helm = addon.get("helm") or {}
    check_tokens(f"{aid}: script.args", (addon.get("script") or {}).get("args") or [], addon)
    for vf in addon.get("valuesFiles") or []:
        path = os.path.join(root, vf)
        if not os.path.isfile(path):
            problems.append(f"{aid}: values file {vf} does not exist")
            continue
        try:
            text, docs = load_one(path)
        except yaml.YAMLError as e:
            problems.append(f"{aid}: {vf} is not valid YAML: {e}")
            continue
        m = DIRECTIVE.search(text)
        if helm:
            chart, version = (m.group(1), m.group(2)) if m else (helm.get("chart"), str(helm.get("version")))
            if version != str(helm.get("version")):
                problems.append(f"{aid}: {vf} says check-values {chart}@{version}, but helm.version is {helm.get('version')}")
        elif m:
            chart, version = m.group(1), m.group(2)
        else:
            problems.append(f"{aid}: {vf} needs a '# check-values: <chart>@<version>' line (script add-on)")
            continue
        groups.setdefault(f"{chart}@{version}", []).append(path)
        for doc in docs:
            check_tokens(vf, doc, addon)
            for key in literal_passwords(doc):
                problems.append(f"{vf}: {key} holds a literal password; use the chart's existingSecret or a ${{KPAAS_SECRET:…}} token")
    for i, step in enumerate(addon.get("postInstall") or []):
        tpl = step.get("template", "")
        path = os.path.join(root, tpl)
        where = f"{aid}: postInstall[{i}] {tpl}"
        if not os.path.isfile(path):
            problems.append(f"{where} does not exist")
            continue
        try:
            _, docs = load_one(path)
        except yaml.YAMLError as e:
            problems.append(f"{where} is not valid YAML: {e}")
            continue
        if len(docs) != 1 or not isinstance(docs[0], dict):
            problems.append(f"{where} must hold exactly one manifest")
            continue
        if docs[0].get("kind") != step.get("kind"):
            problems.append(f"{where} is a {docs[0].get('kind')}, the entry says kind {step.get('kind')}")
        check_tokens(tpl, docs[0], addon)


def run(spec):
    files = groups[spec]
    proc = subprocess.run([sys.executable, check_values, spec, *files], capture_output=True, text=True)
    return spec, proc.returncode, (proc.stdout + proc.stderr).replace(root + os.sep, "")


failed = False
with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
    for spec, code, out in sorted(pool.map(run, groups), key=lambda r: r[0]):
        sys.stdout.write(out)
        if code != 0:
            failed = True
            if not out.strip():
                print(f"{spec}: check-values exited {code}")

for p in problems:
    print(f"check-all: {p}")
files = sum(len(v) for v in groups.values())
if failed or problems:
    print(f"check-all: FAILED ({files} values files, {len(groups)} charts, {len(problems)} catalog problem(s))")
    sys.exit(1)
print(f"check-all: ok ({files} values files against {len(groups)} chart versions, {len(addons)} add-ons)")
PY
