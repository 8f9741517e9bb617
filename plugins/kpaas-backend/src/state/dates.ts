/** A timestamp column as ISO-8601 (PostgreSQL returns Dates, SQLite numbers or strings). */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const parsed = new Date(String(value));
  return Number.isNaN(parsed.getTime()) ? String(value) : parsed.toISOString();
}

/** A timestamp column in epoch milliseconds. */
export function toMillis(value: unknown): number {
  return new Date(toIso(value)).getTime();
}
