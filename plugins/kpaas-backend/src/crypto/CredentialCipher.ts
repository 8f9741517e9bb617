import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
} from 'node:crypto';
import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';

/*
 * Cluster credentials at rest: AES-256-GCM with a random 96-bit IV per value. The stored form is
 * `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64 parts). The key id is the first 8 bytes of the
 * key's SHA-256, so a rotated key (kpaas.previousEncryptionKeys) can still decrypt old rows
 * while new rows are written with kpaas.encryptionKey.
 */

const FORMAT = 'v1';
const ALGORITHM = 'aes-256-gcm';

interface EncryptionKey {
  id: string;
  key: Buffer;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Key ids of development keys that were committed to this repository at some point (the
 * ids are SHA-256 prefixes, so the keys themselves need not be kept here). Production refuses
 * them: anyone with a clone could decrypt what they protect.
 */
const KNOWN_DEVELOPMENT_KEY_IDS: ReadonlySet<string> = new Set([
  // app-config.yaml until 2026-12 ("development-only-kpaas-key-32byt")
  '3993d79e18bd7a1f',
]);

/**
 * Production is NODE_ENV=production or `auth.environment: production` (what
 * app-config.production.yaml sets), so the documented production start is guarded even when
 * NODE_ENV is not set.
 */
export function isProductionConfig(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return (
    env.NODE_ENV === 'production' ||
    config.getOptionalString('auth.environment') === 'production'
  );
}

/** Parses a base64 32-byte key; the error names the config key and the fix. */
export function parseEncryptionKey(
  value: string,
  configKey: string,
): EncryptionKey {
  const key = Buffer.from(value.trim(), 'base64');
  if (
    key.length !== 32 ||
    key.toString('base64') !== value.trim().replace(/\s/g, '')
  ) {
    throw new Error(
      `${configKey} must be 32 random bytes, base64 encoded (e.g. the output of "openssl rand -base64 32"); got ${key.length} bytes`,
    );
  }
  return { id: keyId(key), key };
}

/** Encrypts and decrypts cluster credentials. */
export class CredentialCipher {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, EncryptionKey>;

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.current = { id: keyId(current), key: current };
    this.byId = new Map(
      [current, ...previous].map(k => [keyId(k), { id: keyId(k), key: k }]),
    );
  }

  /**
   * Reads `kpaas.encryptionKey` and `kpaas.previousEncryptionKeys`. In production
   * ({@link isProductionConfig}) it refuses to start without a key or with a development key
   * that was ever published; anywhere else a missing key gets an ephemeral one with a warning,
   * so credentials registered in that run cannot be read after a restart (`npm start` writes a
   * per-machine key into the ignored app-config.dev-key.local.yaml instead).
   */
  static fromConfig(
    config: Config,
    logger: LoggerService,
    env: NodeJS.ProcessEnv = process.env,
  ): CredentialCipher {
    const production = isProductionConfig(config, env);
    const configured = config.getOptionalString('kpaas.encryptionKey');
    const previous = (
      config.getOptionalStringArray('kpaas.previousEncryptionKeys') ?? []
    ).map(
      (value, i) =>
        parseEncryptionKey(value, `kpaas.previousEncryptionKeys[${i}]`).key,
    );
    if (configured) {
      const current = parseEncryptionKey(configured, 'kpaas.encryptionKey');
      if (production && KNOWN_DEVELOPMENT_KEY_IDS.has(current.id)) {
        throw new Error(
          'kpaas.encryptionKey is a published development key: kpaas-backend refuses to encrypt cluster credentials and Terraform state with it in production. Generate a key ("openssl rand -base64 32"), keep it in your secret store, and pass it as KPAAS_ENCRYPTION_KEY.',
        );
      }
      return new CredentialCipher(current.key, previous);
    }
    if (production) {
      throw new Error(
        'kpaas.encryptionKey is not set: kpaas-backend refuses to store cluster credentials without an encryption key in production. Set it to 32 random bytes, base64 encoded ("openssl rand -base64 32"), e.g. through the KPAAS_ENCRYPTION_KEY environment variable: kpaas.encryptionKey: ${KPAAS_ENCRYPTION_KEY}',
      );
    }
    logger.warn(
      'kpaas.encryptionKey is not set; using an ephemeral key for this process only (development). Cluster credentials registered now cannot be decrypted after a restart. Set kpaas.encryptionKey ("openssl rand -base64 32") to keep them.',
    );
    return new CredentialCipher(randomBytes(32), previous);
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
    // The key id is authenticated too, so a row cannot be re-labelled to another key.
    cipher.setAAD(Buffer.from(this.current.id));
    const ciphertext = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    return [
      FORMAT,
      this.current.id,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  /** The key id a stored value was encrypted with (for re-encryption after a rotation). */
  static keyIdOf(stored: string): string | undefined {
    const parts = stored.split(':');
    return parts.length === 5 && parts[0] === FORMAT ? parts[1] : undefined;
  }

  decrypt(stored: string): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || parts[0] !== FORMAT) {
      throw new Error('stored credential has an unknown format');
    }
    const [, id, iv, tag, ciphertext] = parts;
    const key = this.byId.get(id);
    if (!key) {
      throw new Error(
        `stored credential was encrypted with key ${id}, which is neither kpaas.encryptionKey nor one of kpaas.previousEncryptionKeys; add the old key to kpaas.previousEncryptionKeys or register the cluster again`,
      );
    }
    const decipher = createDecipheriv(
      ALGORITHM,
      key.key,
      Buffer.from(iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }
}
