export type GoalOp = '<=' | '>=' | '<' | '>' | '==';

const met: string[] = [];
const missed: string[] = [];

/**
 * Prints `GOAL <name>: <figure> (goal <op> <target>) met|missed` and returns whether it was met.
 * `figure` and `target` are numbers in `unit` (e.g. 'ms', '×', '' for a plain count).
 */
export function goal(
  name: string,
  figure: number,
  op: GoalOp,
  target: number,
  options: { unit?: string; digits?: number } = {},
): boolean {
  const ok =
    op === '<='
      ? figure <= target
      : op === '>='
      ? figure >= target
      : op === '<'
      ? figure < target
      : op === '>'
      ? figure > target
      : figure === target;
  const unit = options.unit ? ` ${options.unit}` : '';
  const f = (x: number) =>
    options.digits === undefined ? String(x) : x.toFixed(options.digits);
  console.log(
    `GOAL ${name}: ${f(figure)}${unit} (goal ${op} ${f(target)}${unit}) ${
      ok ? 'met' : 'missed'
    }`,
  );
  (ok ? met : missed).push(name);
  return ok;
}

/** Goals printed so far in this process. */
export function goalTally() {
  return { met: [...met], missed: [...missed] };
}
