import { SshNodeSession, shellQuote } from '../ssh';

/** Options of one remote command. */
export interface RemoteExecOptions {
  /** Step name for logs and errors */
  step?: string;
  /** Secret environment (sent over the channel, masked in the log, never on argv or disk) */
  secretEnv?: Record<string, string>;
  timeoutMs?: number;
  /** Do not stream the output to the task log */
  quiet?: boolean;
  /** Resolve on a non-zero exit instead of rejecting */
  allowFailure?: boolean;
}

export interface RemoteExecResult {
  exitCode: number | null;
  stdout: string;
  /** Last lines of the output, masked */
  lastLines: string[];
}

/**
 * What the add-on installer needs from the first control-plane node. Cancellation comes from the
 * connection's signal (ctx.signal), which ends every open command.
 */
export interface RemoteShell {
  exec(command: string, options?: RemoteExecOptions): Promise<RemoteExecResult>;
  /** Writes a file under the login user's home (`path` relative to it, parent dirs mode 0700); resolves to the absolute path. */
  upload(path: string, content: string | Buffer, mode: number): Promise<string>;
  /** Removes a file or directory tree (absolute path). */
  remove(path: string): Promise<void>;
  /** Reads a (root-only) file into memory; never logged. */
  readFile(path: string): Promise<Buffer>;
}

/** {@link RemoteShell} over the kpaas SSH executor (src/ssh). */
export class SshRemoteShell implements RemoteShell {
  constructor(private readonly session: SshNodeSession) {}

  exec(command: string, options: RemoteExecOptions = {}) {
    return this.session.exec(options.step ?? command.split(' ')[0], command, {
      secretEnv: options.secretEnv,
      timeoutMs: options.timeoutMs,
      quiet: options.quiet,
      allowFailure: options.allowFailure,
    });
  }

  async upload(path: string, content: string | Buffer, mode: number) {
    const parts = path.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new Error(`upload: "${path}" names no file`);
    const dir = await this.session.uploadFiles(parts.join('/'), [
      { name, content, mode },
    ]);
    return `${dir}/${name}`;
  }

  async remove(path: string) {
    await this.exec(`rm -rf -- ${shellQuote(path)}`, {
      step: 'cleanup',
      quiet: true,
    });
  }

  readFile(path: string) {
    return this.session.readFile(path);
  }
}
