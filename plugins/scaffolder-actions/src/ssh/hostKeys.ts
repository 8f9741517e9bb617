import { createHash, createHmac } from 'node:crypto';

/**
 * OpenSSH fingerprint of a raw host key blob, exactly as `ssh-keygen -lf` prints it
 * (`SHA256:<base64 without padding>`).
 */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256')
    .update(keyBlob)
    .digest('base64')
    .replace(/=+$/, '')}`;
}

/** One usable line of a known_hosts text. */
interface KnownHostEntry {
  /** Plain patterns (`host`, `[host]:port`) or one hashed pattern (`|1|salt|hash`). */
  patterns: string[];
  keyType: string;
  fingerprint: string;
  revoked: boolean;
}

/** `host` for port 22, `[host]:port` otherwise: how OpenSSH names a destination in known_hosts. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesHashed(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64'))
    .update(name)
    .digest('base64');
  return digest === hash;
}

/**
 * known_hosts lines (`host[,host…] key-type base64 [comment]`, hashed `|1|…` names and
 * `@revoked` markers supported; `@cert-authority` lines are ignored) → lookup by destination.
 */
export class KnownHosts {
  private readonly entries: KnownHostEntry[] = [];

  constructor(text: string | undefined) {
    for (const raw of (text ?? '').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      let revoked = false;
      if (fields[0].startsWith('@')) {
        if (fields[0] !== '@revoked') continue;
        revoked = true;
        fields.shift();
      }
      const [hosts, keyType, base64] = fields;
      if (!hosts || !keyType || !base64) {
        throw new Error(
          `knownHosts: line "${line.slice(
            0,
            60,
          )}" is not "host key-type base64"`,
        );
      }
      const blob = Buffer.from(base64, 'base64');
      if (blob.length === 0) {
        throw new Error(
          `knownHosts: line "${line.slice(0, 60)}" has no valid base64 key`,
        );
      }
      this.entries.push({
        patterns: hosts.startsWith('|') ? [hosts] : hosts.split(','),
        keyType,
        fingerprint: sha256Fingerprint(blob),
        revoked,
      });
    }
  }

  private matching(host: string, port: number): KnownHostEntry[] {
    const name = knownHostsName(host, port);
    return this.entries.filter(e =>
      e.patterns.some(p =>
        p.startsWith('|') ? matchesHashed(p, name) : p === name,
      ),
    );
  }

  /** Fingerprints listed for the destination (empty when it is unknown). */
  fingerprintsFor(host: string, port: number): string[] {
    return this.matching(host, port)
      .filter(e => !e.revoked)
      .map(e => e.fingerprint);
  }

  isRevoked(host: string, port: number, fingerprint: string): boolean {
    return this.matching(host, port).some(
      e => e.revoked && e.fingerprint === fingerprint,
    );
  }
}
