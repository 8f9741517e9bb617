/*
 * scripts/addons/cp-portal.sh (the `script` add-on kpaas-cp-portal): shellcheck, and runs with
 * real kubectl against the Kubernetes API stand-in and a stand-in cp-portal-deployment bundle
 * (the real one is a 2 GB download that is not public on GitHub).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeApiStandIn, startKubeApiStandIn } from '@internal/kpaas-testkit';

// eslint-disable-next-line no-restricted-syntax
const SCRIPT_DIR = path.resolve(
  __dirname,
  '../../../../templates/kpaas-cluster/skeleton/scripts/addons',
);
const SCRIPT = path.join(SCRIPT_DIR, 'cp-portal.sh');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const hasKubectl = spawnSync('kubectl', ['version', '--client']).status === 0;

const PASSWORDS: Record<string, string> = {
  username: 'admin',
  password: 'PortalPw0rd4kpaasXyZ',
  'keycloak-admin-password': 'KeycloakPw0rd4kpaasXyZ',
  'mariadb-root-password': 'MariadbRootPw0rd4kpaas',
  'mariadb-user-password': 'MariadbUserPw0rd4kpaas',
  'harbor-admin-password': 'HarborPw0rd4kpaasXyZ',
};
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The bundle's shape: script/{cp-portal-vars.sh,deploy-cp-portal.sh}, as the seed system uses it. */
function writeBundle(dir: string, deployments: string[]) {
  const root = path.join(dir, 'src', 'cp-portal-deployment', 'script');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(
    path.join(root, 'cp-portal-vars.sh'),
    [
      'K8S_MASTER_NODE_IP="{k8s master node public ip}"',
      'HOST_DOMAIN="{host domain}"',
      'HOST_CLUSTER_IAAS_TYPE="1"',
      'KEYCLOAK_URL="https://keycloak.${HOST_DOMAIN}"',
      '',
    ].join('\n'),
  );
  const apply = deployments
    .map(
      name => `kubectl apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: cp-portal}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: "registry.example/${name}:1.7.0"}]}
YAML`,
    )
    .join('\n');
  fs.writeFileSync(
    path.join(root, 'deploy-cp-portal.sh'),
    `#!/usr/bin/env bash
set -euo pipefail
source ./cp-portal-vars.sh
kubectl create namespace cp-portal
kubectl create namespace harbor
echo "deploying for $KEYCLOAK_URL"
printf '%s' "$KEYCLOAK_ADMIN_PASSWORD" | sha256sum | cut -d' ' -f1 > "$DEPLOY_PROOF"
printf '%s\\n' "$K8S_MASTER_NODE_IP" "$HOST_CLUSTER_IAAS_TYPE" "$HARBOR_ADMIN_PASSWORD" | sha256sum | cut -d' ' -f1 >> "$DEPLOY_PROOF"
${apply}
`,
    { mode: 0o755 },
  );
  const archive = path.join(dir, 'cp-portal-deployment-v1.7.0.tar.gz');
  const r = spawnSync('tar', [
    '-czf',
    archive,
    '-C',
    path.join(dir, 'src'),
    'cp-portal-deployment',
  ]);
  expect(r.status).toBe(0);
  return archive;
}

