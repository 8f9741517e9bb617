import os from 'node:os';

/** `1.23 0.98 0.77` (1, 5 and 15 min load averages). */
export function loadAverage(): string {
  return os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ');
}

/** Prints `LOAD <when>: 1.23 0.98 0.77 (1/5/15 min) on 2 CPUs` and returns the 1-min figure. */
export function printLoad(when: string): number {
  console.log(
    `LOAD ${when}: ${loadAverage()} (1/5/15 min) on ${os.cpus().length} CPUs`,
  );
  return os.loadavg()[0];
}
