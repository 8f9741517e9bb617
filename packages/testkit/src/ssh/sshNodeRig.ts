/*
 * SSH node rig: every "node" of a simulated cluster is a real OpenSSH sshd.
 *
 * Per node:
 *   - its own loopback address 127.a.b.n (one claimed /24 block per rig), port 22
 *     if free on that address, else a free port;
 *   - its own ed25519 host key; one ed25519 client key per rig (authorized_keys);
 *   - its own mount, UTS and PID namespaces:
 *       setpriv --pdeathsig KILL -- unshare -m --propagation private -u -p -f
 *         --mount-proc --kill-child=SIGKILL -- /bin/sh node-init.sh ...
 *     node-init.sh overlays /etc /var /opt /usr/local /root /home /run /tmp with
 *     upper/work dirs in <rigDir>/<node>/{upper,work}, sets the hostname and
 *     execs `sshd -D -e -f <rigDir>/<node>/sshd_config` as pid 1 of the node;
 *   - stand-in binaries (packages/testkit/standins/bin) first on PATH.
 *
 * Root only (mount/unshare). Tests/benchmarks only, never production code.
 *
 * Jest pattern:
 *   let rig: SshNodeRig;
 *   beforeAll(async () => { rig = await startSshNodes({ count: 3 }); });
 *   afterAll(() => rig?.stop());
 * A process 'exit' hook SIGKILLs whatever is still running, and every node
 * launcher carries PR_SET_PDEATHSIG=SIGKILL, so nodes die with the test
 * process even when it is SIGKILLed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  assertLoopbackHost,
  canBind,
  claimLoopbackBlock,
  freePort,
  isPidAlive,
  LoopbackBlock,
  pickPort,
} from './addresses';
import {
  generateEd25519,
  knownHostsPattern,
  parsePublicKeyLine,
  sha256Fingerprint,
} from './keys';

const SSHD = '/usr/sbin/sshd';
const UNSHARE = '/usr/bin/unshare';
const SETPRIV = '/usr/bin/setpriv';
const SYSTEM_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host directories that get a per-node overlay (skipped if missing on the host). */
export const SSH_NODE_OVERLAY_PATHS: readonly string[] = [
  '/etc',
  '/var',
  '/opt',
  '/usr/local',
  '/root',
  '/home',
  '/run',
  '/tmp',
];
/** Overlays that must be possible; the others are skipped with a note when impossible. */
const REQUIRED_OVERLAYS = new Set([
  '/etc',
  '/var',
  '/opt',
  '/usr/local',
  '/root',
  '/run',
]);

/** Where stand-ins append their calls on a node (private via the /var overlay). */
export const SSH_NODE_STANDIN_CALL_LOG = '/var/log/kpaas-standins/calls.jsonl';

/**
 * Default stand-in directory: packages/testkit/standins (bin/ = the recording
 * stand-ins put first on every node's PATH, lib/record.sh = shared helper).
 * The testkit runs from source, so __dirname is src/ssh.
 */
// eslint-disable-next-line no-restricted-syntax
const HERE = __dirname;
export const SSH_NODE_STANDINS_DIR = path.resolve(HERE, '..', '..', 'standins');

/** Restores lost executable bits on the stand-ins (archives, some checkouts). */
function ensureExecutable(binDir: string): void {
  try {
    for (const f of fs.readdirSync(binDir)) {
      const p = path.join(binDir, f);
      const st = fs.statSync(p);
      if (st.isFile() && (st.mode & 0o111) !== 0o111)
        fs.chmodSync(p, st.mode | 0o755);
    }
  } catch {
    /* reported when a stand-in is run */
  }
}

export interface SshNodeSpec {
  /** Node name: also its hostname (RFC 1123 label). */
  name: string;
  /** 127.x.y.z loopback address; allocated automatically when omitted. */
  host?: string;
  /** Port; default 22 if free on the host address, else a free port. */
  port?: number;
}

export interface StartSshNodesOptions {
  /** Explicit nodes. Either this or `count`. */
  nodes?: SshNodeSpec[];
  /** Number of nodes named `${namePrefix}-1` ... */
  count?: number;
  /** Default 'node'. */
  namePrefix?: string;
  /** Parent directory of the rig's temp dir (default os.tmpdir()). Must not be under an overlaid path. */
  baseDir?: string;
  /** SSH login user: 'root' (default) or a non-root user created inside each node's /etc/passwd. */
  user?: string;
  /** Stand-ins directory (containing bin/); default packages/testkit/standins. `false` disables stand-ins. */
  standinsDir?: string | false;
  /** Extra environment for every SSH session on every node. */
  env?: Record<string, string>;
  /** Per-node readiness timeout (default 20 s). */
  startTimeoutMs?: number;
  /** Keep the rig directory on stop() (for debugging). Default false. */
  keepDir?: boolean;
  /** Override the overlaid host directories (default SSH_NODE_OVERLAY_PATHS). */
  overlayPaths?: string[];
}

