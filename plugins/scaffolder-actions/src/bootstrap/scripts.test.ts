/*
 * The node scripts of the cluster repo (templates/kpaas-cluster/skeleton/scripts): shellcheck,
 * template safety, and runs in a sandbox root with the recording stand-ins on PATH.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_SCRIPTS } from './run';

const SCRIPTS = path.resolve(
  __dirname,
  '../../../../templates/kpaas-cluster/skeleton/scripts',
);
const STANDINS = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins',
);
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('node scripts', () => {
  it('are all present', () => {
    for (const s of NODE_SCRIPTS)
      expect(fs.existsSync(path.join(SCRIPTS, s))).toBe(true);
  });

  (hasShellcheck ? it : it.skip)(
    'pass shellcheck (skipped when shellcheck is not installed)',
    () => {
      const r = spawnSync('shellcheck', ['-x', ...NODE_SCRIPTS], {
        cwd: SCRIPTS,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('contain no template syntax the scaffolder would render ({{, {%, {#)', () => {
    for (const s of NODE_SCRIPTS) {
      expect(fs.readFileSync(path.join(SCRIPTS, s), 'utf8')).not.toMatch(
        /\$\{\{|\{%|\{#/,
      );
    }
  });

  describe('in a sandbox root with stand-ins', () => {
    let root: string;
    let log: string;
    const run = (script: string, env: Record<string, string>) =>
      spawnSync('bash', [path.join(SCRIPTS, script)], {
        encoding: 'utf8',
        env: {
          PATH: `${STANDINS}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
          KPAAS_ROOT: root,
          KPAAS_STANDIN_ROOT: root,
          KPAAS_STANDINS_LOG: log,
          ...env,
        },
      });
    const calls = () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map(l => JSON.parse(l))
        : [];
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-scripts-'));
      log = path.join(root, 'calls.jsonl');
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('node-prep installs the pinned packages, holds them, and skips on a second run', () => {
      fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
      fs.writeFileSync(
        path.join(root, 'etc/fstab'),
        '/swap.img none swap sw 0 0\n',
      );
      const env = { K8S_VERSION: 'v1.33.5', CONTAINER_RUNTIME: 'containerd' };
      const first = run('node-prep.sh', env);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      const installs = calls().filter(
        c => c.cmd === 'apt-get' && c.args[0] === 'install',
      );
      expect(installs.at(-1).args).toEqual(
        expect.arrayContaining([
          'kubelet=1.33.5-1.1',
          'kubeadm=1.33.5-1.1',
          'kubectl=1.33.5-1.1',
        ]),
      );
      expect(
        calls().some(
          c =>
            c.cmd === 'apt-mark' &&
            c.args.join(' ') === 'hold kubelet kubeadm kubectl',
        ),
      ).toBe(true);
      expect(
        fs.readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8'),
      ).toContain('SystemdCgroup = true');
      expect(fs.readFileSync(path.join(root, 'etc/fstab'), 'utf8')).toMatch(
        /^# \/swap.img/,
      );
      expect(
        fs.readFileSync(
          path.join(root, 'etc/apt/sources.list.d/kubernetes.list'),
          'utf8',
        ),
      ).toContain('core:/stable:/v1.33/deb/');

      const n = calls().length;
      const second = run('node-prep.sh', env);
      expect(second.status).toBe(0);
      expect(second.stdout).toContain(
        'skip: node already prepared for v1.33.5 with containerd',
      );
      expect(
        calls()
          .slice(n)
          .map(c => c.cmd),
      ).toEqual(['kubeadm', 'apt-mark']);
    });

    it('kubeadm-join keeps the token out of argv and removes its config, and skips a joined node', () => {
      fs.mkdirSync(path.join(root, 'run'), { recursive: true });
      const token = 'abc123.0123456789abcdef';
      const env = {
        ENDPOINT: '10.0.0.200:6443',
        CA_CERT_HASH: 'sha256:00',
        ROLE: 'worker',
        NODE_NAME: 'w1',
        KPAAS_JOIN_TOKEN: token,
      };
      const r = run('kubeadm-join.sh', env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(log, 'utf8')).not.toContain(token);
      expect(fs.readdirSync(path.join(root, 'run'))).toEqual([]);
      expect(
        fs.existsSync(path.join(root, 'etc/kubernetes/kubelet.conf')),
      ).toBe(true);
      const again = run('kubeadm-join.sh', env);
      expect(again.stdout).toContain(
        'skip: kubeadm join: w1 has already joined',
      );
    });

    it('kubeadm-join fails with the stand-in kubeadm when the token is malformed', () => {
      fs.mkdirSync(path.join(root, 'run'), { recursive: true });
      const r = run('kubeadm-join.sh', {
        ENDPOINT: 'x:6443',
        CA_CERT_HASH: 'sha256:00',
        ROLE: 'worker',
        NODE_NAME: 'w1',
        KPAAS_JOIN_TOKEN: 'nope',
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('invalid bootstrap token');
    });

    describe('pinned downloads (sha256sum -c before use)', () => {
      let fakeBin: string;
      let served: string;
      // curl that serves one prepared file for any URL and records the URL
      const runWithDownload = (script: string, env: Record<string, string>) =>
        spawnSync('bash', [path.join(SCRIPTS, script)], {
          encoding: 'utf8',
          env: {
            PATH: `${fakeBin}:${STANDINS}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
            KPAAS_ROOT: root,
            KPAAS_STANDIN_ROOT: root,
            KPAAS_STANDINS_LOG: log,
            FAKE_CURL_SERVES: served,
            FAKE_CURL_LOG: path.join(root, 'curl-urls'),
            ...env,
          },
        });
      const sha256 = (file: string) =>
        createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      beforeEach(() => {
        fakeBin = path.join(root, 'fake-bin');
        fs.mkdirSync(fakeBin);
        fs.writeFileSync(
          path.join(fakeBin, 'curl'),
          [
            '#!/bin/bash',
            'out=',
            'while (($#)); do',
            '  case $1 in -o) out=$2; shift ;; http*) echo "$1" >>"$FAKE_CURL_LOG" ;; esac',
            '  shift',
            'done',
            'cp "$FAKE_CURL_SERVES" "$out"',
            '',
          ].join('\n'),
          { mode: 0o755 },
        );
        // a helm release tarball for both architectures
        const tree = path.join(root, 'tree');
        for (const arch of ['amd64', 'arm64']) {
          fs.mkdirSync(path.join(tree, `linux-${arch}`), { recursive: true });
          fs.writeFileSync(
            path.join(tree, `linux-${arch}`, 'helm'),
            '#!/bin/sh\necho downloaded-helm\n',
            { mode: 0o755 },
          );
        }
        served = path.join(root, 'helm.tgz');
        spawnSync('tar', ['-czf', served, '-C', tree, '.']);
        fs.mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true });
      });

      const cniEnv = (sha: string) => ({
        CNI: 'calico',
        CNI_VERSION: 'v3.29.1',
        POD_CIDR: '10.244.0.0/16',
        HELM_VERSION: 'v3.16.3',
        KPAAS_HELM_VERSION: 'v3.15.0', // the installed helm is another version
        HELM_URL_AMD64: 'https://get.helm.sh/helm-v3.16.3-linux-amd64.tar.gz',
        HELM_SHA256_AMD64: sha,
        HELM_URL_ARM64: 'https://get.helm.sh/helm-v3.16.3-linux-arm64.tar.gz',
        HELM_SHA256_ARM64: sha,
      });
      const installedHelm = () => path.join(root, 'usr/local/bin/helm');

      it('cni installs helm only after its sha256 matched the pin', () => {
        const r = runWithDownload('cni.sh', cniEnv(sha256(served)));
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(fs.readFileSync(installedHelm(), 'utf8')).toContain(
          'downloaded-helm',
        );
        expect(fs.readFileSync(path.join(root, 'curl-urls'), 'utf8')).toMatch(
          /^https:\/\/get\.helm\.sh\/helm-v3\.16\.3-linux-(amd64|arm64)\.tar\.gz$/m,
        );
      });

      it('cni refuses a helm download whose sha256 differs, and installs nothing', () => {
        const pin = 'f'.repeat(64);
        const r = runWithDownload('cni.sh', cniEnv(pin));
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain(
          `sha256 mismatch for https://get.helm.sh/helm-v3.16.3-linux-`,
        );
        expect(r.stderr).toContain(`expected ${pin}, got ${sha256(served)}`);
        expect(fs.existsSync(installedHelm())).toBe(false);
        expect(
          calls().filter(c => c.cmd === 'helm' && c.args[0] === 'upgrade'),
        ).toEqual([]);
      });

      it('cni refuses to download helm without a pin', () => {
        const r = runWithDownload('cni.sh', cniEnv(''));
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain('no sha256 pin for https://get.helm.sh/');
        expect(fs.existsSync(path.join(root, 'curl-urls'))).toBe(false);
        expect(fs.existsSync(installedHelm())).toBe(false);
      });

      it('kpaas-cp refuses a cp-deployment archive whose sha256 differs before unpacking it', () => {
        const url =
          'https://github.com/K-PaaS/cp-deployment/archive/refs/tags/v1.7.0.tar.gz';
        const pin = '0'.repeat(64);
        const r = runWithDownload('kpaas-cp.sh', {
          CP_DEPLOYMENT_VERSION: 'v1.7.0',
          CP_DEPLOYMENT_URL: url,
          CP_DEPLOYMENT_SHA256: pin,
          CP_DIR: path.join(root, 'cp-deployment'),
          KPAAS_CP_FILES: path.join(root, 'files'),
          KEY_LIFETIME_SECONDS: '60',
          KPAAS_SSH_PRIVATE_KEY: 'not used',
        });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain(
          `sha256 mismatch for ${url}: expected ${pin}, got ${sha256(
            served,
          )}; the download was not used`,
        );
        expect(fs.existsSync(path.join(root, 'cp-deployment'))).toBe(false);
      });
    });

    it('preflight prints the facts kpaas judges', () => {
      const r = run('preflight.sh', { ROLE: 'control-plane' });
      expect(r.status).toBe(0);
      for (const k of [
        'os',
        'arch',
        'cpus',
        'memory_mib',
        'swap_kib',
        'hostname',
        'ports_busy',
        'time_synced',
      ]) {
        expect(r.stdout).toMatch(new RegExp(`^${k}=`, 'm'));
      }
      expect(r.stdout).toContain('time_synced=yes');
    });
  });
});
