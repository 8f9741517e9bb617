import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ChildEnv } from '../process/childEnv';
import type { ToolShutdown } from '../process/shutdown';
import { runProcess, RunProcessResult } from './runProcess';
import type { RunRecorder } from '../core/runRecorder';
import { withOutputTail } from '@internal/plugin-kpaas-common';

/** A phase that failed or was stopped; carries the tail of the tool's error output. */
export class PhaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionPhaseError';
  }
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A private folder (0700) for one run: plan file, TF_DATA_DIR, HOME and TMPDIR. */
export function makeRunDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-provision-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** What every phase of one run shares: where it logs, when it must stop, how it is stopped. */
export interface PhaseSettings {
  logger: LoggerService;
  recorder: RunRecorder;
  toolShutdown: ToolShutdown;
  signal?: AbortSignal;
  /** Absolute time (ms since epoch) at which the tool is stopped. */
  deadline: number;
  timeoutMinutes: number;
  stopGraceMs: number;
}

export interface PhaseOptions {
  captureStdout?: boolean;
  timelineStep?: string;
  /** A known cause of the failure, from the error output: replaces the generic message. */
  explainFailure?: (
    errorOutput: string,
  ) => { message: string; rerunHelps: boolean } | undefined;
}

export interface PhaseResult {
  result: RunProcessResult;
  startedAt: Date;
  /** The timeline step the phase belongs to. */
  step: string;
}

export type RunPhase = (
  phase: string,
  args: string[],
  options?: PhaseOptions,
) => Promise<PhaseResult>;

/**
 * Runs one tool (terraform or vagrant) phase by phase: `==> [phase] command` and
 * `<== [phase] done in …` in the log, the tool stopped on cancel, timeout or backend shutdown,
 * and a failure recorded on the timeline and thrown with the masked tail of its output.
 */
export function createPhaseRunner(
  settings: PhaseSettings,
  tool: {
    command: string;
    cwd: string;
    env: ChildEnv;
    mask: (t: string) => string;
  },
): RunPhase {
  const { logger, recorder, toolShutdown } = settings;
  return async (phase, args, opts = {}) => {
    const startedAt = new Date();
    const shown = `${path.basename(tool.command)} ${args.join(' ')}`;
    logger.info(`==> [${phase}] ${shown}`);
    const run = runProcess({
      command: tool.command,
      args,
      cwd: tool.cwd,
      env: tool.env,
      logger,
      mask: tool.mask,
      signal: toolShutdown.combine(settings.signal),
      deadline: settings.deadline,
      stopGraceMs: settings.stopGraceMs,
      captureStdout: opts.captureStdout,
    });
    const result = await toolShutdown.track(run);
    const elapsed = formatElapsed(Date.now() - startedAt.getTime());
    const step = opts.timelineStep ?? phase;
    if (result.stoppedBy || result.exitCode !== 0) {
      let why = `failed (exit ${result.exitCode ?? result.exitSignal})`;
      if (result.stoppedBy === 'cancel') why = 'was cancelled';
      if (result.stoppedBy === 'timeout') {
        why = `was stopped: the timeout of ${settings.timeoutMinutes} minutes was reached`;
      }
      logger.error(`<== [${phase}] ${why} after ${elapsed}`);
      await recorder.timeline({
        step,
        status: 'failed',
        startedAt,
        summary: `${shown} ${why}`,
      });
      const tail = result.errorTail.map(tool.mask).join('\n');
      const known = result.stoppedBy ? undefined : opts.explainFailure?.(tail);
      const what = `kpaas:provision phase "${phase}" (${shown}) ${why}.`;
      let explanation = what;
      // a known cause first: it is what the reader acts on
      if (known) explanation = `${known.message}\n${what}`;
      else if (!result.stoppedBy) {
        explanation = `${what}\nRe-run the task to continue from the stored state.`;
      }
      throw new PhaseError(withOutputTail(explanation, tail));
    }
    logger.info(`<== [${phase}] done in ${elapsed}`);
    return { result, startedAt, step };
  };
}