export interface SshNodeInfo {
  name: string;
  host: string;
  port: number;
  /** 'SHA256:…' exactly as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** known_hosts line: `host ssh-ed25519 AAAA…` or `[host]:port ssh-ed25519 AAAA…`. */
  hostKeyPublic: string;
}

/** One line of a node's stand-in call log. */
export interface SshNodeStandinCall {
  ts: string;
  cmd: string;
  args: string[];
  cwd: string;
  node: string;
  uid: number;
  pid: number;
}

export interface SshNodeRig {
  /** The rig's own directory (<baseDir>/kpaas-ssh-rig-XXXX). */
  readonly dir: string;
  /** SSH login user of every node. */
  readonly user: string;
  /** Snapshot of all nodes (fresh objects on every access). */
  readonly nodes: SshNodeInfo[];
  /** Client private key (OpenSSH PEM), authorized on every node. */
  readonly privateKey: string;
  /** Client public key line (authorized_keys format). */
  readonly clientPublicKey: string;
  /** Stand-in dir used by the nodes (undefined if disabled). */
  readonly standinsDir: string | undefined;
  /** Setup remarks (e.g. overlays skipped because baseDir lies under them). */
  readonly notes: string[];
  node(name: string): SshNodeInfo;
  isRunning(name: string): boolean;
  /** SIGKILLs the node (sshd and every session): live connections drop, new ones are refused. */
  stopNode(name: string): Promise<void>;
  /** (Re)starts a stopped node with the same address, port, host key and disk state. */
  startNode(name: string): Promise<SshNodeInfo>;
  /** New host key; restarts the node if it was running. Returns the new info. */
  swapHostKey(name: string): Promise<SshNodeInfo>;
  /** Reads a file as the node sees it (overlay upper dir, else the host path). */
  readNodeFile(name: string, absPath: string): Promise<string>;
  /** Host path backing `absPath` on the node, or undefined if it does not exist there. */
  nodeFilePath(name: string, absPath: string): string | undefined;
  /** The node's directory (sshd_config, keys, sshd.log, upper/, work/). */
  nodeDir(name: string): string;
  /** Parsed stand-in call log of the node ([] if nothing was called). */
  calls(name: string): SshNodeStandinCall[];
  /** known_hosts text for all nodes. */
  knownHosts(): string;
  /** Host pids of the node's processes (launcher + everything in its pid namespace). */
  pids(name?: string): number[];
  /** Stops every node, removes the rig dir, releases the address block. Idempotent. */
  stop(): Promise<void>;
}

const RIG_DIR_PREFIX = 'kpaas-ssh-rig-';
const OWNER_FILE = 'owner.pid';

/**
 * The temp dir, unless it lies under a path every node overlays (a checkout under /tmp or /root
 * whose TMPDIR is inside it): then /dev/shm, which no node overlays.
 */
export function defaultRigBaseDir(
  tmpdir: string,
  overlayPaths: readonly string[] = SSH_NODE_OVERLAY_PATHS,
): string {
  const tmp = path.resolve(tmpdir);
  const overlaid = overlayPaths.some(p => isUnder(tmp, path.resolve(p)));
  return overlaid && fs.existsSync('/dev/shm') ? '/dev/shm' : tmp;
}

/**
 * Removes rig directories in `baseDir` whose owning process is dead (a
 * SIGKILLed test process cannot clean up; its nodes died through
 * PR_SET_PDEATHSIG, only the files remain).
 */
async function sweepStaleRigDirs(baseDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(baseDir);
  } catch {
    return;
  }
  await Promise.all(
    entries
      .filter(e => e.startsWith(RIG_DIR_PREFIX))
      .map(async e => {
        const dir = path.join(baseDir, e);
        try {
          const owner = parseInt(
            await fsp.readFile(path.join(dir, OWNER_FILE), 'utf8'),
            10,
          );
          if (owner === process.pid || isPidAlive(owner)) return;
          await fsp.rm(dir, { recursive: true, force: true });
        } catch {
          /* no owner file yet (being created) or already gone */
        }
      }),
  );
}

/** Root's dotfiles, replaced on every node by a fresh server's (see writeNodeFiles). */
const ROOT_DOTFILES = ['.bashrc', '.bash_profile', '.bash_login', '.profile'];

