/** Human-readable elapsed time: `12 s`, `4 min`, `3 h`, `5 d`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = seconds % 60;
    return rest && minutes < 10 ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** `12 s ago` for an ISO timestamp, or undefined when there is none or it does not parse. */
export function formatAgo(iso: string | undefined, now: number): string | undefined {
  const time = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(time) ? undefined : `${formatElapsed(now - time)} ago`;
}

/** Milliseconds between two ISO timestamps (or until `now` while still running). */
export function durationMs(
  startedAt: string,
  finishedAt: string | undefined,
  now: number,
): number | undefined {
  const start = Date.parse(startedAt);
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? undefined : Math.max(0, end - start);
}

const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * Parses a Kubernetes resource quantity (`3800m`, `4`, `16Gi`, `16314444Ki`, `1e9`) into a
 * plain number (cores, bytes). Undefined when absent or malformed.
 */
export function parseQuantity(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const multiplier = BINARY_SUFFIXES[match[2]] ?? DECIMAL_SUFFIXES[match[2]];
  if (!Number.isFinite(value) || multiplier === undefined) return undefined;
  return value * multiplier;
}

/** `3.8` cores, without trailing zeros. */
export function formatCores(cores: number): string {
  return `${Number(cores.toFixed(cores < 10 ? 2 : 1))}`;
}

/** `15.6 GiB` */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}
