import type { TimelineStatus } from '@internal/plugin-kpaas-common';
import type { KpaasBackendClient } from '../backendClient';
import type { StepLogger } from '../ssh';
import { SecretMasker } from './secretMasker';

/** The timeline phase of an action in kpaas-backend. */
export type RunPhase =
  | 'provision'
  | 'bootstrap'
  | 'addons'
  | 'etcd'
  | 'certs'
  | 'upgrade'
  | 'change'
  | 'remove-nodes'
  | 'retire';

/** Wall time of one phase of a run (the actions' `phaseTimings` output). */
export interface PhaseTiming {
  phase: string;
  seconds: number;
}

/** One step of the cluster's timeline. */
export interface RunEvent {
  step: string;
  status: TimelineStatus;
  startedAt?: Date | string;
  /** Default: now, except for `running`. */
  finishedAt?: Date | string;
  summary?: string;
}

export interface RunRecorderOptions {
  /** Which action's timeline phase the steps belong to. */
  phase: RunPhase;
  cluster: string;
  /** The module's kpaas-backend client; without one, nothing is written to the timeline. */
  client?: KpaasBackendClient;
  logger: StepLogger;
  taskId?: string;
  /** Secrets known at the start (the task's SSH key, passphrase, cloud credentials). */
  secrets?: ReadonlyArray<string | undefined>;
}

const iso = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString());

/**
 * What every kpaas action records about a run, in one place: one secret masker for everything
 * that leaves the run (log lines, timeline summaries, outputs), the phase timings, and the
 * cluster's timeline in kpaas-backend. A failed timeline write only warns: the cluster matters
 * more than its timeline.
 */
export class RunRecorder {
  readonly masker: SecretMasker;
  /** The task's logger behind the masker. */
  readonly logger: StepLogger;
  readonly phaseTimings: PhaseTiming[] = [];
  readonly #options: RunRecorderOptions;

  constructor(options: RunRecorderOptions) {
    this.#options = options;
    this.masker = new SecretMasker(options.secrets);
    const { logger } = options;
    this.logger = {
      info: m => logger.info(this.masker.mask(m)),
      warn: m => logger.warn(this.masker.mask(m)),
      error: m => logger.error(this.masker.mask(m)),
    };
  }

  /** Masks `value` from now on (a token created during the run). */
  addSecret(value: string | undefined): void {
    this.masker.add(value);
  }

  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** Writes one step to the cluster's timeline (masked, summary cut to 2000 characters). */
  async timeline(event: RunEvent): Promise<void> {
    const { client, cluster, phase, taskId } = this.#options;
    if (!client) return;
    const finishedAt =
      event.finishedAt ?? (event.status === 'running' ? undefined : new Date());
    try {
      await client.postTimelineEvent(cluster, {
        phase,
        step: event.step,
        status: event.status,
        startedAt: event.startedAt ? iso(event.startedAt) : undefined,
        finishedAt: finishedAt ? iso(finishedAt) : undefined,
        summary: event.summary
          ? this.mask(event.summary).slice(0, 2000)
          : undefined,
        taskId,
      });
    } catch (e) {
      this.logger.warn(
        `could not record "${event.step}" in the kpaas timeline of ${cluster} (continuing): ${e}`,
      );
    }
  }

  /**
   * Runs one phase: logs `=== name` and its wall time, adds it to `phaseTimings` and to the
   * timeline (succeeded with its time, or failed with the error).
   */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const startedAt = new Date();
    this.logger.info(`=== ${name}`);
    let failure: unknown;
    try {
      return await fn();
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      const seconds = Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
      this.phaseTimings.push({ phase: name, seconds });
      this.logger.info(`=== ${name}: ${seconds} s`);
      await this.timeline({
        step: name,
        status: failure === undefined ? 'succeeded' : 'failed',
        startedAt,
        summary:
          failure === undefined
            ? `${seconds} s`
            : String((failure as Error)?.message ?? failure),
      });
    }
  }
}
