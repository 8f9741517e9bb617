/*
 * Shared by every benchmark (bench/<name>/index.ts imports '../_lib'):
 *  - runSides(N, { a, b }): every side measured N times, interleaved; reportSides prints
 *    min / median / max per side; summarize / percentile / formatSummary for other figures;
 *  - goal(name, figure, op, target): prints `GOAL <name>: <figure> (goal <op> <target>) met|missed`;
 *  - runBenchmark(name, body): machine load (os.loadavg) at start and end, cleanups (onCleanup),
 *    goal tally, exit code 1 only when the body threw; mainThreadSchedule: how long the event
 *    loop waited for a CPU (tells the machine's load from the benchmark's own).
 */
export { summarize, percentile, formatSummary } from './stats';
export type { Summary } from './stats';
export { runSides, reportSides } from './sides';
export { goal, goalTally } from './goals';
export type { GoalOp } from './goals';
export { loadAverage, mainThreadSchedule, printLoad } from './machine';
export { runBenchmark, onCleanup } from './main';
