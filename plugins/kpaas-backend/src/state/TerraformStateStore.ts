import crypto from 'node:crypto';
import type { Knex } from 'knex';

const STATE_TABLE = 'kpaas_terraform_state';
const LOCK_TABLE = 'kpaas_terraform_lock';
const CREDENTIALS_TABLE = 'kpaas_terraform_credentials';

/** Default number of state versions kept per cluster. @public */
export const DEFAULT_KEEP_STATE_VERSIONS = 10;

/** A stored state version without its document. @public */
export interface TerraformStateVersion {
  version: number;
  serial?: number;
  lineage?: string;
  /** Size of the state document in bytes. */
  size: number;
  /** Number of resource instances in the state. */
  resources?: number;
  createdAt: string;
}

/**
 * Terraform's lock info (`statemgr.LockInfo` marshalled as JSON); kept verbatim so a second
 * locker gets exactly what Terraform prints ("Lock Info: ID, Path, Operation, Who, Created").
 * @public
 */
export interface TerraformLockInfo {
  ID: string;
  Operation?: string;
  Info?: string;
  Who?: string;
  Version?: string;
  Created?: string;
  Path?: string;
  [key: string]: unknown;
}

/** Result of a lock or unlock attempt. @public */
export type LockResult =
  | { ok: true }
  | { ok: false; holder: TerraformLockInfo; lockedAt: string };

/** A credential as issued: the secret is only ever returned here. @public */
export interface IssuedStateCredential {
  username: string;
  password: string;
  expiresAt: string;
}

function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const parsed = new Date(String(value));
  return Number.isNaN(parsed.getTime()) ? String(value) : parsed.toISOString();
}

function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

