import { InputError } from '@backstage/errors';
import { utils as sshUtils } from 'ssh2';

/**
 * Restores the line structure of a PEM/OpenSSH private key that lost it on the way in.
 *
 * The scaffolder's `Secret` field is a single-line password input, and browsers strip line
 * breaks from such inputs (HTML value sanitisation), so a pasted key arrives as
 * `-----BEGIN OPENSSH PRIVATE KEY-----b3Bl…AAAA-----END OPENSSH PRIVATE KEY-----`, which no SSH
 * library parses. The base64 body is rewrapped between its BEGIN/END lines; a key that still has
 * its lines, or that carries RFC 1421 headers (`Proc-Type:` of encrypted PKCS#1 keys), is
 * returned unchanged.
 */
export function normalizePrivateKey(key: string): string;
export function normalizePrivateKey(
  key: string | undefined,
): string | undefined;
export function normalizePrivateKey(
  key: string | undefined,
): string | undefined {
  if (!key) return key;
  const m =
    /^\s*-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----\s*$/.exec(key);
  if (!m) return key;
  const [, label, body] = m;
  if (body.includes(':')) return key;
  const base64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return key;
  // OpenSSH writes 70 columns, PEM (RFC 7468) 64
  const width = label === 'OPENSSH PRIVATE KEY' ? 70 : 64;
  const lines = base64.match(new RegExp(`.{1,${width}}`, 'g'))!;
  return `-----BEGIN ${label}-----\n${lines.join(
    '\n',
  )}\n-----END ${label}-----\n`;
}

/**
 * The task's SSH private key (`secrets.sshPrivateKey`, line breaks restored), checked to be
 * usable with `secrets.sshPassphrase` before any node is contacted.
 */
export function readTaskPrivateKey(
  secrets: Record<string, string> | undefined,
): string {
  const privateKey = normalizePrivateKey(secrets?.sshPrivateKey);
  if (!privateKey) {
    throw new InputError(
      'secrets.sshPrivateKey is missing; pass the SSH private key as a task secret',
    );
  }
  const parsed = sshUtils.parseKey(privateKey, secrets?.sshPassphrase);
  if (parsed instanceof Error) {
    throw new InputError(
      `secrets.sshPrivateKey cannot be used (${parsed.message}); check the key and secrets.sshPassphrase`,
    );
  }
  return privateKey;
}
