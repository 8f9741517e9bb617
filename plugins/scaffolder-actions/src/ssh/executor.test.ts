import { startSshNodes, SshNodeRig } from '@internal/kpaas-testkit';
import { generateKeyPairSync } from 'node:crypto';
import { utils } from 'ssh2';
import {
  CancelledError,
  connectAll,
  connectNode,
  HostKeyChangedError,
  KnownHosts,
  NodeUnreachableError,
  SecretMasker,
  SshAuthError,
  SshExecutorOptions,
  StepFailedError,
  StepTimeoutError,
  UnknownHostKeyError,
} from '.';

jest.setTimeout(60_000);

function capture() {
  const lines: string[] = [];
  const logger = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
  };
  return { lines, logger };
}

describe('SSH executor against the node rig', () => {
  let rig: SshNodeRig;
  beforeAll(async () => {
    rig = await startSshNodes({ count: 2, namePrefix: 'ex' });
  });
  afterAll(() => rig?.stop());

  const target = (name: string, fp = true) => {
    const n = rig.node(name);
    return {
      name,
      host: n.host,
      port: n.port,
      user: 'root',
      hostKeyFingerprint: fp ? n.hostKeyFingerprint : undefined,
    };
  };
  const opts = (extra: Partial<SshExecutorOptions> = {}) => {
    const { lines, logger } = capture();
    const o: SshExecutorOptions = {
      privateKey: rig.privateKey,
      logger,
      masker: new SecretMasker(),
      connectAttempts: 1,
      ...extra,
    };
    return { o, lines };
  };

  it('streams output line by line prefixed with the node, passes secrets via stdin only', async () => {
    const { o, lines } = opts();
    const s = await connectNode(target('ex-1'), o);
    expect(s.hostKey.status).toBe('verified');
    const canary = 'canary-secret-value-0123456789';
    const r = await s.exec(
      'echo',
      'echo one; echo two >&2; echo "len=${#SECRET}"; echo "$SECRET"; cat /proc/$$/cmdline | tr "\\0" " "; echo; ps -eo args',
      { secretEnv: { SECRET: canary } },
    );
    expect(r.exitCode).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining(['[ex-1] one', '[ex-1] two', '[ex-1] len=30']),
    );
    // the value reached the command but is masked in the log, and no process had it in argv
    expect(r.stdout).toContain(canary);
    expect(lines.join('\n')).not.toContain(canary);
    expect(lines.join('\n')).toContain('[ex-1] ***');
    expect(r.stdout.split(canary).length).toBe(2);
    s.close();
  });

  it('passes any environment value byte for byte', async () => {
    const { o } = opts();
    const s = await connectNode(target('ex-1'), o);
    const values = {
      QUOTES: `a'b"c\`d $HOME $(id) %s %b`,
      BACKSLASH: '\\c stops %b\\n \\x41 \\\\ \\0101',
      LINES: 'line 1\nline 2\r\n\ttab',
      UTF8: 'héllo wörld – ✓',
      EMPTY: '',
    };
    const r = await s.exec(
      'env',
      'for v in QUOTES BACKSLASH LINES UTF8 EMPTY; do printf "%s" "${!v}" | base64 -w0; echo; done; echo "${EMPTY+set}"',
      { env: values, quiet: true },
    );
    const lines = r.stdout.split('\n');
    expect(
      lines.slice(0, 5).map(l => Buffer.from(l, 'base64').toString('utf8')),
    ).toEqual(Object.values(values));
    expect(lines[5]).toBe('set');
    s.close();
  });

  it('leaves no process of a step behind, background leftovers included', async () => {
    const { o } = opts();
    const s = await connectNode(target('ex-2'), o);
    const start = Date.now();
    // the leftover inherits the step's stdout and process group
    await s.exec('leftover', 'sleep 45 & echo started', { timeoutMs: 20_000 });
    expect(Date.now() - start).toBeLessThan(10_000);
    await s.exec('quick', 'true');
    // a fresh connection: the processes of the earlier steps are gone once their channels closed
    s.close();
    const s2 = await connectNode(target('ex-2'), o);
    // within a second: no watcher waiting out a grace period, no leftover
    let others = '';
    for (let i = 0; i < 10; i++) {
      const r = await s2.exec(
        'ps',
        'ps -e -o pid=,comm= | grep -v -w -e sshd -e bash -e ps -e grep || true',
        { quiet: true },
      );
      others = r.stdout.trim();
      if (!others) break;
      await new Promise(res => setTimeout(res, 100));
    }
    expect(others).toBe('');
    s2.close();
  });

  it('reports a non-zero exit with node, step, exit code and the last 20 lines', async () => {
    const { o } = opts();
    const s = await connectNode(target('ex-1'), o);
    const err = await s
      .exec('count', 'for i in $(seq 1 30); do echo line-$i; done; exit 7')
      .catch(e => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect(err).toMatchObject({ node: 'ex-1', step: 'count', exitCode: 7 });
    expect(err.lastLines).toHaveLength(20);
    expect(err.lastLines[19]).toBe('line-30');
    expect(err.message).toContain('ex-1: step "count" failed with exit code 7');
    s.close();
  });

  it('kills the remote command on timeout', async () => {
    const { o } = opts();
    const s = await connectNode(target('ex-1'), o);
    const err = await s
      .exec('sleepy', 'echo $$ > /tmp/sleepy.pid; exec sleep 30', {
        timeoutMs: 800,
      })
      .catch(e => e);
    expect(err).toBeInstanceOf(StepTimeoutError);
    const check = await s.exec(
      'check',
      'for i in $(seq 1 50); do kill -0 "$(cat /tmp/sleepy.pid)" 2>/dev/null || { echo gone; exit 0; }; sleep 0.1; done; echo alive',
    );
    expect(check.stdout.trim()).toBe('gone');
    s.close();
  });

  it('cancels through the AbortSignal and kills the remote command', async () => {
    const ac = new AbortController();
    const { o } = opts({ signal: ac.signal });
    const s = await connectNode(target('ex-2'), o);
    const running = s.exec('long', 'echo $$ > /tmp/long.pid; exec sleep 30');
    setTimeout(() => ac.abort(), 500);
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    s.close();
    const { o: o2 } = opts();
    const s2 = await connectNode(target('ex-2'), o2);
    const check = await s2.exec(
      'check',
      'for i in $(seq 1 50); do kill -0 "$(cat /tmp/long.pid)" 2>/dev/null || { echo gone; exit 0; }; sleep 0.1; done; echo alive',
    );
    expect(check.stdout.trim()).toBe('gone');
    s2.close();
  });

  it('uploads and reads files over SFTP', async () => {
    const { o } = opts();
    const s = await connectNode(target('ex-1'), o);
    const dir = await s.uploadFiles('.kpaas/test', [
      { name: 'a.sh', content: 'echo hi\n', mode: 0o755 },
    ]);
    expect(dir).toBe('/root/.kpaas/test');
    expect(await rig.readNodeFile('ex-1', '/root/.kpaas/test/a.sh')).toBe(
      'echo hi\n',
    );
    expect((await s.readFile('/root/.kpaas/test/a.sh')).toString()).toBe(
      'echo hi\n',
    );
    s.close();
  });

  it('refuses an unknown host key unless trustOnFirstUse, and returns it then', async () => {
    const { o } = opts();
    await expect(connectNode(target('ex-1', false), o)).rejects.toBeInstanceOf(
      UnknownHostKeyError,
    );
    const { o: tofu, lines } = opts({ trustOnFirstUse: true });
    const s = await connectNode(target('ex-1', false), tofu);
    expect(s.hostKey).toEqual({
      name: 'ex-1',
      fingerprint: rig.node('ex-1').hostKeyFingerprint,
      status: 'trusted-on-first-use',
    });
    expect(lines.join('\n')).toContain(rig.node('ex-1').hostKeyFingerprint);
    s.close();
  });

  it('verifies against knownHosts lines', async () => {
    const { o } = opts({ knownHosts: new KnownHosts(rig.knownHosts()) });
    const s = await connectNode(target('ex-2', false), o);
    expect(s.hostKey.status).toBe('verified');
    s.close();
  });

  it('refuses a wrong key naming the node, and an unreachable node after retries', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = otherKey.privateKey
      .export({ type: 'pkcs1', format: 'pem' })
      .toString();
    expect(utils.parseKey(pem)).not.toBeInstanceOf(Error);
    const { o } = opts({ privateKey: pem });
    const err = await connectNode(target('ex-1'), o).catch(e => e);
    expect(err).toBeInstanceOf(SshAuthError);
    expect(err.message).toMatch(/^ex-1: SSH authentication as "root" failed/);

    const { o: o2, lines } = opts({
      connectAttempts: 2,
      retryBaseDelayMs: 50,
      connectTimeoutMs: 2000,
    });
    const dead = { ...target('ex-1'), name: 'ghost', port: 1 };
    const err2 = await connectNode(dead, o2).catch(e => e);
    expect(err2).toBeInstanceOf(NodeUnreachableError);
    expect(err2.message).toMatch(/^ghost: cannot connect .* after 2 attempt/);
    expect(lines.join('\n')).toContain('[ghost] connect attempt 1/2 failed');
  });

  it('aborts on a changed host key even with trustOnFirstUse', async () => {
    const before = target('ex-2');
    await rig.swapHostKey('ex-2');
    const { o } = opts({ trustOnFirstUse: true });
    const err = await connectNode(before, o).catch(e => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    expect(err.message).toContain('ex-2: SSH host key CHANGED');
    // connectAll reports it too and closes the others
    const all = await connectAll([target('ex-1'), before], o, 2).catch(e => e);
    expect(all).toBeInstanceOf(HostKeyChangedError);
  });
});
