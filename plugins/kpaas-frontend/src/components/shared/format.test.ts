import {
  durationMs,
  formatAgo,
  formatBytes,
  formatCores,
  formatElapsed,
  parseQuantity,
} from './format';

describe('format', () => {
  it('formats elapsed time the way the card shows it', () => {
    expect(formatElapsed(12_400)).toBe('12 s');
    expect(formatElapsed(72_000)).toBe('1 min 12 s');
    expect(formatElapsed(30 * 60_000)).toBe('30 min');
    expect(formatElapsed(5 * 3600_000)).toBe('5 h');
    expect(formatElapsed(5 * 86400_000)).toBe('5 d');
    expect(formatAgo('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:00:12Z'))).toBe(
      '12 s ago',
    );
    expect(formatAgo(undefined, 0)).toBeUndefined();
    expect(formatAgo('not a date', 0)).toBeUndefined();
  });

  it('measures durations, up to now while running', () => {
    expect(durationMs('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 0)).toBe(60_000);
    expect(durationMs('2026-01-01T00:00:00Z', undefined, Date.parse('2026-01-01T00:00:05Z'))).toBe(
      5_000,
    );
  });

  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('4')).toBe(4);
    expect(parseQuantity('3800m')).toBeCloseTo(3.8);
    expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
    expect(parseQuantity('16314444Ki')).toBe(16314444 * 1024);
    expect(parseQuantity('1e9')).toBe(1e9);
    expect(parseQuantity('500M')).toBe(5e8);
    expect(parseQuantity('12Qi')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
    expect(formatCores(3.8)).toBe('3.8');
    expect(formatBytes(16 * 2 ** 30)).toBe('16 GiB');
    expect(formatBytes(15.6 * 2 ** 30)).toBe('16 GiB');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
  });
});
