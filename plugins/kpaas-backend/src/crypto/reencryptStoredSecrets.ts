import type {
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { openKpaasStores } from '../stores';
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
 * the current `kpaas.encryptionKey`, reading old rows with `kpaas.previousEncryptionKeys`: the
 * pass the plugin makes at every start, as a command (`npm run reencrypt`), so a rotation can be
 * finished and checked before an old key is removed.
 * @public
 */
export async function reencryptStoredSecrets(options: {
  config: Config;
  database: DatabaseService;
  logger: LoggerService;
}): Promise<ReencryptResult> {
  const { cipher, credentialsReencrypted, stateVersions } =
    await openKpaasStores({ ...options, migrate: true });
  const db = await options.database.getClient();
  const credentialsLeft = (
    await db('kpaas_clusters').select('name', 'credential_ciphertext')
  )
    .filter(
      (row: { credential_ciphertext: string }) =>
        CredentialCipher.keyIdOf(row.credential_ciphertext) !==
        cipher.currentKeyId,
    )
    .map((row: { name: string }) => `credential of cluster ${row.name}`);
  return {
    credentials: credentialsReencrypted,
    stateVersions: stateVersions.changed,
    failed: [
      ...credentialsLeft,
      ...stateVersions.failed.map(s => `Terraform state ${s}`),
    ],
  };
}
