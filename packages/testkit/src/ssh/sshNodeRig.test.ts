import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  assertLoopbackHost,
  isLoopbackIPv4,
  NonLoopbackHostError,
} from './addresses';
import { connectToNode, execOnClient, execOnNode } from './client';
import { sha256Fingerprint, sshKeygenFingerprint } from './keys';
import {
  defaultRigBaseDir,
  SSH_NODE_STANDINS_DIR,
  SshNodeRig,
  startSshNodes,
} from './sshNodeRig';

jest.setTimeout(60_000);

const STANDINS_BIN = path.join(SSH_NODE_STANDINS_DIR, 'bin');

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(
      stat.lastIndexOf(')') + 2,
      stat.lastIndexOf(')') + 3,
    );
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise(r => setTimeout(r, 25));
  }
  return cond();
}

function pgrep(pattern: string): string[] {
  try {
    const out = execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter(Boolean)
      .filter(l => !l.includes('pgrep'));
  } catch {
    return []; // exit 1: no match
  }
}

describe('address validation', () => {
  it('accepts only 127.0.0.0/8 host addresses', () => {
    expect(isLoopbackIPv4('127.0.0.1')).toBe(true);
    expect(isLoopbackIPv4('127.10.200.7')).toBe(true);
    for (const bad of [
      '10.1.2.3',
      '0.0.0.0',
      '::1',
      'localhost',
      '127.0.0.256',
      '127.1.2.0',
      '127.01.2.3',
      '',
    ]) {
      expect(isLoopbackIPv4(bad)).toBe(false);
    }
    expect(() => assertLoopbackHost('192.168.1.1', 'n1')).toThrow(
      NonLoopbackHostError,
    );
  });
});