/** POSIX sh snippet: move `bin` to the front of PATH (adding it if missing). */
function pathFrontSnippet(bin: string): string {
  const lines = [
    '# kpaas SSH rig: stand-in binaries first on PATH',
    '_kpaas_p=":$PATH:"',
    'while case $_kpaas_p in *":@BIN@:"*) true ;; *) false ;; esac; do',
    '  _kpaas_p="${_kpaas_p%%":@BIN@:"*}:${_kpaas_p#*":@BIN@:"}"',
    'done',
    '_kpaas_p=${_kpaas_p#:}',
    '_kpaas_p=${_kpaas_p%:}',
    'PATH="@BIN@${_kpaas_p:+:$_kpaas_p}"',
    'export PATH',
    'unset _kpaas_p',
    '',
  ];
  return lines.join('\n').split('@BIN@').join(bin);
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const USER_RE = /^[a-z_][a-z0-9_-]{0,30}$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const NODE_INIT_SH = `#!/bin/sh
# kpaas SSH rig: pid 1 of one node (private mount, UTS and pid namespaces).
# usage: node-init.sh <nodeDir> <nodeName> <overlayPath>...
set -u
node_dir=$1
node_name=$2
shift 2
for t in "$@"; do
  if ! mount -t overlay "kpaas-$node_name" -o "lowerdir=$t,upperdir=$node_dir/upper$t,workdir=$node_dir/work$t" "$t"; then
    echo "kpaas-node-init: overlay mount of $t failed" >&2
    exit 97
  fi
done
if [ -s /etc/hostname ]; then hostname -F /etc/hostname; else hostname "$node_name"; fi || exit 98
mkdir -p /run/sshd && chmod 0755 /run/sshd || exit 99
echo "kpaas-node-init: $node_name: overlays [$*] mounted, hostname $(hostname), exec sshd" >&2
exec ${SSHD} -D -e -f "$node_dir/sshd_config"
`;

// ---------------------------------------------------------------------------
// process-wide safety net

const liveRigs = new Set<RigImpl>();
let exitHookInstalled = false;
function onProcessExit() {
  for (const rig of liveRigs) rig.killAllSync();
}
function trackRig(rig: RigImpl) {
  liveRigs.add(rig);
  if (!exitHookInstalled) {
    process.on('exit', onProcessExit);
    exitHookInstalled = true;
  }
}
function untrackRig(rig: RigImpl) {
  liveRigs.delete(rig);
  if (liveRigs.size === 0 && exitHookInstalled) {
    process.removeListener('exit', onProcessExit);
    exitHookInstalled = false;
  }
}

// ---------------------------------------------------------------------------

function sleep(ms: number) {
  return new Promise(r => setTimeout(r, ms));
}

function isUnder(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Waits for the SSH identification banner on host:port. */
async function probeBanner(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise(resolve => {
    let buf = '';
    let done = false;
    const sock = net.connect({ host, port });
    let timer: NodeJS.Timeout | undefined = undefined;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      const line = buf.split('\n').find(l => l.startsWith('SSH-'));
      if (line) finish(line.trim());
    });
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
  });
}

function readTail(file: string, bytes = 4000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  } catch {
    return '';
  }
}

