/** Shortest value worth masking; shorter ones would blank out ordinary words. */
const MIN_MASKED_LENGTH = 6;

/**
 * The one secret masker of the kpaas actions: replaces secret values in text before it reaches
 * a log, a timeline summary or an output. Multi-line secrets (an SSH private key) are also
 * masked line by line, because tool output is streamed one line at a time. Besides the values
 * registered with `add`, kubeadm's own secret shapes and PEM private keys are always masked,
 * because `kubeadm init` prints a bootstrap token and certificate key that kpaas did not choose.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  static readonly MASK = '***';

  constructor(secrets: ReadonlyArray<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Shapes masked even when the value was never registered. */
  private static readonly PATTERNS: RegExp[] = [
    // kubeadm bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}
    /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g,
    // certificate key printed after --certificate-key / "Using certificate key:"
    /(--certificate-key[ =]|certificate key:\s*)[0-9a-f]{64}\b/gi,
    // kubeadm prints the certificate key alone on the line after "Using certificate key:"
    /^[0-9a-f]{64}$/g,
    // PEM private keys
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  ];

  add(value: string | undefined): void {
    if (!value) return;
    const v = value.trim();
    // very short values would mask ordinary words; secrets kpaas handles are long
    if (v.length >= MIN_MASKED_LENGTH) this.values.add(v);
    // a multi-line secret (a private key) may appear line by line in streamed output
    for (const line of v.split(/\r?\n/)) {
      const t = line.trim();
      if (t.length >= MIN_MASKED_LENGTH && !/^-----(BEGIN|END) /.test(t)) {
        this.values.add(t);
      }
    }
  }

  /** `mask` as a function, for code that takes a `(text) => text` filter. */
  get filter(): (text: string) => string {
    return text => this.mask(text);
  }

  mask(text: string): string {
    let out = text;
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    for (const v of sorted) {
      if (out.includes(v)) out = out.split(v).join(SecretMasker.MASK);
    }
    for (const re of SecretMasker.PATTERNS) {
      out = out.replace(re, (_m, prefix?: string) =>
        typeof prefix === 'string' && !prefix.startsWith('-----')
          ? `${prefix}${SecretMasker.MASK}`
          : SecretMasker.MASK,
      );
    }
    return out;
  }
}
