import type {
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { CredentialCipher } from '../crypto/CredentialCipher';
import { DEFAULT_LOCK_LEASE_SECONDS } from './locks';
import {
  DEFAULT_ARCHIVE_RETENTION_DAYS,
  DEFAULT_KEEP_STATE_VERSIONS,
  TerraformStateStore,
} from './TerraformStateStore';

/** Default largest state body (`kpaas.terraformState.maxBodyMegabytes`). */
export const DEFAULT_MAX_BODY_MEGABYTES = 16;

/** `kpaas.terraformState.*` with defaults. */
export interface StateConfig {
  keepVersions: number;
  lockLeaseSeconds: number;
  maxBodyBytes: number;
  archiveRetentionDays: number;
}

function positive(config: Config | undefined, key: string, fallback: number) {
  const full = `kpaas.terraformState.${key}`;
  const value = config?.getOptionalNumber(full) ?? fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${full} must be a positive number; got ${value}`);
  }
  return value;
}

export function readStateConfig(config?: Config): StateConfig {
  return {
    keepVersions: Math.floor(
      positive(config, 'keepVersions', DEFAULT_KEEP_STATE_VERSIONS),
    ),
    lockLeaseSeconds: positive(
      config,
      'lockLeaseSeconds',
      DEFAULT_LOCK_LEASE_SECONDS,
    ),
    maxBodyBytes: Math.floor(
      positive(config, 'maxBodyMegabytes', DEFAULT_MAX_BODY_MEGABYTES) *
        1024 *
        1024,
    ),
    archiveRetentionDays: positive(
      config,
      'archiveRetentionDays',
      DEFAULT_ARCHIVE_RETENTION_DAYS,
    ),
  };
}

/**
 * The Terraform state store of the kpaas plugin: runs the plugin's migrations (unless
 * `migrate: false` or `database.migrations.skip`), then encrypts state rows written before
 * encryption at rest (and rows of a previous key) with the current key.
 * @public
 */
export async function createTerraformStateStore(options: {
  database: DatabaseService;
  cipher: CredentialCipher;
  logger: LoggerService;
  config?: Config;
  migrate?: boolean;
  /** Injectable clock (tests). */
  clock?: () => Date;
  /** Told what the start-up encryption pass did (`npm run reencrypt` reports it). */
  onEncryptionPass?: (result: { changed: number; failed: string[] }) => void;
}): Promise<TerraformStateStore> {
  const { database, cipher, logger, config } = options;
  const db = await database.getClient();
  if (options.migrate ?? !database.migrations?.skip) {
    await db.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-kpaas-backend',
        'migrations',
      ),
    });
  }
  const settings = readStateConfig(config);
  const store = new TerraformStateStore({
    db,
    cipher,
    keepVersions: settings.keepVersions,
    lockLeaseSeconds: settings.lockLeaseSeconds,
    clock: options.clock,
  });
  const { changed, failed } = await store.encryptStoredStates();
  options.onEncryptionPass?.({ changed, failed });
  if (changed > 0) {
    logger.info(
      `kpaas: encrypted ${changed} Terraform state version(s) with the current key`,
    );
  }
  for (const failure of failed) {
    logger.warn(
      `kpaas: cannot encrypt Terraform state ${failure}; add its key to kpaas.previousEncryptionKeys`,
    );
  }
  return store;
}
