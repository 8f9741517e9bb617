/** min / median / max of a list of samples; the median of an even count is the mean of the middle two. */
export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return {
    n: s.length,
    min: s[0],
    median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
    max: s[s.length - 1],
  };
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** `min 1.2 / median 3.4 / max 5.6 ms (n=5)` */
export function formatSummary(s: Summary, unit = 'ms', digits = 1): string {
  const f = (x: number) => x.toFixed(digits);
  return `min ${f(s.min)} / median ${f(s.median)} / max ${f(
    s.max,
  )} ${unit} (n=${s.n})`;
}
