/*
 * A unified diff of two small texts (cluster.yaml before and after a change) for the pull
 * request body. Longest common subsequence of lines; cluster.yaml is a few hundred lines at most,
 * so the quadratic table is small. No package in the repo's dependencies ships typings for this.
 */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function lineOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs = Array.from({ length: n + 1 }, () =>
    new Array<number>(m + 1).fill(0),
  );
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] =
        a[i] === b[j]
          ? lcs[i + 1][j + 1] + 1
          : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i], a: i++, b: j++ });
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ kind: '-', line: a[i], a: i++, b: j });
    } else {
      ops.push({ kind: '+', line: b[j], a: i, b: j++ });
    }
  }
  return ops;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * `diff -u` style text of `before` → `after` with `context` lines around each change, headed
 * `--- a/<file>` / `+++ b/<file>`; empty when the texts are equal.
 * @public
 */
export function unifiedDiff(
  before: string,
  after: string,
  options: { file?: string; context?: number } = {},
): string {
  const file = options.file ?? 'cluster.yaml';
  const context = options.context ?? 3;
  const ops = lineOps(splitLines(before), splitLines(after));
  const changed = ops
    .map((op, k) => (op.kind === ' ' ? -1 : k))
    .filter(k => k >= 0);
  if (changed.length === 0) return '';

  // hunks: runs of changes less than 2*context+1 unchanged lines apart
  const hunks: Array<[number, number]> = [];
  for (const k of changed) {
    const last = hunks[hunks.length - 1];
    if (last && k - last[1] <= 2 * context + 1) last[1] = k;
    else hunks.push([k, k]);
  }
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const [first, last] of hunks) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(start, end + 1);
    const aCount = slice.filter(op => op.kind !== '+').length;
    const bCount = slice.filter(op => op.kind !== '-').length;
    const aStart = aCount === 0 ? slice[0].a : slice[0].a + 1;
    const bStart = bCount === 0 ? slice[0].b : slice[0].b + 1;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    out.push(...slice.map(op => `${op.kind}${op.line}`));
  }
  return `${out.join('\n')}\n`;
}
