/*
 * Running the `git` CLI for the Gitea stand-in with an environment of its
 * own: no system or user configuration, no prompts, literal pathspecs, so the
 * developer's ~/.gitconfig (signing, hooks, url rewrites, …) never leaks in.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';

export interface GitRunOptions {
  /** Working directory (or the bare repository for `--git-dir`-less calls). */
  cwd?: string;
  /** Environment; see {@link isolatedGitEnv}. */
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
}

export interface GitRunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** An environment for `git` and `git-http-backend` that ignores all user and system configuration. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
  };
}

/** Runs `git args…`; resolves with the exit code (non-zero does not reject). */
export function runGit(
  args: string[],
  options: GitRunOptions,
): Promise<GitRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', code =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined); // git may exit before reading stdin
    child.stdin.end(options.input);
  });
}

/** Runs `git args…` and returns stdout; rejects with git's stderr on a non-zero exit. */
export async function git(
  args: string[],
  options: GitRunOptions,
): Promise<Buffer> {
  const result = await runGit(args, options);
  if (result.code !== 0) {
    throw new Error(
      `git ${args.join(' ')} exited with ${
        result.code
      }: ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

/** Absolute path of `git-http-backend` (`$(git --exec-path)/git-http-backend`, usually /usr/lib/git-core). */
export async function findGitHttpBackend(
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const candidates: string[] = [];
  try {
    const execPath = (await git(['--exec-path'], { env })).toString().trim();
    candidates.push(join(execPath, 'git-http-backend'));
  } catch {
    // fall through to the usual location
  }
  candidates.push('/usr/lib/git-core/git-http-backend');
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `git-http-backend not found (looked at ${candidates.join(
      ', ',
    )}); install git`,
  );
}

/** Contents of objects by id via `git cat-file --batch` (missing objects are left out). */
export async function catFileBatch(
  gitDir: string,
  oids: string[],
  env: NodeJS.ProcessEnv,
): Promise<Map<string, { type: string; content: Buffer }>> {
  const objects = new Map<string, { type: string; content: Buffer }>();
  if (oids.length === 0) return objects;
  const out = await git(['--git-dir', gitDir, 'cat-file', '--batch'], {
    env,
    input: `${oids.join('\n')}\n`,
  });
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) break;
    const header = out.subarray(pos, eol).toString('utf8').split(' ');
    pos = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    objects.set(header[0], {
      type: header[1],
      content: out.subarray(pos, pos + size),
    });
    pos += size + 1; // content is followed by a newline
  }
  return objects;
}
