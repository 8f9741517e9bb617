/**
 * Replaces secret values in text before it reaches a log. Besides the values registered with
 * `add`, kubeadm's own secret shapes are always masked, because `kubeadm init` prints a bootstrap
 * token and certificate key that kpaas did not choose.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  static readonly MASK = '***';

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
    if (v.length < 6) return;
    this.values.add(v);
    // a multi-line secret (a private key) may appear line by line in streamed output
    for (const line of v.split('\n')) {
      if (line.trim().length >= 16) this.values.add(line.trim());
    }
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
