/*
 * kpaas stand-in for `helm` that behaves like a chart install against the Kubernetes API
 * stand-in (tests/benchmarks only; see ../README.md). It records every call (start and end) in
 * the node's /var/log/kpaas-standins/calls.jsonl, keeps releases in
 * /var/lib/kpaas-helm/releases.json and, on `upgrade --install`, creates what the chart would:
 * the CRDs and workloads listed for the chart in the chart fixture (KPAAS_HELM_CHARTS or
 * /etc/kpaas-helm/charts.json), labelled like Helm labels them. `--wait` polls the API until
 * those workloads are ready (the test flips them); on timeout `--atomic` removes them again.
 */
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const YAML = require('yaml');

const LOG = process.env.KPAAS_STANDINS_LOG || '/var/log/kpaas-standins/calls.jsonl';
const STATE = process.env.KPAAS_HELM_STATE || '/var/lib/kpaas-helm/releases.json';
const CHARTS = process.env.KPAAS_HELM_CHARTS || '/etc/kpaas-helm/charts.json';
const args = process.argv.slice(2);
const startedAt = Date.now();

function record(extra) {
  fs.mkdirSync(path.dirname(LOG), { recursive: true });
  fs.appendFileSync(
    LOG,
    `${JSON.stringify({
      ts: new Date().toISOString(),
      cmd: 'helm',
      args,
      cwd: process.cwd(),
      node: process.env.KPAAS_NODE_NAME || '',
      uid: process.getuid(),
      pid: process.pid,
      ...extra,
    })}\n`,
  );
}

function flag(...names) {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i].startsWith(`${n}=`)) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
}
function flagsAll(...names) {
  const out = [];
  for (let i = 0; i < args.length; i++) if (names.includes(args[i])) out.push(args[i + 1]);
  return out;
}
const VALUE_FLAGS = new Set(['-n', '--namespace', '-f', '--values', '--set', '--set-string', '--version', '--timeout', '--repo', '--kube-context', '--kubeconfig', '-o', '--output']);
function positionals() {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (VALUE_FLAGS.has(args[i])) i++;
    else if (!args[i].startsWith('-')) out.push(args[i]);
  }
  return out;
}

function loadState() {
  try {
    return JSON.parse(fs.readFileSync(STATE, 'utf8'));
  } catch {
    return [];
  }
}
// written to a temporary file and renamed over the list, so a reader outside the lock (helm
// list, the check before an uninstall) never sees a half-written, empty list
function saveState(releases) {
  fs.mkdirSync(path.dirname(STATE), { recursive: true });
  const tmp = `${STATE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(releases, null, 2));
  fs.renameSync(tmp, STATE);
}

/**
 * Runs a read-modify-write of the release list alone: kpaas:addons runs several helm processes
 * at once (one wave), and without the lock two of them could each write the list without the
 * other's release. The lock is a directory next to the state (mkdir is atomic); one left by a
 * killed helm is taken over after 30 s.
 */
function updateState(change) {
  const lock = `${STATE}.lock`;
  fs.mkdirSync(path.dirname(STATE), { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 30_000) fs.rmdirSync(lock);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`helm stand-in: ${lock} is held`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return change(loadState());
  } finally {
    fs.rmdirSync(lock);
  }
}

function deepMerge(base, over) {
  const isMap = v => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function kubeconfig() {
  const file = process.env.KUBECONFIG || '/etc/kubernetes/admin.conf';
  const kc = YAML.parse(fs.readFileSync(file, 'utf8'));
  const ctxName = kc['current-context'];
  const ctx = (kc.contexts.find(c => c.name === ctxName) || kc.contexts[0]).context;
  const cluster = kc.clusters.find(c => c.name === ctx.cluster).cluster;
  const user = kc.users.find(u => u.name === ctx.user).user;
  return {
    server: cluster.server,
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(),
    token: user.token,
  };
}

let kc;
function api(method, urlPath, body) {
  kc = kc || kubeconfig();
  const url = new URL(urlPath, kc.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: kc.ca,
        headers: {
          Authorization: `Bearer ${kc.token}`,
          'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          Accept: 'application/json',
        },
      },
      res => {
        let text = '';
        res.on('data', d => (text += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, json });
        });
      },
    );
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

const WORKLOAD_PATHS = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
};

function labelsFor(release, chart, version, name) {
  return {
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/name': name,
    'helm.sh/chart': `${chart}-${version}`,
  };
}

function workloadBody(w, ns, labels) {
  const selector = { 'app.kubernetes.io/instance': labels['app.kubernetes.io/instance'], 'app.kubernetes.io/name': w.name };
  const template = {
    metadata: { labels: selector },
    spec: { containers: [{ name: w.name, image: w.image || `registry.example/${w.name}:1.0` }] },
  };
  const spec = w.kind === 'DaemonSet' ? { selector: { matchLabels: selector }, template } : { replicas: 1, selector: { matchLabels: selector }, template };
  if (w.kind === 'StatefulSet') spec.serviceName = w.name;
  return { apiVersion: 'apps/v1', kind: w.kind, metadata: { name: w.name, namespace: ns, labels }, spec };
}

function isReady(kind, obj) {
  const s = (obj && obj.status) || {};
  if (kind === 'DaemonSet') return (s.desiredNumberScheduled || 0) > 0 && s.numberReady >= s.desiredNumberScheduled;
  return (s.readyReplicas || 0) >= ((obj.spec && obj.spec.replicas) ?? 1);
}

function crdBody(c) {
  const [plural, ...group] = c.name.split('.');
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: c.name },
    spec: {
      group: group.join('.'),
      scope: c.scope || 'Namespaced',
      names: { plural, singular: c.kind.toLowerCase(), kind: c.kind, listKind: `${c.kind}List` },
      versions: [{ name: c.version || 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

async function ensure(listPath, name, body) {
  const created = await api('POST', listPath, body);
  if (created.status === 409) {
    await api('PATCH', `${listPath}/${name}`, { metadata: { labels: body.metadata.labels }, spec: body.spec });
  } else if (created.status >= 300) {
    throw new Error(`create ${listPath}/${name}: HTTP ${created.status} ${JSON.stringify(created.json)}`);
  }
}

async function workloadsOf(ns, release) {
  const out = [];
  for (const [kind, plural] of Object.entries(WORKLOAD_PATHS)) {
    const r = await api('GET', `/apis/apps/v1/namespaces/${ns}/${plural}?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${release}`)}`);
    for (const item of (r.json && r.json.items) || []) out.push({ kind, plural, item });
  }
  return out;
}

