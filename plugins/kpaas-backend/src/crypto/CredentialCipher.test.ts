import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  ConfigSources,
  FileConfigSource,
} from '@backstage/config-loader';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  CredentialCipher,
  isProductionConfig,
  parseEncryptionKey,
} from './CredentialCipher';

const key = () => randomBytes(32);

describe('CredentialCipher', () => {
  it('round-trips and never stores the plaintext', () => {
    const cipher = new CredentialCipher(key());
    const stored = cipher.encrypt('secret-token-value');
    expect(stored).not.toContain('secret-token-value');
    expect(stored).not.toContain(
      Buffer.from('secret-token-value').toString('base64'),
    );
    expect(stored.split(':')).toHaveLength(5);
    expect(CredentialCipher.keyIdOf(stored)).toBe(cipher.currentKeyId);
    expect(cipher.decrypt(stored)).toBe('secret-token-value');
    // a fresh IV every time
    expect(cipher.encrypt('secret-token-value')).not.toBe(stored);
  });

  it('decrypts with a previous key after a rotation and refuses unknown keys', () => {
    const oldKey = key();
    const newKey = key();
    const stored = new CredentialCipher(oldKey).encrypt('t0k3n');
    expect(new CredentialCipher(newKey, [oldKey]).decrypt(stored)).toBe(
      't0k3n',
    );
    expect(() => new CredentialCipher(newKey).decrypt(stored)).toThrow(
      /add the old key to kpaas.previousEncryptionKeys/,
    );
  });

  it('detects tampering (GCM tag, key id bound as AAD)', () => {
    const a = key();
    const b = key();
    const cipher = new CredentialCipher(a, [b]);
    const parts = cipher.encrypt('t0k3n').split(':');
    const flipped = Buffer.from(parts[4], 'base64');
    flipped[0] ^= 1;
    expect(() =>
      cipher.decrypt(
        [...parts.slice(0, 4), flipped.toString('base64')].join(':'),
      ),
    ).toThrow();
    const relabelled = [
      parts[0],
      new CredentialCipher(b).currentKeyId,
      ...parts.slice(2),
    ];
    expect(() => cipher.decrypt(relabelled.join(':'))).toThrow();
  });

  it('validates configured keys and names the config key', () => {
    expect(() => parseEncryptionKey('c2hvcnQ=', 'kpaas.encryptionKey')).toThrow(
      /kpaas.encryptionKey must be 32 random bytes, base64 encoded/,
    );
    const logger = mockServices.logger.mock();
    const config = new ConfigReader({
      kpaas: {
        encryptionKey: key().toString('base64'),
        previousEncryptionKeys: ['bad'],
      },
    });
    expect(() => CredentialCipher.fromConfig(config, logger)).toThrow(
      /kpaas.previousEncryptionKeys\[0\] must be 32 random bytes/,
    );
  });

  it('refuses to start in production without a key', () => {
    const logger = mockServices.logger.mock();
    expect(() =>
      CredentialCipher.fromConfig(new ConfigReader({}), logger, {
        NODE_ENV: 'production',
      }),
    ).toThrow(/kpaas.encryptionKey is not set: .* refuses .* in production/);
  });

  it('uses an ephemeral key with a warning in development', () => {
    const logger = mockServices.logger.mock();
    const cipher = CredentialCipher.fromConfig(new ConfigReader({}), logger, {
      NODE_ENV: 'development',
    });
    expect(cipher.decrypt(cipher.encrypt('x'))).toBe('x');
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/ephemeral key/),
    );
  });

  describe('the documented production start (app-config.yaml + app-config.production.yaml)', () => {
    const repoRoot = path.resolve(__dirname, '../../../..');
    /** Loads the committed config files the way the backend does, with `env` for ${VARS}. */
    async function loadProductionConfig(env: Record<string, string>) {
      const source = ConfigSources.merge(
        ['app-config.yaml', 'app-config.production.yaml'].map(file =>
          FileConfigSource.create({
            path: path.join(repoRoot, file),
            watch: false,
            substitutionFunc: async name => env[name],
          }),
        ),
      );
      return ConfigSources.toConfig(source);
    }
    // The key app-config.yaml carried until 2026-12; never accepted in production again.
    const publishedDevKey = 'ZGV2ZWxvcG1lbnQtb25seS1rcGFhcy1rZXktMzJieXQ=';

    it('commits no encryption key: without KPAAS_ENCRYPTION_KEY it refuses to start', async () => {
      const config = await loadProductionConfig({});
      try {
        expect(isProductionConfig(config, {})).toBe(true);
        expect(config.getOptionalString('kpaas.encryptionKey')).toBeUndefined();
        // NODE_ENV unset, as `yarn workspace backend start` leaves it: auth.environment decides.
        expect(() =>
          CredentialCipher.fromConfig(config, mockServices.logger.mock(), {}),
        ).toThrow(/kpaas.encryptionKey is not set: .* refuses .* in production/);
      } finally {
        config.close();
      }
    });

    it('refuses the published development key and accepts a generated one', async () => {
      const withDevKey = await loadProductionConfig({
        KPAAS_ENCRYPTION_KEY: publishedDevKey,
      });
      try {
        expect(() =>
          CredentialCipher.fromConfig(withDevKey, mockServices.logger.mock(), {}),
        ).toThrow(/published development key/);
      } finally {
        withDevKey.close();
      }
      const generated = key().toString('base64');
      const withKey = await loadProductionConfig({
        KPAAS_ENCRYPTION_KEY: generated,
      });
      try {
        const cipher = CredentialCipher.fromConfig(
          withKey,
          mockServices.logger.mock(),
          {},
        );
        expect(cipher.decrypt(cipher.encrypt('t0k3n'))).toBe('t0k3n');
      } finally {
        withKey.close();
      }
    });

    it('still accepts the published key in development (old local databases stay readable)', () => {
      const cipher = CredentialCipher.fromConfig(
        new ConfigReader({ kpaas: { encryptionKey: publishedDevKey } }),
        mockServices.logger.mock(),
        { NODE_ENV: 'development' },
      );
      expect(cipher.decrypt(cipher.encrypt('x'))).toBe('x');
    });
  });
});
