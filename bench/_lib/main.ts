import { goalTally } from './goals';
import { printLoad } from './machine';

const cleanups: Array<() => unknown> = [];

/** Registers something to stop when the benchmark ends (run last-registered first). */
export function onCleanup(fn: () => unknown) {
  cleanups.push(fn);
}

async function cleanupAll() {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('cleanup:', error);
    }
  }
}

/**
 * The benchmark's entry point: prints the machine load at start and end, runs `body`, stops
 * everything registered with `onCleanup` (also on failure and Ctrl-C), prints the goal tally and
 * exits: 0 when the body completed (missed goals are figures, not failures), 1 when it threw
 * (a failed step fails the benchmark). Exiting explicitly means a handle a library leaves open
 * cannot hang `npm run bench`; what this process started is still closed by the cleanups first.
 */
export function runBenchmark(name: string, body: () => Promise<void>) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanupAll().finally(() => process.exit(130));
    });
  }
  printLoad(`${name} start`);
  body()
    .then(
      () => 0,
      error => {
        console.error(`bench/${name} failed:`, error);
        return 1;
      },
    )
    .then(async code => {
      await cleanupAll();
      printLoad(`${name} end`);
      const { met, missed } = goalTally();
      console.log(
        `GOALS ${name}: ${met.length} met, ${missed.length} missed${
          missed.length ? ` (${missed.join('; ')})` : ''
        }${code ? '; the benchmark FAILED before completing' : ''}`,
      );
      process.exit(code);
    });
}