async function upgrade() {
  const [release, chartRef] = positionals().slice(1);
  const ns = flag('--namespace', '-n') || 'default';
  const version = flag('--version') || '0.0.0';
  const chart = chartRef.split('/').pop();
  const timeoutS = parseInt(flag('--timeout') || '300', 10);
  // a process substitution is a pipe: each file is read once
  const texts = flagsAll('--values', '-f').map(f => [f, fs.readFileSync(f, 'utf8')]);
  const values = texts.map(([f, text]) => {
    // a process substitution carries resolved secrets: record only that it was passed
    return f.startsWith('/dev/fd/') || f.startsWith('/proc/') ? { file: 'secret', keys: Object.keys(YAML.parse(text) || {}) } : { file: f, content: text };
  });
  record({ phase: 'start', release, namespace: ns, chart, version, values });
  // the user-supplied values as Helm keeps them in the release (`helm get values`): the files
  // merged in order, maps deeply, everything else replaced
  const config = texts.reduce((merged, [, text]) => deepMerge(merged, YAML.parse(text) || {}), {});

  const fixtures = fs.existsSync(CHARTS) ? JSON.parse(fs.readFileSync(CHARTS, 'utf8')) : {};
  // per release first (two releases of one chart), then per chart
  const fixture = fixtures[release] || fixtures[chart] || { workloads: [] };
  const delayMs = Number(fixture.delayMs ?? process.env.KPAAS_HELM_DELAY_MS ?? 0);
  if (delayMs > 0) await new Promise(r => setTimeout(r, delayMs));

  if (args.includes('--create-namespace')) {
    const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (r.status >= 300 && r.status !== 409) throw new Error(`create namespace ${ns}: HTTP ${r.status}`);
  }
  for (const c of fixture.crds || []) await ensure('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', c.name, crdBody(c));
  const created = [];
  for (const w of fixture.workloads || []) {
    const body = workloadBody(w, ns, labelsFor(release, chart, version, w.name));
    const plural = WORKLOAD_PATHS[w.kind];
    await ensure(`/apis/apps/v1/namespaces/${ns}/${plural}`, w.name, body);
    created.push({ kind: w.kind, plural, name: w.name });
  }
  for (const s of fixture.services || []) {
    await ensure(`/api/v1/namespaces/${ns}/services`, s.name, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: ns, labels: labelsFor(release, chart, version, s.name) },
      spec: {
        type: s.type || 'ClusterIP',
        // a chart value like service.clusterIP: the address asked for instead of an allocated one
        ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}),
        ports: [{ port: s.port || 80 }],
      },
    });
  }

  // fixture knob `fail: { stderr, exit? }`: the install fails like a chart hook or a rejected
  // manifest does; with --atomic the release's objects are removed again (a rollback)
  if (fixture.fail) {
    const atomic = args.includes('--atomic');
    if (atomic) for (const w of created) await api('DELETE', `/apis/apps/v1/namespaces/${ns}/${w.plural}/${w.name}`);
    record({ phase: 'end', release, exit: fixture.fail.exit || 1, rolledBack: atomic });
    process.stderr.write(`${fixture.fail.stderr || 'Error: INSTALLATION FAILED'}\n`);
    if (atomic) process.stderr.write(`Error: release ${release} failed, and has been uninstalled due to atomic being set\n`);
    process.exit(fixture.fail.exit || 1);
  }

  if (args.includes('--wait')) {
    const deadline = startedAt + timeoutS * 1000;
    for (;;) {
      let ready = true;
      for (const w of created) {
        const r = await api('GET', `/apis/apps/v1/namespaces/${ns}/${w.plural}/${w.name}`);
        if (!isReady(w.kind, r.json)) ready = false;
      }
      if (ready) break;
      if (Date.now() > deadline) {
        if (args.includes('--atomic')) {
          for (const w of created) await api('DELETE', `/apis/apps/v1/namespaces/${ns}/${w.plural}/${w.name}`);
          record({ phase: 'end', release, exit: 1, rolledBack: true });
          process.stderr.write(`Error: release ${release} failed, and has been uninstalled due to atomic being set: context deadline exceeded\n`);
        } else {
          record({ phase: 'end', release, exit: 1 });
          process.stderr.write(`Error: release ${release} failed: context deadline exceeded\n`);
        }
        process.exit(1);
      }
      await new Promise(r => setTimeout(r, 50));
    }
  }

  const revision = updateState(state => {
    const releases = state.filter(r => !(r.name === release && r.namespace === ns));
    const next = Number(state.find(r => r.name === release && r.namespace === ns)?.revision ?? 0) + 1;
    releases.push({ name: release, namespace: ns, revision: String(next), updated: new Date().toISOString(), status: 'deployed', chart: `${chart}-${version}`, app_version: version, config });
    saveState(releases);
    return next;
  });
  record({ phase: 'end', release, exit: 0 });
  console.log(`Release "${release}" has been upgraded. Happy Helming!\nNAME: ${release}\nNAMESPACE: ${ns}\nSTATUS: deployed\nREVISION: ${revision}`);
}

