import { formatSummary, summarize, Summary } from './stats';

/**
 * Runs every side `runs` times (the same N for every side), interleaved: run 0 goes A, B, C,
 * run 1 goes C, B, A, and so on, so a drift in machine load hits every side alike.
 * `warmUp` untimed runs per side come first and are not returned.
 */
export async function runSides<S extends string, T>(
  runs: number,
  sides: Record<S, (run: number) => Promise<T>>,
  options: { warmUp?: number } = {},
): Promise<Record<S, T[]>> {
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runSides: runs must be a positive integer, got ${runs}`);
  const names = Object.keys(sides) as S[];
  for (let i = 0; i < (options.warmUp ?? 0); i++) {
    for (const name of names) await sides[name](-1 - i);
  }
  const results = Object.fromEntries(names.map(n => [n, [] as T[]])) as Record<
    S,
    T[]
  >;
  for (let run = 0; run < runs; run++) {
    const order = run % 2 ? [...names].reverse() : names;
    for (const name of order) results[name].push(await sides[name](run));
  }
  return results;
}

/**
 * Prints one line per side, `  <side>: min … / median … / max … <unit> (n=N)`, and returns the
 * summaries. `pick` turns a sample into the number to summarise (default: the sample itself);
 * a pick that returns NaN (a figure the sample lacks) is left out, and n says how many remain.
 */
export function reportSides<S extends string, T>(
  title: string,
  results: Record<S, T[]>,
  options: {
    unit?: string;
    digits?: number;
    pick?: (sample: T) => number;
  } = {},
): Record<S, Summary> {
  const pick = options.pick ?? ((x: T) => x as unknown as number);
  const names = Object.keys(results) as S[];
  const width = Math.max(...names.map(n => n.length));
  console.log(title);
  const out = {} as Record<S, Summary>;
  for (const name of names) {
    out[name] = summarize(results[name].map(pick));
    console.log(
      `  ${name.padEnd(width)}: ${formatSummary(
        out[name],
        options.unit,
        options.digits,
      )}`,
    );
  }
  return out;
}
