/** Shortest value worth masking; shorter ones would blank out ordinary words. */
const MIN_MASKED_LENGTH = 6;
export const MASK = '***';

/**
 * Replaces every occurrence of the given secret values in a text. Multi-line secrets (an SSH
 * private key) are also masked line by line, because output is streamed one line at a time.
 */
export function createMasker(
  secrets: ReadonlyArray<string | undefined>,
): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    const whole = secret.trim();
    if (whole.length >= MIN_MASKED_LENGTH) needles.add(whole);
    for (const line of secret.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (
        trimmed.length >= MIN_MASKED_LENGTH &&
        !/^-----(BEGIN|END) /.test(trimmed)
      ) {
        needles.add(trimmed);
      }
    }
  }
  // Longest first, so a secret containing another one is masked whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return text => text;
  return text => {
    let masked = text;
    for (const needle of ordered) masked = masked.split(needle).join(MASK);
    return masked;
  };
}
