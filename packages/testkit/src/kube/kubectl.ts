/*
 * Runs the real kubectl against a stand-in, isolated from the user's own
 * configuration: its own kubeconfig, HOME and discovery cache directory.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const KUBECTL = process.env.KPAAS_KUBECTL ?? '/usr/bin/kubectl';

export function kubectlAvailable(binary = KUBECTL): boolean {
  return existsSync(binary);
}

export interface KubectlOptions {
  kubeconfig: string;
  /** A scratch directory for HOME and the discovery cache. */
  workDir: string;
  /** Default 20 s. */
  timeoutMs?: number;
  binary?: string;
  stdin?: string;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectlEnv(workDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(workDir, 'home'),
    KUBECTL_EXTERNAL_DIFF: '',
  };
}

function baseArgs(o: KubectlOptions) {
  return [
    '--kubeconfig',
    o.kubeconfig,
    '--cache-dir',
    join(o.workDir, 'kube-cache'),
  ];
}

export function runKubectl(
  args: string[],
  options: KubectlOptions,
): Promise<KubectlResult> {
  return new Promise(resolve => {
    const child = execFile(
      options.binary ?? KUBECTL,
      [...baseArgs(options), ...args],
      {
        env: kubectlEnv(options.workDir),
        timeout: options.timeoutMs ?? 20000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        let code = 0;
        if (error)
          code =
            typeof (error as any).code === 'number' ? (error as any).code : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** A long-running kubectl (e.g. `get -w`) whose output can be awaited line by line. */
export interface KubectlProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches; rejects after the timeout with the output so far. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Kills kubectl (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

export function spawnKubectl(
  args: string[],
  options: KubectlOptions,
): KubectlProcess {
  const child = spawn(
    options.binary ?? KUBECTL,
    [...baseArgs(options), ...args],
    {
      env: kubectlEnv(options.workDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', d => {
    out += d;
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', d => {
    err += d;
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m[0]);
          }
        };
        timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `kubectl output did not match ${pattern} within ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null)
        child.kill('SIGTERM');
      await exited;
    },
  };
}