describe('scripts/addons/cp-portal.sh', () => {
  (hasShellcheck ? it : it.skip)(
    'passes shellcheck (skipped when shellcheck is not installed)',
    () => {
      const r = spawnSync('shellcheck', ['-x', 'cp-portal.sh'], {
        cwd: SCRIPT_DIR,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('contains no template syntax the scaffolder would render and never writes /etc/hosts', () => {
    const text = fs.readFileSync(SCRIPT, 'utf8');
    expect(text).not.toMatch(/\$\{\{|\{%|\{#/);
    expect(text).not.toMatch(/>>?\s*\/etc\/hosts|tee[^\n]*\/etc\/hosts/);
    expect(text).not.toMatch(/\bsleep\b/);
  });

  (hasKubectl ? describe : describe.skip)('against the API stand-in', () => {
    let standIn: KubeApiStandIn;
    let dir: string;
    let archive: string;
    let stopReady: () => void = () => {};

    const env = (extra: Record<string, string> = {}) => ({
      PATH: process.env.PATH!,
      HOME: path.join(dir, 'home'),
      KUBECONFIG: path.join(dir, 'kubeconfig'),
      KPAAS_CP_PORTAL_BUNDLE: archive,
      KPAAS_CP_PORTAL_WORKDIR: path.join(dir, 'work'),
      DEPLOY_PROOF: path.join(dir, 'proof'),
      ...extra,
    });
    const ARGS = [
      '--version=v1.7.0',
      '--domain=lab.example.com',
      '--ingress-ip=10.10.0.199',
      '--api-host=10.10.0.10',
      '--storage-class=local-path',
      '--container-runtime=containerd',
      '--credentials-secret=cp-portal/cp-portal-credentials',
      '-f',
      '/dev/null',
    ];
    // async: the stand-in serves kubectl from this process
    const run = (e: Record<string, string>, args = ARGS) =>
      new Promise<{ status: number | null; out: string }>(resolve => {
        const child = spawn('bash', [SCRIPT, ...args], { env: e });
        let out = '';
        child.stdout.on('data', d => (out += d));
        child.stderr.on('data', d => (out += d));
        child.on('close', status => resolve({ status, out }));
      });
    /** Plays the deployment controller: portal Deployments become ready unless `broken`. */
    const readyController = (broken = new Set<string>()) => {
      const t = setInterval(() => {
        for (const d of standIn.store.list({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
        })) {
          const { name, namespace } = d.metadata!;
          if (!broken.has(name!) && !(d.status?.readyReplicas >= 1)) {
            standIn.setDeploymentReady(namespace!, name!, true);
          }
        }
      }, 50);
      return () => clearInterval(t);
    };

    beforeAll(async () => {
      standIn = await startKubeApiStandIn({});
      dir = fs.mkdtempSync(
        path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-cp-portal-'),
      );
      fs.mkdirSync(path.join(dir, 'home'));
      fs.writeFileSync(path.join(dir, 'kubeconfig'), standIn.kubeconfigYaml(), {
        mode: 0o600,
      });
      archive = writeBundle(dir, [
        'cp-portal-ui-deployment',
        'cp-portal-api-deployment',
      ]);
      // what kpaas:addons creates before it runs the script
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'cp-portal' },
      });
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cp-portal-credentials', namespace: 'cp-portal' },
        type: 'Opaque',
        data: Object.fromEntries(
          Object.entries(PASSWORDS).map(([k, v]) => [
            k,
            Buffer.from(v).toString('base64'),
          ]),
        ),
      });
    }, 30_000);

    afterAll(async () => {
      stopReady();
      await standIn?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('unpacks the bundle, fills the vars, deploys with passwords from the Secret and waits for the rollout', async () => {
      stopReady = readyController();
      const { status, out } = await run(env());
      expect(out).toContain(
        'cp-portal is ready: https://portal.lab.example.com',
      );
      expect(status).toBe(0);
      // existing namespace kept, new one created, through the bundle's plain `kubectl create namespace`
      expect(out).not.toMatch(/AlreadyExists/);
      expect(
        standIn.store.get({
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'harbor',
        }),
      ).toBeDefined();

      const vars = fs.readFileSync(
        path.join(dir, 'work/cp-portal-deployment/script/cp-portal-vars.sh'),
        'utf8',
      );
      expect(vars).toContain('K8S_MASTER_NODE_IP="10.10.0.10"');
      expect(vars).toContain('HOST_DOMAIN="lab.example.com"');
      expect(vars).toContain('HOST_CLUSTER_IAAS_TYPE="2"');
      expect(vars).toContain('INGRESS_NGINX_PUBLIC_IP="10.10.0.199"');
      expect(vars).not.toContain('{host domain}');
      // the deploy script saw the passwords (through the environment) and the filled values
      const proof = fs
        .readFileSync(path.join(dir, 'proof'), 'utf8')
        .trim()
        .split('\n');
      expect(proof[0]).toBe(sha(PASSWORDS['keycloak-admin-password']));
      expect(proof[1]).toBe(
        sha(`10.10.0.10\n2\n${PASSWORDS['harbor-admin-password']}\n`),
      );
      // ...but no password is on disk in the bundle, in the output or in the deploy log
      const logs = fs
        .readdirSync(path.join(dir, 'work/cp-portal-deployment'))
        .filter(f => f.endsWith('.log'))
        .map(f =>
          fs.readFileSync(
            path.join(dir, 'work/cp-portal-deployment', f),
            'utf8',
          ),
        );
      expect(logs.length).toBe(1);
      expect(logs[0]).toContain(
        'deploying for https://keycloak.lab.example.com',
      );
      for (const secret of Object.values(PASSWORDS).slice(1)) {
        expect(vars + out + logs.join('')).not.toContain(secret);
      }
      expect(out).toMatch(
        /APPEND to \/etc\/hosts[^\n]*10\.10\.0\.199 portal\.lab\.example\.com/,
      );
    }, 60_000);

    it('does not unpack the bundle again on a re-run', async () => {
      const { status, out } = await run(
        env({ KPAAS_CP_PORTAL_BUNDLE: path.join(dir, 'missing.tar.gz') }),
      );
      expect(out).toContain('bundle cp-portal-deployment v1.7.0 already in');
      expect(status).toBe(0);
    }, 60_000);

    it('names the Deployment that does not roll out within the timeout', async () => {
      stopReady();
      stopReady = readyController(new Set(['cp-portal-api-deployment']));
      standIn.setDeploymentReady(
        'cp-portal',
        'cp-portal-api-deployment',
        false,
      );
      const { status, out } = await run(env({ KPAAS_CP_PORTAL_TIMEOUT: '2' }));
      expect(status).not.toBe(0);
      expect(out).toContain(
        'deployment.apps/cp-portal-api-deployment in namespace cp-portal did not roll out within 2s',
      );
    }, 60_000);

    it('refuses bad arguments and a Secret without a key before deploying', async () => {
      const unresolved = await run(
        env(),
        ARGS.map(a =>
          a.startsWith('--domain=') ? '--domain=${KPAAS_DOMAIN}' : a,
        ),
      );
      expect(unresolved.status).not.toBe(0);
      expect(unresolved.out).toContain(
        '--domain still holds an unresolved token',
      );

      const wrongSecret = await run(
        env({ KPAAS_CP_PORTAL_WORKDIR: path.join(dir, 'work2') }),
        ARGS.map(a =>
          a.startsWith('--credentials-secret=')
            ? '--credentials-secret=cp-portal/nope'
            : a,
        ),
      );
      expect(wrongSecret.status).not.toBe(0);
      expect(wrongSecret.out).toContain('cannot read Secret cp-portal/nope');
      expect(
        fs.existsSync(
          path.join(
            dir,
            'work2/cp-portal-deployment/script/cp-portal-vars.sh.orig',
          ),
        ),
      ).toBe(false);
    }, 60_000);
  });
});