function readLinkOr(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** Host pids of live (non-zombie) processes whose pid namespace is one of `nsIds`. */
function pidsInNamespaces(nsIds: Set<string>): number[] {
  if (nsIds.size === 0) return [];
  const out: number[] = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const ns = readLinkOr(`/proc/${ent}/ns/pid`);
    if (!ns || !nsIds.has(ns)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const state = stat.slice(
        stat.lastIndexOf(')') + 2,
        stat.lastIndexOf(')') + 3,
      );
      if (state === 'Z' || state === 'X') continue;
    } catch {
      continue;
    }
    out.push(Number(ent));
  }
  return out;
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
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

interface NodeState {
  name: string;
  host: string;
  port: number;
  portFixed: boolean;
  dir: string;
  keyFile: string;
  fingerprint: string;
  publicKey: string; // "ssh-ed25519 AAAA..."
  proc?: ChildProcess;
  exited?: Promise<void>;
  sshdPid?: number;
  pidNs?: string;
  starting?: Promise<SshNodeInfo>;
}

class RigImpl implements SshNodeRig {
  readonly dir: string;
  readonly user: string;
  privateKey = '';
  clientPublicKey = '';
  readonly standinsDir: string | undefined;
  private readonly states = new Map<string, NodeState>();
  private readonly overlays: string[];
  private readonly env: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly keepDir: boolean;
  private block?: LoopbackBlock;
  private stopped = false;
  private stopping?: Promise<void>;
  readonly notes: string[] = [];

  constructor(
    dir: string,
    opts: {
      user: string;
      standinsDir: string | undefined;
      overlays: string[];
      env: Record<string, string>;
      timeoutMs: number;
      keepDir: boolean;
      block?: LoopbackBlock;
    },
  ) {
    this.dir = dir;
    this.user = opts.user;
    this.standinsDir = opts.standinsDir;
    this.overlays = opts.overlays;
    this.env = opts.env;
    this.timeoutMs = opts.timeoutMs;
    this.keepDir = opts.keepDir;
    this.block = opts.block;
  }

  get nodes(): SshNodeInfo[] {
    return [...this.states.values()].map(s => this.info(s));
  }

  node(name: string): SshNodeInfo {
    return this.info(this.state(name));
  }

  nodeDir(name: string): string {
    return this.state(name).dir;
  }

  isRunning(name: string): boolean {
    const s = this.state(name);
    return !!s.proc && s.proc.exitCode === null && s.proc.signalCode === null;
  }

  private state(name: string): NodeState {
    const s = this.states.get(name);
    if (!s) throw new Error(`SSH node rig: no node named '${name}'`);
    return s;
  }

  private info(s: NodeState): SshNodeInfo {
    return {
      name: s.name,
      host: s.host,
      port: s.port,
      hostKeyFingerprint: s.fingerprint,
      hostKeyPublic: `${knownHostsPattern(s.host, s.port)} ${s.publicKey}`,
    };
  }

  knownHosts(): string {
    return this.nodes.map(n => `${n.hostKeyPublic}\n`).join('');
  }

  // --- setup ---------------------------------------------------------------

  async init(
    specs: { name: string; host: string; port?: number }[],
  ): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.writeFile(path.join(this.dir, OWNER_FILE), `${process.pid}\n`);
    await fsp.writeFile(path.join(this.dir, 'node-init.sh'), NODE_INIT_SH, {
      mode: 0o755,
    });
    const clientKey = path.join(this.dir, 'client_ed25519');
    await generateEd25519(clientKey, `kpaas-ssh-rig@${os.hostname()}`);
    this.privateKey = await fsp.readFile(clientKey, 'utf8');
    this.clientPublicKey = (
      await fsp.readFile(`${clientKey}.pub`, 'utf8')
    ).trim();

    for (const spec of specs) {
      this.states.set(spec.name, {
        name: spec.name,
        host: spec.host,
        port: spec.port ?? 0,
        portFixed: spec.port !== undefined,
        dir: path.join(this.dir, spec.name),
        keyFile: path.join(this.dir, spec.name, 'ssh_host_ed25519_key'),
        fingerprint: '',
        publicKey: '',
      });
    }
    const hostsExtra = specs.map(s => `${s.host}\t${s.name}\n`).join('');
    await Promise.all(
      [...this.states.values()].map(s => this.prepareNode(s, hostsExtra)),
    );
  }

  /** Copies mode/owner of host dirs along `absPath` into the node's upper dir. */
  private async mkdirUpper(
    s: NodeState,
    absDir: string,
    fallbackMode = 0o755,
  ): Promise<string> {
    const parts = absDir.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      const up = path.join(s.dir, 'upper', cur);
      let st: fs.Stats | undefined;
      try {
        st = await fsp.stat(cur);
      } catch {
        st = undefined;
      }
      try {
        await fsp.mkdir(up);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      if (st?.isDirectory()) {
        await fsp.chmod(up, st.mode & 0o7777);
        await fsp.chown(up, st.uid, st.gid);
      } else {
        await fsp.chmod(up, fallbackMode);
      }
    }
    return path.join(s.dir, 'upper', absDir);
  }

  /** Writes a file into the node's upper dir, keeping the host file's mode/owner if any. */
  private async writeUpper(
    s: NodeState,
    absFile: string,
    content: string,
    mode = 0o644,
  ) {
    await this.mkdirUpper(s, path.dirname(absFile));
    const up = path.join(s.dir, 'upper', absFile);
    await fsp.writeFile(up, content);
    try {
      const st = await fsp.stat(absFile);
      await fsp.chmod(up, st.mode & 0o7777);
      await fsp.chown(up, st.uid, st.gid);
    } catch {
      await fsp.chmod(up, mode);
    }
  }

  private async prepareNode(s: NodeState, hostsExtra: string): Promise<void> {
    await fsp.mkdir(s.dir, { recursive: true });
    await fsp.mkdir(path.join(s.dir, 'upper'), { mode: 0o755 });
    await fsp.mkdir(path.join(s.dir, 'work'), { mode: 0o700 });
    for (const t of this.overlays) {
      // the overlay's root dir takes its attributes from the upper dir
      await this.mkdirUpper(s, t);
      await fsp.mkdir(path.join(s.dir, 'work', t), { recursive: true });
    }
    const keygen = generateEd25519(s.keyFile, `kpaas-node-${s.name}`).then(() =>
      this.loadHostKey(s),
    );
    await fsp.writeFile(
      path.join(s.dir, 'authorized_keys'),
      `${this.clientPublicKey}\n`,
      { mode: 0o600 },
    );

    // node-private files (through the overlays)
    await this.writeUpper(s, '/etc/hostname', `${s.name}\n`);
    await this.writeUpper(s, '/etc/kpaas-rig-node', `${s.name}\n`);
    let hosts = '';
    try {
      hosts = await fsp.readFile('/etc/hosts', 'utf8');
    } catch {
      hosts = '127.0.0.1\tlocalhost\n';
    }
    if (hosts && !hosts.endsWith('\n')) hosts += '\n';
    await this.writeUpper(
      s,
      '/etc/hosts',
      `${hosts}# kpaas SSH rig nodes\n${hostsExtra}`,
    );
    if (this.standinsDir) {
      const snippet = pathFrontSnippet(path.join(this.standinsDir, 'bin'));
      // login shells: /etc/profile resets PATH, then sources profile.d
      await this.writeUpper(
        s,
        '/etc/profile.d/kpaas-standins.sh',
        `${snippet}export KPAAS_NODE_NAME='${s.name}'\n`,
      );
      if (this.user === 'root') {
        // A node's root starts with a fresh server's dotfiles, not the host's (whose pyenv/cargo
        // setup would cost every remote command a slow shell start and put their dirs first).
        const nodeDotfiles: Record<string, string> = {
          '.bashrc': '# ~/.bashrc of a kpaas rig node\n',
          '.profile':
            '# ~/.profile of a kpaas rig node\nif [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n',
          '.bash_profile': '. "$HOME/.profile"\n',
          '.bash_login': '. "$HOME/.profile"\n',
        };
        for (const f of ROOT_DOTFILES) {
          await this.writeUpper(
            s,
            path.join('/root', f),
            f === '.bashrc' ? `${nodeDotfiles[f]}${snippet}` : nodeDotfiles[f],
          );
        }
      }
    }
    const logDir = await this.mkdirUpper(
      s,
      path.dirname(SSH_NODE_STANDIN_CALL_LOG),
    );
    await fsp.chmod(logDir, 0o1777);
    if (this.user !== 'root') await this.addUser(s);
    await keygen;
  }

  private async addUser(s: NodeState): Promise<void> {
    const passwd = await fsp.readFile('/etc/passwd', 'utf8');
    const group = await fsp.readFile('/etc/group', 'utf8');
    let shadow = '';
    try {
      shadow = await fsp.readFile('/etc/shadow', 'utf8');
    } catch {
      /* no shadow */
    }
    const nl = (t: string) => (t && !t.endsWith('\n') ? `${t}\n` : t);
    const existing = passwd
      .split('\n')
      .find(l => l.split(':')[0] === this.user);
    if (existing) {
      throw new Error(
        `startSshNodes: user '${this.user}' exists on the host; pick a name that does not (it is created inside each node)`,
      );
    }
    const usedUids = new Set(
      passwd.split('\n').map(l => Number(l.split(':')[2])),
    );
    const usedGids = new Set(
      group.split('\n').map(l => Number(l.split(':')[2])),
    );
    let id = 1000;
    while (usedUids.has(id) || usedGids.has(id)) id++;
    const home = `/home/${this.user}`;
    await this.writeUpper(
      s,
      '/etc/passwd',
      `${nl(passwd)}${
        this.user
      }:x:${id}:${id}:kpaas rig user:${home}:/bin/bash\n`,
    );
    await this.writeUpper(
      s,
      '/etc/group',
      `${nl(group)}${this.user}:x:${id}:\n`,
    );
    if (shadow) {
      // '*' = no password but not locked ('!' would make sshd refuse even key logins)
      await this.writeUpper(
        s,
        '/etc/shadow',
        `${nl(shadow)}${this.user}:*:19000:0:99999:7:::\n`,
      );
    }
    const homeUp = await this.mkdirUpper(s, home);
    await fsp.chmod(homeUp, 0o755);
    await fsp.chown(homeUp, id, id);
    // sshd reads authorized keys as the user: keep them in the user's (node-private) home
    const sshDir = path.join(homeUp, '.ssh');
    await fsp.mkdir(sshDir, { mode: 0o700 });
    await fsp.chown(sshDir, id, id);
    await fsp.writeFile(
      path.join(sshDir, 'authorized_keys'),
      `${this.clientPublicKey}\n`,
      { mode: 0o600 },
    );
    await fsp.chown(path.join(sshDir, 'authorized_keys'), id, id);
  }

  private async loadHostKey(s: NodeState): Promise<void> {
    const pub = (await fsp.readFile(`${s.keyFile}.pub`, 'utf8')).trim();
    const { type, blob } = parsePublicKeyLine(pub);
    s.publicKey = `${type} ${blob}`;
    s.fingerprint = sha256Fingerprint(blob);
  }

  private sshdConfig(s: NodeState): string {
    const quote = (v: string) => `"${v}"`;
    const env: Record<string, string> = {
      PATH: this.standinsDir
        ? `${path.join(this.standinsDir, 'bin')}:${SYSTEM_PATH}`
        : SYSTEM_PATH,
      KPAAS_NODE_NAME: s.name,
      ...(this.standinsDir ? { KPAAS_STANDINS_DIR: this.standinsDir } : {}),
      ...this.env,
    };
    return [
      `# kpaas SSH rig node ${s.name}`,
      `ListenAddress ${s.host}:${s.port}`,
      `HostKey ${s.keyFile}`,
      `PidFile ${path.join(s.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(s.dir, 'authorized_keys')}`,
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'AllowTcpForwarding yes',
      'MaxStartups 1000:30:2000',
      'MaxSessions 200',
      'LoginGraceTime 60',
      'LogLevel INFO',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      `SetEnv ${Object.entries(env)
        .map(([k, v]) => quote(`${k}=${v}`))
        .join(' ')}`,
      ...(this.user === 'root'
        ? []
        : [
            `Match User ${this.user}`,
            '  AuthorizedKeysFile .ssh/authorized_keys',
          ]),
      '',
    ].join('\n');
  }

  // --- process control -------------------------------------------------------

  startNode(name: string): Promise<SshNodeInfo> {
    const s = this.state(name);
    if (this.stopped)
      return Promise.reject(new Error('SSH node rig: already stopped'));
    if (s.starting) return s.starting;
    if (this.isRunning(name)) return Promise.resolve(this.info(s));
    s.starting = this.doStart(s).finally(() => {
      s.starting = undefined;
    });
    return s.starting;
  }

  private async doStart(s: NodeState): Promise<SshNodeInfo> {
    if (!s.port) s.port = await pickPort(s.host);
    const log = path.join(s.dir, 'sshd.log');
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) throw new Error('SSH node rig: stopped while starting');
      if (!(await canBind(s.host, s.port))) {
        // a just-stopped sshd may still be going away
        const until = Date.now() + 2000;
        while (Date.now() < until && !(await canBind(s.host, s.port)))
          await sleep(20);
        if (!(await canBind(s.host, s.port))) {
          if (s.portFixed) {
            throw new Error(
              `SSH node rig: ${s.host}:${s.port} (node ${s.name}) is in use`,
            );
          }
          s.port = await freePort(s.host);
        }
      }
      await fsp.writeFile(path.join(s.dir, 'sshd_config'), this.sshdConfig(s));
      const logStart = fs.existsSync(log) ? fs.statSync(log).size : 0;
      const fd = fs.openSync(log, 'a');
      let proc: ChildProcess;
      try {
        proc = spawn(
          SETPRIV,
          [
            '--pdeathsig',
            'KILL',
            '--',
            UNSHARE,
            '--mount',
            '--propagation',
            'private',
            '--uts',
            '--pid',
            '--fork',
            '--mount-proc',
            '--kill-child=SIGKILL',
            '--',
            '/bin/sh',
            path.join(this.dir, 'node-init.sh'),
            s.dir,
            s.name,
            ...this.overlays,
          ],
          {
            stdio: ['ignore', fd, fd],
            env: { PATH: SYSTEM_PATH, LANG: 'C' },
          },
        );
      } finally {
        fs.closeSync(fd);
      }
      proc.unref();
      s.proc = proc;
      s.sshdPid = undefined;
      s.pidNs = undefined;
      s.exited = new Promise<void>(resolve => {
        if (proc.exitCode !== null || proc.signalCode !== null) resolve();
        proc.once('exit', () => resolve());
        proc.once('error', () => resolve());
      });
      try {
        await this.waitReady(s, proc);
        return this.info(s);
      } catch (e) {
        await this.kill(s);
        const tail = readTail(log).slice(-2000);
        const bindProblem =
          /Cannot bind any address|Address already in use/.test(
            fs.existsSync(log)
              ? fs.readFileSync(log, 'utf8').slice(logStart)
              : '',
          );
        if (bindProblem && !s.portFixed && attempt < 3) {
          s.port = await freePort(s.host);
          continue;
        }
        throw new Error(
          `${(e as Error).message}\n--- ${log} (tail) ---\n${tail}`,
        );
      }
    }
  }

  private async waitReady(s: NodeState, proc: ChildProcess) {
    const deadline = Date.now() + this.timeoutMs;
    let spawnError: Error | undefined;
    proc.once('error', e => {
      spawnError = e;
    });
    let delay = 5;
    for (;;) {
      if (spawnError)
        throw new Error(
          `SSH node rig: cannot launch node ${s.name}: ${spawnError.message}`,
        );
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `SSH node rig: node ${s.name} exited during startup (code ${proc.exitCode}, signal ${proc.signalCode})`,
        );
      }
      const banner = await probeBanner(
        s.host,
        s.port,
        Math.max(100, Math.min(3000, deadline - Date.now())),
      );
      if (banner) break;
      if (Date.now() > deadline) {
        throw new Error(
          `SSH node rig: node ${s.name} (${s.host}:${s.port}) not ready after ${this.timeoutMs} ms`,
        );
      }
      await sleep(delay);
      delay = Math.min(50, delay * 2);
    }
    // record the node's pid namespace (sshd is pid 1 in it, child of unshare)
    const children = fs
      .readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    s.sshdPid = children[0];
    s.pidNs = s.sshdPid ? readLinkOr(`/proc/${s.sshdPid}/ns/pid`) : undefined;
  }

  stopNode(name: string): Promise<void> {
    return this.kill(this.state(name));
  }

  private async kill(s: NodeState): Promise<void> {
    if (s.starting && !s.proc) await s.starting.catch(() => undefined);
    const proc = s.proc;
    if (!proc) return;
    // SIGKILL the node's pid 1 (sshd): the kernel kills every process of the
    // node's pid namespace and unshare reaps it. SIGKILL unshare as well
    // (its --kill-child would do the same).
    if (s.sshdPid && pidAlive(s.sshdPid)) {
      try {
        process.kill(s.sshdPid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const exited = s.exited;
    const timer = setTimeout(() => {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }, 1000);
    if (!s.sshdPid) {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    await exited;
    clearTimeout(timer);
    if (s.pidNs) {
      const ns = new Set([s.pidNs]);
      const until = Date.now() + 5000;
      while (pidsInNamespaces(ns).length > 0 && Date.now() < until)
        await sleep(10);
    }
    s.proc = undefined;
    s.sshdPid = undefined;
  }

  async swapHostKey(name: string): Promise<SshNodeInfo> {
    const s = this.state(name);
    const wasRunning = this.isRunning(name) || !!s.starting;
    await this.kill(s);
    const old = s.fingerprint;
    do {
      await generateEd25519(s.keyFile, `kpaas-node-${s.name}`);
      await this.loadHostKey(s);
    } while (s.fingerprint === old);
    if (wasRunning) return this.startNode(name);
    return this.info(s);
  }

  pids(name?: string): number[] {
    const states = name ? [this.state(name)] : [...this.states.values()];
    const ns = new Set(
      states.map(s => s.pidNs).filter((x): x is string => !!x),
    );
    const out = new Set(pidsInNamespaces(ns));
    for (const s of states) {
      if (s.proc?.pid && pidAlive(s.proc.pid)) out.add(s.proc.pid);
      if (s.sshdPid && pidAlive(s.sshdPid)) out.add(s.sshdPid);
    }
    return [...out].sort((a, b) => a - b);
  }

  // --- node files ------------------------------------------------------------

  nodeFilePath(name: string, absPath: string): string | undefined {
    const s = this.state(name);
    if (!path.isAbsolute(absPath))
      throw new Error(`readNodeFile: '${absPath}' is not absolute`);
    const p = path.resolve(absPath);
    const overlay = this.overlays
      .filter(t => isUnder(p, t))
      .sort((a, b) => b.length - a.length)[0];
    if (!overlay) return fs.existsSync(p) ? p : undefined;
    // walk the upper dir: a whiteout (char device 0:0) on any component hides the lower file
    const upperRoot = path.join(s.dir, 'upper');
    const parts = p.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      if (!isUnder(cur, overlay) || cur === overlay) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(path.join(upperRoot, cur));
      } catch {
        break; // not in upper below this point: the lower (host) path decides
      }
      if (st.isCharacterDevice() && st.rdev === 0) return undefined;
      if (cur === p) return path.join(upperRoot, p);
    }
    return fs.existsSync(p) ? p : undefined;
  }

  async readNodeFile(name: string, absPath: string): Promise<string> {
    const real = this.nodeFilePath(name, absPath);
    if (!real) {
      const err = new Error(
        `ENOENT: node '${name}' has no file '${absPath}'`,
      ) as NodeJS.ErrnoException;
      err.code = 'ENOENT';
      throw err;
    }
    return fsp.readFile(real, 'utf8');
  }

  calls(name: string): SshNodeStandinCall[] {
    const file = path.join(
      this.state(name).dir,
      'upper',
      SSH_NODE_STANDIN_CALL_LOG,
    );
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(l => l.trim())
      .map(l => JSON.parse(l) as SshNodeStandinCall);
  }

  // --- lifecycle -----------------------------------------------------------------

  /** Synchronous last-resort kill (process 'exit'). */
  killAllSync(): void {
    for (const s of this.states.values()) {
      for (const pid of [s.sshdPid, s.proc?.pid]) {
        if (!pid) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    this.block?.release();
    if (!this.keepDir) {
      try {
        fs.rmSync(this.dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopped = true;
      this.stopping = (async () => {
        try {
          await Promise.all(
            [...this.states.values()].map(s =>
              this.kill(s).catch(() => undefined),
            ),
          );
        } finally {
          this.block?.release();
          untrackRig(this);
          if (!this.keepDir) {
            await fsp.rm(this.dir, {
              recursive: true,
              force: true,
              maxRetries: 3,
            });
          }
        }
      })();
    }
    return this.stopping;
  }

  addNote(n: string) {
    this.notes.push(n);
  }
}

/**
 * Starts real OpenSSH sshd "nodes" on loopback addresses (root only).
 * Always pair with `rig.stop()` (e.g. `afterAll(() => rig.stop())`).
 */
export async function startSshNodes(
  options: StartSshNodesOptions,
): Promise<SshNodeRig> {
  // ---- validate everything before starting anything
  let specs: SshNodeSpec[];
  if (options.nodes && options.count !== undefined) {
    throw new Error('startSshNodes: pass either `nodes` or `count`, not both');
  }
  if (options.nodes) {
    specs = options.nodes.map(n => ({ ...n }));
  } else if (options.count !== undefined) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new Error(
        `startSshNodes: count must be a positive integer (got ${options.count})`,
      );
    }
    const prefix = options.namePrefix ?? 'node';
    specs = Array.from({ length: options.count }, (_, i) => ({
      name: `${prefix}-${i + 1}`,
    }));
  } else {
    throw new Error('startSshNodes: pass `nodes` or `count`');
  }
  if (specs.length === 0) throw new Error('startSshNodes: no nodes');
  const names = new Set<string>();
  for (const n of specs) {
    if (!NAME_RE.test(n.name)) {
      throw new Error(
        `startSshNodes: invalid node name '${n.name}' (lowercase RFC 1123 label expected)`,
      );
    }
    if (names.has(n.name))
      throw new Error(`startSshNodes: duplicate node name '${n.name}'`);
    names.add(n.name);
    if (n.host !== undefined) assertLoopbackHost(n.host, n.name);
    if (
      n.port !== undefined &&
      (!Number.isInteger(n.port) || n.port < 1 || n.port > 65535)
    ) {
      throw new Error(
        `startSshNodes: invalid port ${n.port} for node '${n.name}'`,
      );
    }
  }
  const endpoints = new Set<string>();
  for (const n of specs) {
    if (n.host === undefined) continue;
    const key = `${n.host}:${n.port ?? 'auto'}`;
    if (n.port !== undefined && endpoints.has(key)) {
      throw new Error(`startSshNodes: two nodes on ${key}`);
    }
    endpoints.add(key);
  }
  const explicitHosts = specs.filter(n => n.host).map(n => n.host!);
  if (
    new Set(explicitHosts).size !== explicitHosts.length &&
    specs.some(n => n.host && n.port === undefined)
  ) {
    throw new Error(
      'startSshNodes: several nodes share a host address; give them distinct addresses or explicit ports',
    );
  }
  const autoCount = specs.filter(n => !n.host).length;
  if (autoCount > 254)
    throw new Error('startSshNodes: at most 254 auto-addressed nodes per rig');
  if (process.getuid?.() !== 0) {
    throw new Error(
      'startSshNodes: needs root (mount/unshare namespaces for the nodes)',
    );
  }
  for (const bin of [SSHD, UNSHARE, SETPRIV, '/usr/bin/ssh-keygen']) {
    if (!fs.existsSync(bin))
      throw new Error(`startSshNodes: ${bin} is missing`);
  }
  const user = options.user ?? 'root';
  if (!USER_RE.test(user))
    throw new Error(`startSshNodes: invalid user name '${user}'`);
  const env = options.env ?? {};
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME_RE.test(k))
      throw new Error(`startSshNodes: invalid env name '${k}'`);
    if (/["\n\r\0]/.test(v))
      throw new Error(`startSshNodes: env ${k} contains a quote/newline/NUL`);
  }
  let standinsDir: string | undefined;
  if (options.standinsDir !== false) {
    standinsDir = path.resolve(options.standinsDir ?? SSH_NODE_STANDINS_DIR);
    if (!fs.existsSync(path.join(standinsDir, 'bin'))) {
      throw new Error(
        `startSshNodes: stand-ins dir ${standinsDir} has no bin/`,
      );
    }
    if (/["'\s:$`\\]/.test(standinsDir))
      throw new Error(`startSshNodes: unusable stand-ins path ${standinsDir}`);
    ensureExecutable(path.join(standinsDir, 'bin'));
  }
  const baseDir = path.resolve(
    options.baseDir ??
      defaultRigBaseDir(
        os.tmpdir(),
        options.overlayPaths ?? SSH_NODE_OVERLAY_PATHS,
      ),
  );
  if (/[,:\s"'\\]/.test(baseDir)) {
    throw new Error(
      `startSshNodes: baseDir '${baseDir}' must not contain , : quotes or whitespace (overlay options)`,
    );
  }
  const overlays: string[] = [];
  const skipped: string[] = [];
  for (const t of options.overlayPaths ?? SSH_NODE_OVERLAY_PATHS) {
    const p = path.resolve(t);
    if (/[,:\s"'\\]/.test(p))
      throw new Error(`startSshNodes: unusable overlay path '${p}'`);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(p);
    } catch {
      st = undefined;
    }
    if (!st?.isDirectory() || isUnder(baseDir, p)) {
      if (REQUIRED_OVERLAYS.has(p) && isUnder(baseDir, p)) {
        throw new Error(
          `startSshNodes: baseDir ${baseDir} lies under ${p}, which every node overlays; choose another baseDir`,
        );
      }
      skipped.push(p);
      continue;
    }
    overlays.push(p);
  }

  // ---- addresses
  let block: LoopbackBlock | undefined;
  if (autoCount > 0) block = await claimLoopbackBlock();
  const taken = new Set(explicitHosts);
  let next = 1;
  const resolved = specs.map(n => {
    if (n.host) return { name: n.name, host: n.host, port: n.port };
    let h = block!.address(next++);
    while (taken.has(h)) h = block!.address(next++);
    taken.add(h);
    return { name: n.name, host: h, port: n.port };
  });

  await fsp.mkdir(baseDir, { recursive: true });
  await sweepStaleRigDirs(baseDir);
  const dir = await fsp.mkdtemp(path.join(baseDir, RIG_DIR_PREFIX));
  const rig = new RigImpl(dir, {
    user,
    standinsDir,
    overlays,
    env,
    timeoutMs: options.startTimeoutMs ?? 20000,
    keepDir: options.keepDir ?? false,
    block,
  });
  if (skipped.length) rig.addNote(`overlays skipped: ${skipped.join(' ')}`);
  trackRig(rig);
  try {
    await rig.init(resolved);
    await Promise.all(resolved.map(n => rig.startNode(n.name)));
  } catch (e) {
    await rig.stop();
    throw e;
  }
  return rig;
}