function stateMeta(document: string): {
  serial?: number;
  lineage?: string;
  resources?: number;
} {
  try {
    const parsed = JSON.parse(document);
    return {
      serial: typeof parsed.serial === 'number' ? parsed.serial : undefined,
      lineage: typeof parsed.lineage === 'string' ? parsed.lineage : undefined,
      resources: Array.isArray(parsed.resources)
        ? parsed.resources.reduce(
            (n: number, r: { instances?: unknown[] }) =>
              n + (Array.isArray(r?.instances) ? r.instances.length : 0),
            0,
          )
        : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * Terraform state, locks and state-backend credentials of the kpaas clusters, in the plugin
 * database (tables of migrations/20261121_02_terraform_state.js).
 * @public
 */
export class TerraformStateStore {
  readonly #db: Knex;
  readonly #keepVersions: number;

  constructor(options: { db: Knex; keepVersions?: number }) {
    this.#db = options.db;
    this.#keepVersions = Math.max(
      1,
      options.keepVersions ?? DEFAULT_KEEP_STATE_VERSIONS,
    );
  }

  /** The newest state document of a cluster, or undefined when it has none. */
  async getLatest(
    cluster: string,
  ): Promise<{ version: number; state: string } | undefined> {
    const row = await this.#db(STATE_TABLE)
      .where({ cluster })
      .orderBy('version', 'desc')
      .first('version', 'state');
    return row ? { version: Number(row.version), state: row.state } : undefined;
  }

  /** One stored version's document. */
  async getVersion(
    cluster: string,
    version: number,
  ): Promise<string | undefined> {
    const row = await this.#db(STATE_TABLE)
      .where({ cluster, version })
      .first('state');
    return row?.state;
  }

  /** Stores a new state version and drops the ones beyond the kept count; returns its number. */
  async write(cluster: string, state: string): Promise<number> {
    const meta = stateMeta(state);
    return this.#db.transaction(async tx => {
      const latest = await tx(STATE_TABLE)
        .where({ cluster })
        .max({ version: 'version' })
        .first();
      const version = Number(latest?.version ?? 0) + 1;
      await tx(STATE_TABLE).insert({
        cluster,
        version,
        serial: meta.serial ?? null,
        lineage: meta.lineage ?? null,
        state,
        created_at: new Date(),
      });
      await tx(STATE_TABLE)
        .where({ cluster })
        .andWhere('version', '<=', version - this.#keepVersions)
        .delete();
      return version;
    });
  }

  /** Removes every state version of a cluster. */
  async deleteState(cluster: string): Promise<void> {
    await this.#db(STATE_TABLE).where({ cluster }).delete();
  }

  /** Kept versions, newest first. */
  async listVersions(cluster: string): Promise<TerraformStateVersion[]> {
    const rows = await this.#db(STATE_TABLE)
      .where({ cluster })
      .orderBy('version', 'desc')
      .select('version', 'serial', 'lineage', 'state', 'created_at');
    return rows.map(row => ({
      version: Number(row.version),
      serial: row.serial === null ? undefined : Number(row.serial),
      lineage: row.lineage ?? undefined,
      size: Buffer.byteLength(row.state),
      resources: stateMeta(row.state).resources,
      createdAt: toIso(row.created_at),
    }));
  }

  /** The current lock of a cluster. */
  async getLock(
    cluster: string,
  ): Promise<
    { lockId: string; info: TerraformLockInfo; lockedAt: string } | undefined
  > {
    const row = await this.#db(LOCK_TABLE).where({ cluster }).first();
    if (!row) return undefined;
    return {
      lockId: row.lock_id,
      info: JSON.parse(row.info),
      lockedAt: toIso(row.created_at),
    };
  }

  /**
   * Takes the lock unless another ID holds it. Relocking with the ID that holds it succeeds
   * (Terraform retries a LOCK whose response got lost).
   */
  async lock(
    cluster: string,
    info: TerraformLockInfo,
    username?: string,
  ): Promise<LockResult> {
    // The primary key on `cluster` makes this atomic on SQLite and PostgreSQL alike.
    await this.#db(LOCK_TABLE)
      .insert({
        cluster,
        lock_id: info.ID,
        info: JSON.stringify(info),
        username: username ?? null,
        created_at: new Date(),
      })
      .onConflict('cluster')
      .ignore();
    const current = await this.getLock(cluster);
    if (!current) return this.lock(cluster, info, username); // released in between
    if (current.lockId === info.ID) return { ok: true };
    return { ok: false, holder: current.info, lockedAt: current.lockedAt };
  }

  /**
   * Releases the lock: with `lockId` only when that ID holds it; without (force-unlock) always.
   * Unlocking a cluster that is not locked succeeds.
   */
  async unlock(cluster: string, lockId?: string): Promise<LockResult> {
    if (lockId === undefined) {
      await this.#db(LOCK_TABLE).where({ cluster }).delete();
      return { ok: true };
    }
    const deleted = await this.#db(LOCK_TABLE)
      .where({ cluster, lock_id: lockId })
      .delete();
    if (deleted > 0) return { ok: true };
    const current = await this.getLock(cluster);
    if (!current) return { ok: true };
    return { ok: false, holder: current.info, lockedAt: current.lockedAt };
  }

  /**
   * Issues a new basic-auth credential for a cluster's state. Each run gets its own credential,
   * so a second run never invalidates the credential a running Terraform holds; expired ones
   * are removed here.
   */
  async issueCredential(
    cluster: string,
    ttlMinutes: number,
  ): Promise<IssuedStateCredential> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
    const username = `kpaas-${cluster}-${crypto
      .randomBytes(6)
      .toString('hex')}`;
    const password = crypto.randomBytes(32).toString('base64url');
    await this.#db(CREDENTIALS_TABLE).where('expires_at', '<', now).delete();
    await this.#db(CREDENTIALS_TABLE).insert({
      username,
      cluster,
      secret_hash: sha256Hex(password),
      created_at: now,
      expires_at: expiresAt,
    });
    return { username, password, expiresAt: expiresAt.toISOString() };
  }

  /** True when username/password is an unexpired credential of this cluster. */
  async verifyCredential(
    cluster: string,
    username: string,
    password: string,
  ): Promise<boolean> {
    const row = await this.#db(CREDENTIALS_TABLE)
      .where({ username })
      .first('cluster', 'secret_hash', 'expires_at');
    // Hash even when the user is unknown so both paths take the same time.
    const presented = Buffer.from(sha256Hex(password), 'hex');
    const expected = Buffer.from(
      row?.secret_hash ?? sha256Hex(crypto.randomBytes(32).toString('hex')),
      'hex',
    );
    const match =
      expected.length === presented.length &&
      crypto.timingSafeEqual(expected, presented);
    if (!row || !match || row.cluster !== cluster) return false;
    return new Date(toIso(row.expires_at)).getTime() > Date.now();
  }
}
