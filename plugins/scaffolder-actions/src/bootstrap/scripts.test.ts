/*
 * The node scripts of the cluster repo (templates/kpaas-cluster/skeleton/scripts): shellcheck,
 * template safety, and runs in a sandbox root with the recording stand-ins on PATH.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_SCRIPTS } from './run';

const SCRIPTS = path.resolve(__dirname, '../../../../templates/kpaas-cluster/skeleton/scripts');
const STANDINS = path.resolve(__dirname, '../../../../packages/testkit/standins');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('node scripts', () => {
  it('are all present', () => {
    for (const s of NODE_SCRIPTS) expect(fs.existsSync(path.join(SCRIPTS, s))).toBe(true);
  });

  (hasShellcheck ? it : it.skip)('pass shellcheck (skipped when shellcheck is not installed)', () => {
    const r = spawnSync('shellcheck', ['-x', ...NODE_SCRIPTS], { cwd: SCRIPTS, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('contain no template syntax the scaffolder would render ({{, {%, {#)', () => {
    for (const s of NODE_SCRIPTS) {
      expect(fs.readFileSync(path.join(SCRIPTS, s), 'utf8')).not.toMatch(/\$\{\{|\{%|\{#/);
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
        ? fs.readFileSync(log, 'utf8').trim().split('\n').map(l => JSON.parse(l))
        : [];
    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-scripts-'));
      log = path.join(root, 'calls.jsonl');
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('node-prep installs the pinned packages, holds them, and skips on a second run', () => {
      fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(root, 'etc/fstab'), '/swap.img none swap sw 0 0\n');
      const env = { K8S_VERSION: 'v1.33.5', CONTAINER_RUNTIME: 'containerd' };
      const first = run('node-prep.sh', env);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      const installs = calls().filter(c => c.cmd === 'apt-get' && c.args[0] === 'install');
      expect(installs.at(-1).args).toEqual(expect.arrayContaining(['kubelet=1.33.5-1.1', 'kubeadm=1.33.5-1.1', 'kubectl=1.33.5-1.1']));
      expect(calls().some(c => c.cmd === 'apt-mark' && c.args.join(' ') === 'hold kubelet kubeadm kubectl')).toBe(true);
      expect(fs.readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8')).toContain('SystemdCgroup = true');
      expect(fs.readFileSync(path.join(root, 'etc/fstab'), 'utf8')).toMatch(/^# \/swap.img/);
      expect(fs.readFileSync(path.join(root, 'etc/apt/sources.list.d/kubernetes.list'), 'utf8')).toContain('core:/stable:/v1.33/deb/');

      const n = calls().length;
      const second = run('node-prep.sh', env);
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('skip: node already prepared for v1.33.5 with containerd');
      expect(calls().slice(n).map(c => c.cmd)).toEqual(['kubeadm', 'apt-mark']);
    });

    it('kubeadm-join keeps the token out of argv and removes its config, and skips a joined node', () => {
      fs.mkdirSync(path.join(root, 'run'), { recursive: true });
      const token = 'abc123.0123456789abcdef';
      const env = {
        ENDPOINT: '10.0.0.200:6443', CA_CERT_HASH: 'sha256:00', ROLE: 'worker', NODE_NAME: 'w1',
        KPAAS_JOIN_TOKEN: token,
      };
      const r = run('kubeadm-join.sh', env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(log, 'utf8')).not.toContain(token);
      expect(fs.readdirSync(path.join(root, 'run'))).toEqual([]);
      expect(fs.existsSync(path.join(root, 'etc/kubernetes/kubelet.conf'))).toBe(true);
      const again = run('kubeadm-join.sh', env);
      expect(again.stdout).toContain('skip: kubeadm join: w1 has already joined');
    });

    it('kubeadm-join fails with the stand-in kubeadm when the token is malformed', () => {
      fs.mkdirSync(path.join(root, 'run'), { recursive: true });
      const r = run('kubeadm-join.sh', {
        ENDPOINT: 'x:6443', CA_CERT_HASH: 'sha256:00', ROLE: 'worker', NODE_NAME: 'w1', KPAAS_JOIN_TOKEN: 'nope',
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('invalid bootstrap token');
    });

    it('preflight prints the facts kpaas judges', () => {
      const r = run('preflight.sh', { ROLE: 'control-plane' });
      expect(r.status).toBe(0);
      for (const k of ['os', 'arch', 'cpus', 'memory_mib', 'swap_kib', 'hostname', 'ports_busy', 'time_synced']) {
        expect(r.stdout).toMatch(new RegExp(`^${k}=`, 'm'));
      }
      expect(r.stdout).toContain('time_synced=yes');
    });
  });
});
