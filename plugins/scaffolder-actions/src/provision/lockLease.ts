import type { LoggerService } from '@backstage/backend-plugin-api';

/*
 * kpaas-backend gives a Terraform state lock a lease (kpaas.terraformState.lockLeaseSeconds,
 * default 300 s) so the lock of a run that died (backend restart, killed worker) expires. While
 * Terraform runs, the action renews the lease with the run's state credential:
 * `POST <state address>/lock/renew` (basic auth) extends the lock that credential took.
 */

export interface LockLeaseOptions {
  /** The state address (TF_HTTP_ADDRESS); the renew route is `<address>/lock/renew`. */
  stateAddress: string;
  username: string;
  password: string;
  /** Longest time between renewals; default 60 s (a third of the remaining lease if shorter). */
  intervalMs?: number;
  logger: Pick<LoggerService, 'warn' | 'debug'>;
}

export interface LockLease {
  /** Renewals that extended a held lock. */
  renewals(): number;
  /** Stops renewing; waits for a renewal in flight. */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 60_000;
const MIN_INTERVAL_MS = 1_000;

/** Renews the run's state lock until stopped. Failures only warn: Terraform keeps running. */
export function startLockLease(options: LockLeaseOptions): LockLease {
  const interval = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const url = `${options.stateAddress.replace(/\/+$/, '')}/lock/renew`;
  const authorization = `Basic ${Buffer.from(
    `${options.username}:${options.password}`,
  ).toString('base64')}`;
  let renewals = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  let renew: () => Promise<void> = async () => {};
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = renew().finally(() => {
        inFlight = undefined;
      });
    }, ms);
  };

  renew = async () => {
    let next = interval;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: authorization },
        signal: AbortSignal.timeout(Math.max(interval, 10_000)),
      });
      if (!response.ok) {
        options.logger.warn(
          `could not renew the Terraform state lock lease (HTTP ${response.status}); kpaas-backend frees the lock when its lease runs out`,
        );
      } else {
        const body = (await response.json()) as {
          renewed: boolean;
          expiresAt?: string;
        };
        if (body.renewed) {
          renewals++;
          const left = body.expiresAt
            ? Date.parse(body.expiresAt) - Date.now()
            : NaN;
          if (Number.isFinite(left)) {
            next = Math.min(interval, Math.max(MIN_INTERVAL_MS, left / 3));
          }
          options.logger.debug(
            `Terraform state lock lease renewed until ${body.expiresAt}`,
          );
        }
      }
    } catch (e) {
      options.logger.warn(
        `could not renew the Terraform state lock lease: ${e}`,
      );
    }
    schedule(next);
  };

  schedule(Math.min(interval, MIN_INTERVAL_MS));
  return {
    renewals: () => renewals,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
