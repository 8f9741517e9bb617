import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ChildEnv } from '../process/childEnv';

/** Lines of error output kept for the failure message. */
export const FAILURE_TAIL_LINES = 30;

export interface RunProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Built by buildChildEnv (allow-listed): never the backend's process.env. */
  env: ChildEnv;
  logger: LoggerService;
  mask: (text: string) => string;
  /** Stops the process group when aborted (task cancelled). */
  signal?: AbortSignal;
  /** Absolute time (ms since epoch) at which the process group is stopped. */
  deadline?: number;
  /** Time between SIGINT and SIGTERM, and between SIGTERM and SIGKILL. */
  stopGraceMs: number;
  /** Keep stdout in memory instead of logging it (e.g. `show -json`). */
  captureStdout?: boolean;
}

export interface RunProcessResult {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Set when the run was stopped: by cancellation or by the deadline. */
  stoppedBy?: 'cancel' | 'timeout';
  stdout: string;
  /** Last lines of stderr (masked), else of stdout. */
  errorTail: string[];
  pid: number;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Runs a tool in its own process group, streaming its output line by line (masked) to the
 * logger. Cancellation and the deadline stop the whole group the way an operator's Ctrl-C
 * does: SIGINT first (Terraform then finishes the current operation, writes the state and
 * releases its lock), SIGTERM and SIGKILL only if it has not exited after a grace period.
 */
export async function runProcess(
  options: RunProcessOptions,
): Promise<RunProcessResult> {
  const { logger, mask } = options;
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true, // own process group, so providers/plugins are signalled too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  await spawned;
  const pgid = child.pid!;

  const stdoutLines: string[] = [];
  const stdoutTail: string[] = [];
  const stderrTail: string[] = [];
  const keepTail = (tail: string[], line: string) => {
    tail.push(line);
    if (tail.length > FAILURE_TAIL_LINES) tail.shift();
  };

  const stdoutDone = new Promise<void>(resolve => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', raw => {
      if (options.captureStdout) {
        stdoutLines.push(raw);
        return;
      }
      const line = mask(raw);
      keepTail(stdoutTail, line);
      logger.info(line);
    });
    rl.on('close', resolve);
  });
  const stderrDone = new Promise<void>(resolve => {
    const rl = readline.createInterface({ input: child.stderr! });
    rl.on('line', raw => {
      const line = mask(raw);
      keepTail(stderrTail, line);
      logger.warn(line);
    });
    rl.on('close', resolve);
  });

  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  let stoppedBy: RunProcessResult['stoppedBy'];
  let escalation: Promise<void> | undefined;
  let finished = false;
  const stop = (reason: 'cancel' | 'timeout') => {
    if (stoppedBy || finished) return;
    stoppedBy = reason;
    logger.warn(
      `${
        reason === 'cancel' ? 'Task cancelled' : 'Timeout reached'
      }: sending SIGINT to ${
        options.command
      } (process group ${pgid}) so it can release the state lock`,
    );
    signalGroup(pgid, 'SIGINT');
    escalation = (async () => {
      await Promise.race([exited, sleep(options.stopGraceMs)]);
      if (!finished && groupAlive(pgid)) {
        logger.warn(`Still running after ${options.stopGraceMs} ms: SIGTERM`);
        signalGroup(pgid, 'SIGTERM');
        await Promise.race([exited, sleep(options.stopGraceMs)]);
      }
      if (groupAlive(pgid)) {
        signalGroup(pgid, 'SIGKILL');
      }
    })();
  };

  const onAbort = () => stop('cancel');
  if (options.signal?.aborted) stop('cancel');
  options.signal?.addEventListener('abort', onAbort);
  const timer =
    options.deadline !== undefined
      ? setTimeout(
          () => stop('timeout'),
          Math.max(0, options.deadline - Date.now()),
        )
      : undefined;

  try {
    const { code, signal } = await exited;
    finished = stoppedBy === undefined;
    await Promise.all([stdoutDone, stderrDone]);
    if (escalation) await escalation;
    // Leftover children of a stopped run (e.g. providers) must not outlive the task.
    if (stoppedBy) {
      const until = Date.now() + options.stopGraceMs;
      while (groupAlive(pgid) && Date.now() < until) await sleep(50);
      if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
    }
    return {
      exitCode: code,
      exitSignal: signal,
      stoppedBy,
      stdout: stdoutLines.join('\n'),
      errorTail: stderrTail.length > 0 ? stderrTail : stdoutTail,
      pid: pgid,
    };
  } finally {
    finished = true;
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
