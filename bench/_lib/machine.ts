import os from 'node:os';
import { readFileSync } from 'node:fs';

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

/**
 * CPU time of this process's main thread (the event loop) and the time it was ready to run but
 * waited for a CPU (Linux /proc/self/schedstat; undefined elsewhere). On a shared machine the
 * wait tells latency the benchmark caused from latency the other work on the machine caused.
 */
export function mainThreadSchedule():
  | { onCpuMs: number; waitedMs: number }
  | undefined {
  try {
    const [onCpu, waited] = readFileSync('/proc/self/schedstat', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return { onCpuMs: onCpu / 1e6, waitedMs: waited / 1e6 };
  } catch {
    return undefined;
  }
}
