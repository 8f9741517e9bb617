import type {
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { CredentialCipher } from './crypto/CredentialCipher';
import { ClusterRegistry } from './registry/ClusterRegistry';
import { createTerraformStateStore } from './state/config';
import type { TerraformStateStore } from './state/TerraformStateStore';

/** kpaas-backend's stores over its database, every secret in them under the current key. */
export interface KpaasStores {
  cipher: CredentialCipher;
  registry: ClusterRegistry;
  stateStore: TerraformStateStore;
  /** Cluster credentials moved from a previous key to the current one by this call. */
  credentialsReencrypted: number;
  /** State versions encrypted or moved to the current key by this call, and those no key opens. */
  stateVersions: { changed: number; failed: string[] };
}

/**
 * Opens the registry and the Terraform state store: reads the key (failing fast in production
 * without a usable one), runs the plugin's migrations unless `migrate` is false, and puts every
 * cluster credential and state version under the current key. The plugin does this at start;
 * `npm run reencrypt` does it alone.
 */
export async function openKpaasStores(options: {
  config: Config;
  database: DatabaseService;
  logger: LoggerService;
  migrate: boolean;
}): Promise<KpaasStores> {
  const { config, database, logger } = options;
  const cipher = CredentialCipher.fromConfig(config, logger);
  const db = await database.getClient();
  if (options.migrate) {
    await db.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-kpaas-backend',
        'migrations',
      ),
    });
  }
  const registry = new ClusterRegistry(
    db,
    cipher,
    ClusterRegistry.readConfigClusters(config),
    logger,
  );
  const credentialsReencrypted = await registry.reencryptWithCurrentKey();
  if (credentialsReencrypted > 0) {
    logger.info(
      `kpaas: re-encrypted ${credentialsReencrypted} cluster credential(s) with the current key`,
    );
  }
  // Encrypts state rows left in plaintext by older versions, and rows of a previous key.
  let stateVersions = { changed: 0, failed: [] as string[] };
  const stateStore = await createTerraformStateStore({
    database,
    cipher,
    logger,
    config,
    migrate: false,
    onEncryptionPass: result => {
      stateVersions = result;
    },
  });
  return {
    cipher,
    registry,
    stateStore,
    credentialsReencrypted,
    stateVersions,
  };
}