describe('SSH node rig (3 nodes)', () => {
  let rig: SshNodeRig;
  const marker = `kpaas-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const t0 = Date.now();
    rig = await startSshNodes({ count: 3 });
    // eslint-disable-next-line no-console
    console.log(
      `3-node rig up in ${Date.now() - t0} ms: ${rig.nodes
        .map(n => `${n.name}@${n.host}:${n.port}`)
        .join(' ')}`,
    );
  });
  afterAll(() => rig?.stop());

  it('gives every node its own loopback address, host key and known_hosts line', async () => {
    const hosts = rig.nodes.map(n => n.host);
    expect(new Set(hosts).size).toBe(3);
    for (const n of rig.nodes) {
      expect(isLoopbackIPv4(n.host)).toBe(true);
      expect(n.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      // same as `ssh-keygen -lf`
      const pub = path.join(rig.nodeDir(n.name), 'ssh_host_ed25519_key.pub');
      expect(await sshKeygenFingerprint(pub)).toBe(n.hostKeyFingerprint);
      const [pattern, type, blob] = n.hostKeyPublic.split(' ');
      expect(pattern).toBe(n.port === 22 ? n.host : `[${n.host}]:${n.port}`);
      expect(type).toBe('ssh-ed25519');
      expect(sha256Fingerprint(blob)).toBe(n.hostKeyFingerprint);
      expect(rig.knownHosts()).toContain(`${n.hostKeyPublic}\n`);
    }
    expect(new Set(rig.nodes.map(n => n.hostKeyFingerprint)).size).toBe(3);
    expect(rig.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(rig.clientPublicKey).toMatch(/^ssh-ed25519 /);
  });

  it('runs commands with a verified host key; writes stay private to the node', async () => {
    const client = await connectToNode(rig, 'node-1');
    try {
      const hn = await execOnClient(client, 'hostname; cat /etc/hostname');
      expect(hn.stdout).toBe('node-1\nnode-1\n');
      const r = await execOnClient(
        client,
        `echo hi > /etc/${marker} && cat /etc/${marker}`,
      );
      expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    } finally {
      client.end();
    }
    expect(await rig.readNodeFile('node-1', `/etc/${marker}`)).toBe('hi\n');
    expect(fs.existsSync(`/etc/${marker}`)).toBe(false);
    await expect(
      rig.readNodeFile('node-2', `/etc/${marker}`),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    const other = await execOnNode(
      rig,
      'node-2',
      `test -e /etc/${marker}; echo $?; hostname; getent hosts node-1`,
    );
    // every node resolves the other nodes by name (node-private /etc/hosts)
    const [code, hostname, hostsLine] = other.stdout.trim().split('\n');
    expect(code).toBe('1');
    expect(hostname).toBe('node-2');
    expect(hostsLine.split(/\s+/)).toEqual([rig.node('node-1').host, 'node-1']);
  });

  it('overlays /etc /var /opt /usr/local /root /run /tmp per node', async () => {
    const dirs = [
      '/etc/kubernetes',
      '/var/lib/kubelet',
      '/opt/cni/bin',
      '/usr/local/bin',
      '/root/.kube',
      '/run/kpaas',
      '/tmp/kpaas',
    ];
    const script = dirs
      .map(d => `mkdir -p ${d} && echo "$(hostname):${d}" > ${d}/${marker}`)
      .join(' && ');
    expect((await execOnNode(rig, 'node-1', script)).code).toBe(0);
    for (const d of dirs) {
      expect(await rig.readNodeFile('node-1', `${d}/${marker}`)).toBe(
        `node-1:${d}\n`,
      );
      expect(fs.existsSync(`${d}/${marker}`)).toBe(false);
      expect(rig.nodeFilePath('node-2', `${d}/${marker}`)).toBeUndefined();
    }
    // unmodified files fall back to the host's
    expect(await rig.readNodeFile('node-1', '/etc/passwd')).toBe(
      fs.readFileSync('/etc/passwd', 'utf8'),
    );
  });

  it('deleting a host file on one node hides it there only (overlay whiteout)', async () => {
    const victim = '/etc/debian_version'; // present on the Debian host
    const content = fs.readFileSync(victim, 'utf8');
    expect(
      (await execOnNode(rig, 'node-1', `rm ${victim} && test ! -e ${victim}`))
        .code,
    ).toBe(0);
    await expect(rig.readNodeFile('node-1', victim)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(rig.nodeFilePath('node-1', victim)).toBeUndefined();
    expect(fs.readFileSync(victim, 'utf8')).toBe(content);
    expect(await rig.readNodeFile('node-2', victim)).toBe(content);
  });

  it('puts the recording stand-ins first on PATH and logs their calls', async () => {
    const r = await execOnNode(
      rig,
      'node-1',
      'kubeadm version -o short && systemctl restart containerd && command -v kubeadm && echo "${PATH%%:*}" && echo "$KPAAS_NODE_NAME"',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `v1.35.1\n${STANDINS_BIN}/kubeadm\n${STANDINS_BIN}\nnode-1\n`,
    );
    // login shell (/etc/profile resets PATH) and an interactive pty shell
    const login = await execOnNode(
      rig,
      'node-1',
      `bash -lc 'command -v kubeadm; echo "\${PATH%%:*}"'`,
    );
    expect(login.stdout).toBe(`${STANDINS_BIN}/kubeadm\n${STANDINS_BIN}\n`);
    const client = await connectToNode(rig, 'node-1');
    try {
      const shellOut = await new Promise<string>((resolve, reject) => {
        client.shell({ term: 'dumb' }, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => {
            out += d.toString();
          });
          stream.on('close', () => resolve(out));
          stream.end('echo "SHELL-KUBEADM=$(command -v kubeadm)"; exit\n');
          return undefined;
        });
      });
      expect(shellOut).toContain(`SHELL-KUBEADM=${STANDINS_BIN}/kubeadm`);
    } finally {
      client.end();
    }
    // kubectl is never shadowed
    const kubectl = await execOnNode(
      rig,
      'node-1',
      'command -v kubectl || true',
    );
    expect(kubectl.stdout).not.toContain(STANDINS_BIN);

    const calls = rig.calls('node-1');
    expect(calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          cmd: 'kubeadm',
          args: ['version', '-o', 'short'],
          node: 'node-1',
          cwd: '/root',
          uid: 0,
        }),
        expect.objectContaining({
          cmd: 'systemctl',
          args: ['restart', 'containerd'],
          node: 'node-1',
        }),
      ]),
    );
    expect(Date.parse(calls[0].ts)).toBeGreaterThan(Date.now() - 60_000);
    expect(rig.calls('node-2').filter(c => c.cmd === 'kubeadm')).toEqual([]);
    // the log lives in the node's overlay, not on the host
    expect(
      rig.nodeFilePath('node-1', '/var/log/kpaas-standins/calls.jsonl'),
    ).toContain(rig.dir);
  });

  it('stopNode drops live connections and refuses new ones; startNode brings it back', async () => {
    const before = rig.node('node-2');
    const client = await connectToNode(rig, 'node-2');
    const closed = new Promise<void>(resolve =>
      client.once('close', () => resolve()),
    );
    const pids = rig.pids('node-2');
    expect(pids.length).toBeGreaterThanOrEqual(3); // launcher, sshd listener, session sshd

    await rig.stopNode('node-2');
    await closed; // the live connection is gone
    expect(rig.isRunning('node-2')).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
    await expect(connectToNode(rig, 'node-2')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await rig.stopNode('node-2'); // idempotent

    const after = await rig.startNode('node-2');
    expect(after).toEqual(before);
    const r = await execOnNode(rig, 'node-2', 'hostname');
    expect(r.stdout).toBe('node-2\n');
  });

  it('node disk state survives a restart', async () => {
    await execOnNode(rig, 'node-2', `echo persisted > /var/lib/${marker}`);
    await rig.stopNode('node-2');
    await rig.startNode('node-2');
    expect(
      (await execOnNode(rig, 'node-2', `cat /var/lib/${marker}`)).stdout,
    ).toBe('persisted\n');
  });

  it('swapHostKey changes the fingerprint; clients pinned to the old key are rejected', async () => {
    const old = rig.node('node-3');
    const swapped = await rig.swapHostKey('node-3');
    expect(swapped.hostKeyFingerprint).not.toBe(old.hostKeyFingerprint);
    expect(swapped.hostKeyPublic).not.toBe(old.hostKeyPublic);
    expect(swapped.host).toBe(old.host);
    expect(swapped.port).toBe(old.port);
    expect(rig.node('node-3')).toEqual(swapped);
    await expect(
      connectToNode(rig, 'node-3', {
        expectFingerprint: old.hostKeyFingerprint,
      }),
    ).rejects.toThrow(/verification failed/i);
    expect((await execOnNode(rig, 'node-3', 'hostname')).stdout).toBe(
      'node-3\n',
    );
    expect(rig.knownHosts()).toContain(swapped.hostKeyPublic);
    expect(rig.knownHosts()).not.toContain(old.hostKeyPublic);
  });
});

describe('startSshNodes validation', () => {
  it.each(['10.1.2.3', '0.0.0.0', '::1', 'localhost'])(
    'refuses the non-loopback host %s without starting anything',
    async host => {
      const baseDir = fs.mkdtempSync(
        path.join(os.tmpdir(), 'kpaas-ssh-refuse-'),
      );
      try {
        await expect(
          startSshNodes({
            baseDir,
            nodes: [{ name: 'ok-1' }, { name: 'bad-1', host }],
          }),
        ).rejects.toThrow(new NonLoopbackHostError(host, 'bad-1').message);
        expect(fs.readdirSync(baseDir)).toEqual([]);
      } finally {
        fs.rmSync(baseDir, { recursive: true, force: true });
      }
    },
  );

  it('with TMPDIR under an overlaid path (a checkout in /tmp or /root), rigs default to /dev/shm', () => {
    expect(defaultRigBaseDir('/tmp/ci-clone/.toolchain/tmp')).toBe('/dev/shm');
    expect(defaultRigBaseDir('/root/kpaas/.toolchain/tmp')).toBe('/dev/shm');
    expect(defaultRigBaseDir('/work/kpaas/.toolchain/tmp')).toBe(
      '/work/kpaas/.toolchain/tmp',
    );
  });

  it('a rig in /dev/shm keeps every overlay, /tmp included', async () => {
    const rig = await startSshNodes({ count: 1, baseDir: '/dev/shm' });
    try {
      expect(rig.notes).toEqual([]);
      const file = `/tmp/kpaas-shm-${process.pid}`;
      expect((await execOnNode(rig, 'node-1', `echo x > ${file}`)).code).toBe(
        0,
      );
      expect(await rig.readNodeFile('node-1', file)).toBe('x\n');
      expect(fs.existsSync(file)).toBe(false); // the node's /tmp is its own
    } finally {
      await rig.stop();
    }
  });

  it('rejects bad names and duplicate nodes', async () => {
    await expect(
      startSshNodes({ nodes: [{ name: 'Bad_Name' }] }),
    ).rejects.toThrow(/invalid node name/);
    await expect(
      startSshNodes({ nodes: [{ name: 'a' }, { name: 'a' }] }),
    ).rejects.toThrow(/duplicate/);
    await expect(startSshNodes({ count: 0 })).rejects.toThrow(
      /positive integer/,
    );
  });
});

describe('explicit addresses and non-root user', () => {
  it('uses an explicit loopback host and a non-root login user', async () => {
    // pick an address in a random block so parallel runs do not collide
    const host = `127.253.${Math.floor(Math.random() * 256)}.${
      2 + Math.floor(Math.random() * 250)
    }`;
    const rig = await startSshNodes({
      nodes: [{ name: 'solo', host }],
      user: 'kpaas',
      env: { KPAAS_EXTRA: 'x y' },
    });
    try {
      expect(rig.node('solo').host).toBe(host);
      const r = await execOnNode(
        rig,
        'solo',
        'id -un; echo "$HOME"; command -v kubeadm; echo "$KPAAS_EXTRA"; kubelet --version',
      );
      expect(r.stdout).toBe(
        `kpaas\n/home/kpaas\n${STANDINS_BIN}/kubeadm\nx y\nKubernetes v1.35.1\n`,
      );
      expect(rig.calls('solo')).toEqual([
        expect.objectContaining({ cmd: 'kubelet', uid: expect.any(Number) }),
      ]);
      expect(rig.calls('solo')[0].uid).not.toBe(0);
      // the user exists only inside the node
      expect(fs.readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^kpaas:/m);
      // root keeps key access in user mode
      await expect(
        execOnNode(rig, 'solo', 'true', { username: 'root' }),
      ).resolves.toMatchObject({ code: 0 });
    } finally {
      await rig.stop();
    }
  });

  it('falls back to a free port when port 22 is taken on the address', async () => {
    const host = `127.254.${Math.floor(Math.random() * 256)}.${
      2 + Math.floor(Math.random() * 250)
    }`;
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen({ host, port: 22 }, () => resolve());
    });
    try {
      const rig = await startSshNodes({ nodes: [{ name: 'busy', host }] });
      try {
        const n = rig.node('busy');
        expect(n.port).not.toBe(22);
        expect(
          n.hostKeyPublic.startsWith(`[${host}]:${n.port} ssh-ed25519 `),
        ).toBe(true);
        expect((await execOnNode(rig, 'busy', 'hostname')).stdout).toBe(
          'busy\n',
        );
      } finally {
        await rig.stop();
      }
    } finally {
      squatter.close();
    }
  });
});

describe('cleanup', () => {
  it('rig.stop() kills every process of the rig and removes its directory', async () => {
    const rig = await startSshNodes({ count: 2, namePrefix: 'gone' });
    const client = await connectToNode(rig, 'gone-1');
    try {
      // a long-running session on the node
      const sleeper = `sleep ${600 + Math.floor(Math.random() * 1000)}`;
      client.exec(sleeper, () => undefined);
      const isSleeper = (pid: number) => {
        try {
          return (
            fs
              .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
              .replace(/\0/g, ' ')
              .trim() === sleeper
          );
        } catch {
          return false;
        }
      };
      expect(await waitFor(() => rig.pids('gone-1').some(isSleeper))).toBe(
        true,
      );
      const pids = rig.pids();
      // 2 launchers + 2 listeners + session sshd + sleep
      expect(pids.length).toBeGreaterThanOrEqual(6);
      expect(pgrep(rig.dir).length).toBeGreaterThanOrEqual(4);

      await rig.stop();
      expect(pids.filter(alive)).toEqual([]);
      expect(pgrep(rig.dir)).toEqual([]);
      expect(fs.existsSync(rig.dir)).toBe(false);
      expect(rig.pids()).toEqual([]);
      await rig.stop(); // idempotent
      await expect(rig.startNode('gone-1')).rejects.toThrow(/stopped/);
    } finally {
      client.end();
      await rig.stop();
    }
  });

  it.each([
    ['exit', 'the process exit hook'],
    ['wait', 'PR_SET_PDEATHSIG when the test process is SIGKILLed'],
  ])('mode %s: nodes die with their process (%s)', async mode => {
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-ssh-child-'));
    try {
      const child = spawn(
        process.execPath,
        [
          '-r',
          'sucrase/register/ts',
          path.join(__dirname, 'rigChild.fixture.ts'),
          mode,
          baseDir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: __dirname },
      );
      let out = '';
      let err = '';
      child.stderr.on('data', d => {
        err += d;
      });
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', d => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.once('exit', code =>
          reject(new Error(`child exited ${code}: ${err}`)),
        );
      });
      const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
      expect(pids.length).toBeGreaterThanOrEqual(4);
      if (mode === 'wait') child.kill('SIGKILL');
      await new Promise(r =>
        child.exitCode !== null || child.signalCode !== null
          ? r(null)
          : child.once('exit', r),
      );
      expect(await waitFor(() => pids.filter(alive).length === 0, 5000)).toBe(
        true,
      );
      expect(pgrep(dir)).toEqual([]);
      // SIGKILL leaves the files (swept by the next startSshNodes in that baseDir)
      expect(fs.existsSync(dir)).toBe(mode === 'wait');
    } finally {
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });
});
