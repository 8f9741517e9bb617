/*
 * The next run of a five-field cron schedule (minute hour day-of-month month day-of-week, UTC),
 * as the Kubernetes CronJob controller reads it: lists, ranges and steps; when both day fields
 * are restricted, either may match (cron's rule).
 */

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function parseField(field: string, [min, max]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let from = min;
    let to = max;
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b ?? (stepText ? max : a);
    }
    if (
      ![from, to, step].every(Number.isInteger) ||
      step < 1 ||
      from < min ||
      to > max + (max === 6 ? 1 : 0)
    ) {
      throw new Error(
        `"${field}" is not a cron field between ${min} and ${max}`,
      );
    }
    for (let v = from; v <= to; v += step)
      values.add(max === 6 && v === 7 ? 0 : v);
  }
  return values;
}

/** The first run strictly after `after`, or undefined within a year (e.g. 30 February). @public */
export function nextCronRun(schedule: string, after: Date): Date | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`"${schedule}" is not a five-field cron schedule`);
  const [minutes, hours, days, months, weekdays] = fields.map((f, i) =>
    parseField(f, RANGES[i]),
  );
  const dayRestricted = fields[2] !== '*';
  const weekdayRestricted = fields[4] !== '*';
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 366 * 24 * 60 * 60 * 1000;
  while (t.getTime() <= limit) {
    if (!months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
      continue;
    }
    const dayOk = days.has(t.getUTCDate());
    const weekdayOk = weekdays.has(t.getUTCDay());
    const matchesDay =
      dayRestricted && weekdayRestricted
        ? dayOk || weekdayOk
        : dayOk && weekdayOk;
    if (!matchesDay) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
      continue;
    }
    if (!hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
      continue;
    }
    if (!minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      continue;
    }
    return t;
  }
  return undefined;
}
