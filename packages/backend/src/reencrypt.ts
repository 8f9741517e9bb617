/*
 * `npm run reencrypt -- --config app-config.yaml --config app-config.production.yaml`
 *
 * Finishes a key rotation without starting the backend: loads the same config as the backend
 * (files and ${ENV} substitution), connects to kpaas-backend's database and puts every cluster
 * credential and Terraform state version under kpaas.encryptionKey, reading old rows with
 * kpaas.previousEncryptionKeys. Exits 1, naming them, when rows are left that no configured key
 * opens; then the old key must stay in previousEncryptionKeys.
 */
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import type { LifecycleServiceShutdownHook } from '@backstage/backend-plugin-api';
import { ConfigSources } from '@backstage/config-loader';
import { reencryptStoredSecrets } from '@internal/plugin-kpaas-backend';

async function main() {
  const source = ConfigSources.default({ argv: process.argv });
  const config = await ConfigSources.toConfig(source);
  const logger = WinstonLogger.create({
    level: 'warn',
    meta: { service: 'kpaas-reencrypt' },
  });
  const shutdownHooks: LifecycleServiceShutdownHook[] = [];
  const lifecycle = {
    addStartupHook: () => {},
    addShutdownHook: (hook: LifecycleServiceShutdownHook) => {
      shutdownHooks.push(hook);
    },
  };
  const database = DatabaseManager.fromConfig(config).forPlugin('kpaas', {
    logger,
    lifecycle,
  });
  try {
    const result = await reencryptStoredSecrets({ config, database, logger });
    console.log(
      `kpaas: re-encrypted ${result.credentials} cluster credential(s) and ${result.stateVersions} Terraform state version(s) with the current key`,
    );
    if (result.failed.length > 0) {
      console.error(
        `kpaas: ${
          result.failed.length
        } row(s) are not under the current key (keep their key in kpaas.previousEncryptionKeys):\n  ${result.failed.join(
          '\n  ',
        )}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await (await database.getClient()).destroy();
    await Promise.all(shutdownHooks.map(hook => hook()));
    config.close();
  }
}

// Exit explicitly: the database manager keeps an admin connection pool for creating plugin
// databases that nothing here can close.
main().then(
  () => process.exit(process.exitCode ?? 0),
  error => {
    console.error(`kpaas: re-encryption failed: ${error?.message ?? error}`);
    process.exit(1);
  },
);
