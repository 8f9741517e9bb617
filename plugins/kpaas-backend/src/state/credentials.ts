import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { toIso } from './dates';

const CREDENTIALS_TABLE = 'kpaas_terraform_credentials';

/** A credential as issued: the secret is only ever returned here. @public */
export interface IssuedStateCredential {
  username: string;
  password: string;
  expiresAt: string;
}

/** A verified credential: who it was issued to, for which task. @public */
export interface StateCredential {
  username: string;
  cluster: string;
  taskId?: string;
  /** User entity ref or service subject that asked for the credential. */
  issuedBy?: string;
}

function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/**
 * Per-run basic-auth credentials of the state routes (table kpaas_terraform_credentials); only
 * a SHA-256 of each secret is stored.
 */
export class StateCredentials {
  constructor(private readonly db: Knex, private readonly clock: () => Date) {}

  /**
   * Issues a new credential. Each run gets its own, so a second run never invalidates the
   * credential a running Terraform holds; expired ones are removed here.
   */
  async issue(
    cluster: string,
    ttlMinutes: number,
    meta: { taskId?: string; issuedBy?: string } = {},
  ): Promise<IssuedStateCredential> {
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
    const username = `kpaas-${cluster}-${crypto
      .randomBytes(6)
      .toString('hex')}`;
    const password = crypto.randomBytes(32).toString('base64url');
    await this.db(CREDENTIALS_TABLE).where('expires_at', '<', now).delete();
    await this.db(CREDENTIALS_TABLE).insert({
      username,
      cluster,
      secret_hash: sha256Hex(password),
      task_id: meta.taskId ?? null,
      issued_by: meta.issuedBy ?? null,
      created_at: now,
      expires_at: expiresAt,
    });
    return { username, password, expiresAt: expiresAt.toISOString() };
  }

  /** The credential when username/password is an unexpired credential of this cluster. */
  async verify(
    cluster: string,
    username: string,
    password: string,
  ): Promise<StateCredential | undefined> {
    const row = await this.db(CREDENTIALS_TABLE)
      .where({ username })
      .first('cluster', 'secret_hash', 'expires_at', 'task_id', 'issued_by');
    // Hash even when the user is unknown so both paths take the same time.
    const presented = Buffer.from(sha256Hex(password), 'hex');
    const expected = Buffer.from(
      row?.secret_hash ?? sha256Hex(crypto.randomBytes(32).toString('hex')),
      'hex',
    );
    const match =
      expected.length === presented.length &&
      crypto.timingSafeEqual(expected, presented);
    if (!row || !match || row.cluster !== cluster) return undefined;
    if (new Date(toIso(row.expires_at)).getTime() <= this.clock().getTime()) {
      return undefined;
    }
    return {
      username,
      cluster,
      taskId: row.task_id ?? undefined,
      issuedBy: row.issued_by ?? undefined,
    };
  }

  /** Revokes every credential of a cluster; returns how many there were. */
  async revokeAll(cluster: string, db: Knex = this.db): Promise<number> {
    return db(CREDENTIALS_TABLE).where({ cluster }).delete();
  }
}