async function uninstall() {
  const release = positionals()[1];
  const ns = flag('--namespace', '-n') || 'default';
  record({ phase: 'start', release, namespace: ns });
  const releases = loadState();
  if (!releases.some(r => r.name === release && r.namespace === ns)) {
    process.stderr.write(`Error: uninstall: Release not loaded: ${release}: release: not found\n`);
    record({ phase: 'end', release, exit: 1 });
    process.exit(1);
  }
  for (const w of await workloadsOf(ns, release)) {
    await api('DELETE', `/apis/apps/v1/namespaces/${ns}/${w.plural}/${w.item.metadata.name}`);
  }
  // its Services too (a LoadBalancer's address is free again), as Helm deletes all it installed
  const services = await api('GET', `/api/v1/namespaces/${ns}/services?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${release}`)}`);
  for (const svc of (services.json && services.json.items) || []) {
    await api('DELETE', `/api/v1/namespaces/${ns}/services/${svc.metadata.name}`);
  }
  updateState(state =>
    saveState(state.filter(r => !(r.name === release && r.namespace === ns))),
  );
  record({ phase: 'end', release, exit: 0 });
  console.log(`release "${release}" uninstalled`);
}

async function main() {
  const verb = args[0];
  if (verb === 'version') {
    record({});
    // as Helm prints it: --short is what scripts compare (cni.sh installs Helm on a mismatch)
    if (args.includes('--short')) console.log('v3.16.3+g0000000');
    else if ((flag('--template') || '').includes('Version')) console.log('v3.16.3');
    else console.log('version.BuildInfo{Version:"v3.16.3"}');
  } else if (verb === 'repo') {
    record({});
    if (args[1] === 'add') console.log(`"${positionals()[2]}" has been added to your repositories`);
  } else if (verb === 'list' || verb === 'ls') {
    record({});
    const all = loadState();
    const ns = flag('--namespace', '-n');
    const items = args.includes('--all-namespaces') || args.includes('-A') || !ns ? all : all.filter(r => r.namespace === ns);
    // `helm list` prints no values
    console.log(JSON.stringify(items.map(({ config: _config, ...r }) => r)));
  } else if (verb === 'status') {
    record({});
    const release = positionals()[1];
    const ns = flag('--namespace', '-n') || 'default';
    const r = loadState().find(x => x.name === release && x.namespace === ns);
    if (!r) {
      process.stderr.write('Error: release: not found\n');
      process.exit(1);
    }
    console.log(JSON.stringify({ name: r.name, namespace: r.namespace, info: { status: r.status }, chart: r.chart }));
  } else if (verb === 'get' && args[1] === 'values') {
    // `helm get values R -n NS -o json`: the user-supplied values, `null` when there are none
    record({});
    const release = positionals()[2];
    const ns = flag('--namespace', '-n') || 'default';
    const r = loadState().find(x => x.name === release && x.namespace === ns);
    if (!r) {
      process.stderr.write('Error: release: not found\n');
      process.exit(1);
    }
    console.log(JSON.stringify(r.config && Object.keys(r.config).length > 0 ? r.config : null));
  } else if (verb === 'upgrade' || verb === 'install') {
    await upgrade();
  } else if (verb === 'uninstall' || verb === 'delete') {
    await uninstall();
  } else {
    record({});
  }
}

main().catch(e => {
  process.stderr.write(`Error: ${e.message}\n`);
  record({ phase: 'end', exit: 1, error: e.message });
  process.exit(1);
});
