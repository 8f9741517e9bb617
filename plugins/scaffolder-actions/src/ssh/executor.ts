import { LoggerService } from '@backstage/backend-plugin-api';
import { Client, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import {
  CancelledError,
  HostKeyChangedError,
  NodeUnreachableError,
  SshAuthError,
  StepFailedError,
  StepTimeoutError,
  UnknownHostKeyError,
} from './errors';
import { KnownHosts, sha256Fingerprint } from './hostKeys';
import { SecretMasker } from '../core/secretMasker';

/** One machine to connect to. */
export interface SshTarget {
  /** Node name: prefix of every log line, named in every error. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** Expected host key fingerprint (`SHA256:…`), e.g. from the inventory. */
  hostKeyFingerprint?: string;
}

/** Logger subset the executor needs (Backstage's LoggerService fits). */
export type StepLogger = Pick<LoggerService, 'info' | 'warn' | 'error'>;

/** How to connect and run commands; shared by every node of a run. */
export interface SshExecutorOptions {
  privateKey: string;
  passphrase?: string;
  /** Extra known_hosts entries for nodes whose target has no fingerprint. */
  knownHosts?: KnownHosts;
  /** Accept (and report) unknown host keys. A changed key is refused regardless. */
  trustOnFirstUse?: boolean;
  /** Per connect attempt. Default 20 s. */
  connectTimeoutMs?: number;
  /** Connect attempts for network failures (not for auth or host key failures). Default 3. */
  connectAttempts?: number;
  /** First retry delay, doubled per attempt. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** SSH keepalive interval. Default 5 s (3 missed = connection dead). */
  keepaliveIntervalMs?: number;
  /** Default timeout of one command. Default 15 min. */
  commandTimeoutMs?: number;
  logger: StepLogger;
  masker: SecretMasker;
  signal?: AbortSignal;
}

/** Options of one remote step. */
export interface ExecOptions {
  /**
   * Environment for the step, sent over the channel's stdin (never argv, never a file) and
   * exported by the wrapper on the node. Values are added to the masker.
   */
  secretEnv?: Record<string, string>;
  /** Non-secret environment (exported the same way, not masked). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Do not stream the output to the log (it is still returned). */
  quiet?: boolean;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFailure?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  /** Raw (unmasked) stdout, for parsing. Never log it without masking. */
  stdout: string;
  /** Last 20 lines of stdout+stderr, masked. */
  lastLines: string[];
}

/** Verdict of host key verification, reported in the `hostKeys` output. */
export interface HostKeyRecord {
  name: string;
  fingerprint: string;
  /** verified: matched an expected key; trusted-on-first-use: accepted unknown key */
  status: 'verified' | 'trusted-on-first-use';
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LAST_LINES = 20;
const MAX_STDOUT = 4 * 1024 * 1024;

/**
 * Runs on the node as `bash -c WRAPPER kpaas <command>`. It reads `n` and then n lines
 * `NAME=<value with \xHH escapes>` from stdin and exports them (secrets never touch argv or
 * disk), then starts the command in its own process group and waits. A watcher reads the rest
 * of stdin: when the channel or connection closes (timeout, cancellation, kpaas gone), stdin
 * hits EOF and the watcher kills the whole process group, so no step outlives its channel.
 *
 * Per step this costs the login shell, this bash and the step's bash, plus one forked watcher:
 * decoding (`printf -v %b`), process-group creation (`set -m`) and watching (`read`) are bash
 * builtins rather than base64/setsid/cat processes, and once a step has ended by itself nothing
 * of it waits for the channel to close.
 */
const WRAPPER = [
  'set -u',
  // async commands of a non-interactive shell get /dev/null as stdin: keep the channel on fd 3
  'exec 3<&0',
  'IFS= read -r n || exit 125',
  'i=0',
  'while [ "$i" -lt "$n" ]; do',
  '  IFS= read -r kv || exit 125',
  '  printf -v v %b "${kv#*=}"',
  '  export "${kv%%=*}=$v"',
  '  i=$((i+1))',
  'done',
  'unset n i kv v',
  // monitor mode only while starting the step: it becomes the leader of its own process group
  'set -m',
  'bash -c "$1" kpaas-step </dev/null 3<&- &',
  'pid=$!',
  'set +m',
  '{',
  '  while IFS= read -r -u 3 _; do :; done',
  '  kill -TERM -- "-$pid" 2>/dev/null && { sleep 3; kill -KILL -- "-$pid" 2>/dev/null; }',
  '} >/dev/null 2>&1 &',
  'watcher=$!',
  'wait "$pid"',
  'rc=$?',
  // stdin not at EOF: the step ended by itself, so its background leftovers end with it and the
  // watcher is not needed (at EOF the watcher is already stopping the step: leave it to it)
  'if ! read -t 0 -u 3; then',
  '  kill -KILL -- "-$pid" 2>/dev/null',
  '  kill "$watcher" 2>/dev/null',
  'fi',
  'exit "$rc"',
].join('\n');

/**
 * Escapes an environment value for the wrapper's `printf %b`: bytes outside a safe set become
 * `\xHH`, so a value is one line and no byte is interpreted by the shell.
 */
export function encodeEnvValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      byte === 0x2d || // -
      byte === 0x2e || // .
      byte === 0x2f || // /
      byte === 0x3a || // :
      byte === 0x5f // _
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** POSIX single-quote quoting. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError('wait'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('wait'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Splits a byte stream into lines (the last partial line is flushed at the end). */
class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string) {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.onLine(l.replace(/\r$/, ''));
  }
  flush() {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/**
 * One SSH connection to one node, reused for every step of the run.
 */
export class SshNodeSession {
  private sftpPromise?: Promise<SFTPWrapper>;
  private closed = false;
  private lostReason?: string;
  private readonly openChannels = new Set<ClientChannel>();

  constructor(
    readonly target: SshTarget,
    readonly hostKey: HostKeyRecord,
    private readonly client: Client,
    private readonly options: SshExecutorOptions,
  ) {
    client.on('close', () => {
      if (!this.closed) this.lostReason = 'SSH connection lost';
      this.closed = true;
    });
    client.on('error', err => {
      this.lostReason = `SSH connection error: ${err.message}`;
    });
  }

  get name() {
    return this.target.name;
  }

  get isRoot() {
    return this.target.user === 'root';
  }

  /**
   * A TCP stream from the node to `host:port` (SSH direct-tcpip), e.g. to a Service's cluster
   * IP that only the cluster's nodes reach. The caller ends it.
   */
  forwardOut(host: string, port: number): Promise<NodeJS.ReadWriteStream> {
    if (this.closed) {
      return Promise.reject(
        new NodeUnreachableError(
          this.target.name,
          `${
            this.lostReason ?? 'SSH connection closed'
          } before forwarding to ${host}:${port}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
        err
          ? reject(
              new Error(
                `${this.target.name}: cannot open a connection to ${host}:${port}: ${err.message}`,
              ),
            )
          : resolve(stream),
      );
    });
  }

  /** Runs one step. Rejects with StepFailedError / StepTimeoutError / NodeUnreachableError / CancelledError. */
  exec(
    step: string,
    command: string,
    opts: ExecOptions = {},
  ): Promise<ExecResult> {
    const { logger, masker, signal } = this.options;
    const name = this.target.name;
    if (signal?.aborted)
      return Promise.reject(new CancelledError(`${name}: ${step}`));
    if (this.closed) {
      return Promise.reject(
        new NodeUnreachableError(
          name,
          `${this.lostReason ?? 'SSH connection closed'} before step "${step}"`,
        ),
      );
    }
    const envLines: string[] = [];
    for (const [k, v] of Object.entries({
      ...(opts.env ?? {}),
      ...(opts.secretEnv ?? {}),
    })) {
      if (!NAME_RE.test(k)) throw new Error(`invalid environment name ${k}`);
      envLines.push(`${k}=${encodeEnvValue(v)}`);
    }
    for (const v of Object.values(opts.secretEnv ?? {})) masker.add(v);

    const prefix = this.isRoot ? '' : 'sudo -n ';
    const remote = `exec ${prefix}bash -c ${shellQuote(
      WRAPPER,
    )} kpaas ${shellQuote(command)}`;
    const timeoutMs =
      opts.timeoutMs ?? this.options.commandTimeoutMs ?? 15 * 60_000;

    return new Promise<ExecResult>((resolve, reject) => {
      const last: string[] = [];
      let stdout = '';
      const record = (line: string, stream: 'out' | 'err') => {
        const masked = masker.mask(line);
        last.push(masked);
        if (last.length > LAST_LINES) last.shift();
        if (!opts.quiet) {
          if (stream === 'err') logger.info(`[${name}] ${masked}`);
          else logger.info(`[${name}] ${masked}`);
        }
      };
      const out = new LineSplitter(l => record(l, 'out'));
      const err = new LineSplitter(l => record(l, 'err'));
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let channel: ClientChannel | undefined;
      let stopReason: 'timeout' | 'cancel' | undefined;

      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.client.removeListener('close', onConnClose);
        fn();
      };
      const stopRemote = (why: 'timeout' | 'cancel') => {
        stopReason = why;
        if (!channel) return;
        // EOF on stdin makes the node-side watcher kill the step's process group
        channel.end();
        channel.signal('KILL');
        setTimeout(() => channel?.close(), 2000).unref();
      };
      const onAbort = () => {
        stopRemote('cancel');
        finish(() => reject(new CancelledError(`${name}: step "${step}"`)));
      };
      const onConnClose = () =>
        finish(() =>
          reject(
            new NodeUnreachableError(
              name,
              `${
                this.lostReason ?? 'SSH connection lost'
              } during step "${step}"${
                last.length ? `; last lines:\n${last.join('\n')}` : ''
              }`,
            ),
          ),
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.client.once('close', onConnClose);
      timer = setTimeout(() => {
        stopRemote('timeout');
        finish(() =>
          reject(new StepTimeoutError(name, step, timeoutMs, [...last])),
        );
      }, timeoutMs);

      this.client.exec(remote, (e, ch) => {
        if (e) {
          finish(() =>
            reject(
              new NodeUnreachableError(
                name,
                `cannot start step "${step}": ${e.message}`,
                e,
              ),
            ),
          );
          return;
        }
        channel = ch;
        this.openChannels.add(ch);
        if (stopReason) stopRemote(stopReason);
        // header: the environment; stdin then stays open until the step ends
        ch.write(`${envLines.length}\n${envLines.map(l => `${l}\n`).join('')}`);
        let exitCode: number | null = null;
        let exitSignal: string | undefined;
        ch.on('exit', (code: number | null, sig?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = sig;
        });
        ch.on('data', (d: Buffer) => {
          if (stdout.length < MAX_STDOUT) stdout += d.toString();
          out.push(d);
        });
        ch.stderr.on('data', (d: Buffer) => err.push(d));
        ch.on('close', () => {
          this.openChannels.delete(ch);
          out.flush();
          err.flush();
          if (settled) return;
          if (exitCode === null && exitSignal === undefined) {
            onConnClose();
            return;
          }
          const result: ExecResult = {
            exitCode,
            signal: exitSignal,
            stdout,
            lastLines: [...last],
          };
          if (exitCode === 0 || opts.allowFailure)
            finish(() => resolve(result));
          else
            finish(() =>
              reject(
                new StepFailedError(
                  name,
                  step,
                  exitCode,
                  [...last],
                  exitSignal,
                ),
              ),
            );
        });
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    if (!this.sftpPromise) {
      this.sftpPromise = new Promise((resolve, reject) =>
        this.client.sftp((e, s) => (e ? reject(e) : resolve(s))),
      );
      this.sftpPromise.catch(() => {
        this.sftpPromise = undefined;
      });
    }
    return this.sftpPromise;
  }

  /**
   * Uploads files over SFTP into `dir` (relative to the login user's home, created if missing).
   * Returns the absolute remote directory.
   */
  async uploadFiles(
    dir: string,
    files: Array<{ name: string; content: Buffer | string; mode?: number }>,
  ): Promise<string> {
    const sftp = await this.sftp();
    const parts = dir.split('/').filter(Boolean);
    // One request per round trip would cost a scheduling hop each on a busy node: send the home
    // lookup and every mkdir at once (the server answers them in order; an existing directory's
    // error is ignored), then the files in parallel. Paths are relative to the login home.
    const [home] = await Promise.all([
      new Promise<string>((resolve, reject) =>
        sftp.realpath('.', (e, p) =>
          e
            ? reject(
                new NodeUnreachableError(
                  this.name,
                  `SFTP cannot resolve the home directory: ${e.message}`,
                  e,
                ),
              )
            : resolve(p),
        ),
      ),
      ...parts.map(
        (_, i) =>
          new Promise<void>(resolve =>
            sftp.mkdir(parts.slice(0, i + 1).join('/'), { mode: 0o700 }, () =>
              resolve(),
            ),
          ),
      ),
    ]);
    const cur = [home.replace(/\/$/, ''), ...parts].join('/');
    await Promise.all(
      files.map(
        f =>
          new Promise<void>((resolve, reject) =>
            sftp.writeFile(
              `${cur}/${f.name}`,
              f.content,
              { mode: f.mode ?? 0o644 },
              e =>
                e
                  ? reject(
                      new NodeUnreachableError(
                        this.name,
                        `SFTP upload of ${cur}/${f.name} failed: ${e.message}`,
                        e,
                      ),
                    )
                  : resolve(),
            ),
          ),
      ),
    );
    return cur;
  }

  /**
   * Reads a remote file into memory: SFTP when logged in as root, else `sudo -n cat` (the
   * file is usually root-only). The content is never logged.
   */
  async readFile(remotePath: string): Promise<Buffer> {
    if (this.isRoot) {
      const sftp = await this.sftp();
      return new Promise((resolve, reject) =>
        sftp.readFile(remotePath, (e, data) =>
          e
            ? reject(
                new NodeUnreachableError(
                  this.name,
                  `SFTP download of ${remotePath} failed: ${e.message}`,
                  e,
                ),
              )
            : resolve(data),
        ),
      );
    }
    const r = await this.exec(
      `read ${remotePath}`,
      `cat ${shellQuote(remotePath)}`,
      {
        quiet: true,
      },
    );
    return Buffer.from(r.stdout);
  }

  /** Closes open channels (their remote steps are killed) and the connection. */
  close(): void {
    for (const ch of this.openChannels) {
      try {
        ch.end();
        ch.close();
      } catch {
        /* already gone */
      }
    }
    this.closed = true;
    this.client.end();
  }
}

/**
 * Connects to one node, verifying its host key: the expected fingerprint (target) or the
 * knownHosts entries must match; an unknown key is accepted only with trustOnFirstUse; a
 * changed key never. Network failures are retried with exponential backoff; authentication
 * and host key failures are not.
 */
export async function connectNode(
  target: SshTarget,
  options: SshExecutorOptions,
): Promise<SshNodeSession> {
  const attempts = Math.max(1, options.connectAttempts ?? 3);
  const baseDelay = options.retryBaseDelayMs ?? 500;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted)
      throw new CancelledError(`${target.name}: connect`);
    try {
      return await connectOnce(target, options);
    } catch (e) {
      const err = e as Error;
      if (
        err instanceof UnknownHostKeyError ||
        err instanceof HostKeyChangedError ||
        err instanceof SshAuthError ||
        err instanceof CancelledError
      ) {
        throw err;
      }
      lastError = err;
      if (attempt < attempts) {
        const delay = baseDelay * 2 ** (attempt - 1);
        options.logger.warn(
          `[${target.name}] connect attempt ${attempt}/${attempts} failed (${err.message}); retrying in ${delay} ms`,
        );
        await sleep(delay, options.signal).catch(() => {
          throw new CancelledError(`${target.name}: connect`);
        });
      }
    }
  }
  throw new NodeUnreachableError(
    target.name,
    `cannot connect to ${target.host}:${target.port} after ${attempts} attempt(s): ${lastError?.message}`,
    lastError,
  );
}

function connectOnce(
  target: SshTarget,
  options: SshExecutorOptions,
): Promise<SshNodeSession> {
  const expected = target.hostKeyFingerprint
    ? [target.hostKeyFingerprint]
    : options.knownHosts?.fingerprintsFor(target.host, target.port) ?? [];
  return new Promise((resolve, reject) => {
    const client = new Client();
    let verdict: HostKeyRecord | undefined;
    let refusal: Error | undefined;
    let settled = false;
    const onAbort = () => {
      fail(new CancelledError(`${target.name}: connect`));
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.end();
      reject(e);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: options.privateKey,
      passphrase: options.passphrase,
      readyTimeout: options.connectTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        const fingerprint = sha256Fingerprint(key);
        if (
          options.knownHosts?.isRevoked(target.host, target.port, fingerprint)
        ) {
          refusal = new HostKeyChangedError(target.name, expected, fingerprint);
          return false;
        }
        if (expected.length > 0) {
          if (expected.includes(fingerprint)) {
            verdict = { name: target.name, fingerprint, status: 'verified' };
            return true;
          }
          refusal = new HostKeyChangedError(target.name, expected, fingerprint);
          return false;
        }
        if (options.trustOnFirstUse) {
          verdict = {
            name: target.name,
            fingerprint,
            status: 'trusted-on-first-use',
          };
          options.logger.warn(
            `[${target.name}] unknown host key ${fingerprint} accepted (trustOnFirstUse); commit it to the cluster repo`,
          );
          return true;
        }
        refusal = new UnknownHostKeyError(target.name, fingerprint);
        return false;
      },
    };
    // never fall back to an agent or keyboard-interactive prompts
    (config as any).agent = undefined;
    (config as any).tryKeyboard = false;

    client.once('ready', () => {
      if (settled) {
        client.end();
        return;
      }
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve(new SshNodeSession(target, verdict!, client, options));
    });
    client.on('error', (e: Error & { level?: string }) => {
      if (refusal) fail(refusal);
      else if (e.level === 'client-authentication')
        fail(new SshAuthError(target.name, target.user, e));
      else fail(e);
    });
    client.on('close', () =>
      fail(refusal ?? new Error('connection closed during handshake')),
    );
    try {
      client.connect(config);
    } catch (e) {
      // e.g. a private key that cannot be parsed
      fail(
        new SshAuthError(
          target.name,
          target.user,
          new Error(`cannot use the private key: ${(e as Error).message}`),
        ),
      );
    }
  });
}
