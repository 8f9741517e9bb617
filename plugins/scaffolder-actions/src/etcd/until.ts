import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` with backoff (200 ms doubling to 2 s) until it is true or `waitMs` passed. */
export async function until(
  waitMs: number,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let wait = 200;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    wait = Math.min(2000, wait * 2);
  }
}
