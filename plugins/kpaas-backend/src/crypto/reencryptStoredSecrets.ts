import type {
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ClusterRegistry } from '../registry/ClusterRegistry';
import { createTerraformStateStore } from '../state/config';
import { CredentialCipher } from './CredentialCipher';

/** What {@link reencryptStoredSecrets} did. @public */
export interface ReencryptResult {
  /** Cluster credentials moved to the current key. */
  credentials: number;
  /** Terraform state versions encrypted or moved to the current key. */
  stateVersions: number;
  /** Rows still not under the current key (no configured key opens them), named. */
  failed: string[];
}

/**
 * Puts every secret kpaas-backend stores (cluster credentials, Terraform state versions) under
 * the current `kpaas.encryptionKey`, reading old rows with `kpaas.previousEncryptionKeys`. The
 * plugin does the same at every start; this is the same pass as a command
 * (`npm run reencrypt`), so a rotation can be finished and checked before an old key is removed.
 * @public
 */
export async function reencryptStoredSecrets(options: {
  config: Config;
  database: DatabaseService;
  logger: LoggerService;
}): Promise<ReencryptResult> {
  const { config, database, logger } = options;
  const cipher = CredentialCipher.fromConfig(config, logger);
  const db = await database.getClient();
  await db.migrate.latest({
    directory: resolvePackagePath(
      '@internal/plugin-kpaas-backend',
      'migrations',
    ),
  });
  const registry = new ClusterRegistry(
    db,
    cipher,
    ClusterRegistry.readConfigClusters(config),
    logger,
  );
  const credentials = await registry.reencryptWithCurrentKey();
  const failed: string[] = (
    await db('kpaas_clusters').select('name', 'credential_ciphertext')
  )
    .filter(
      (row: { credential_ciphertext: string }) =>
        CredentialCipher.keyIdOf(row.credential_ciphertext) !==
        cipher.currentKeyId,
    )
    .map((row: { name: string }) => `credential of cluster ${row.name}`);
  // The store's start-up pass encrypts and re-encrypts state versions.
  const before = await statesNotUnder(db, cipher.currentKeyId);
  await createTerraformStateStore({
    database,
    cipher,
    logger,
    config,
    migrate: false,
  });
  const after = await statesNotUnder(db, cipher.currentKeyId);
  failed.push(...after.map(s => `Terraform state ${s}`));
  return {
    credentials,
    stateVersions: before.length - after.length,
    failed,
  };
}

async function statesNotUnder(
  db: Awaited<ReturnType<DatabaseService['getClient']>>,
  keyId: string,
): Promise<string[]> {
  const rows: Array<{ cluster: string; version: number }> = await db(
    'kpaas_terraform_state',
  )
    .whereNot('state', 'like', `v1:${keyId}:%`)
    .select('cluster', 'version');
  return rows.map(r => `${r.cluster} version ${r.version}`);
}
