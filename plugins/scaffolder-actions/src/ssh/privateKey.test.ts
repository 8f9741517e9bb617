import { generateKeyPairSync } from 'node:crypto';
import { utils as sshUtils } from 'ssh2';
import { normalizePrivateKey } from './privateKey';

const openssh = sshUtils.generateKeyPairSync('ed25519').private;
const pkcs1 = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

const parses = (key: string) => !(sshUtils.parseKey(key) instanceof Error);

describe('normalizePrivateKey', () => {
  it.each([
    ['OpenSSH', openssh],
    ['PEM (PKCS#1)', pkcs1],
  ])(
    'restores a %s key whose line breaks a single-line input stripped',
    (_, key) => {
      const stripped = key.replace(/\r?\n/g, '');
      expect(parses(stripped)).toBe(false);
      const restored = normalizePrivateKey(stripped);
      expect(parses(restored)).toBe(true);
      expect(restored.replace(/\s/g, '')).toBe(key.replace(/\s/g, ''));
    },
  );

  it('accepts line breaks turned into spaces', () => {
    expect(parses(normalizePrivateKey(openssh.replace(/\n/g, ' ')))).toBe(true);
  });

  it('keeps a well-formed key usable and leaves non-keys and PEM headers alone', () => {
    expect(parses(normalizePrivateKey(openssh))).toBe(true);
    expect(normalizePrivateKey('not a key')).toBe('not a key');
    expect(normalizePrivateKey(undefined)).toBeUndefined();
    const encrypted =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----';
    expect(normalizePrivateKey(encrypted)).toBe(encrypted);
  });
});
