import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { CredentialCipher } from '../crypto/CredentialCipher';
import { StateCredentials } from './credentials';
import { toIso } from './dates';
import { DEFAULT_LOCK_LEASE_SECONDS, StateLocks } from './locks';
import { stateMeta, withSerial } from './stateDocument';

const STATE_TABLE = 'kpaas_terraform_state';

/** Default number of state versions kept per cluster. @public */
export const DEFAULT_KEEP_STATE_VERSIONS = 10;
/** Default days archived state is kept before an admin may purge it. @public */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 30;

/** A stored state version without its document. @public */
export interface TerraformStateVersion {
  version: number;
  serial?: number;
  lineage?: string;
  /** Size of the state document in bytes. */
  size?: number;
  /** Number of resource instances in the state. */
  resources?: number;
  createdAt: string;
  /** Credential username or principal that wrote (or restored) this version. */
  writtenBy?: string;
  /** The scaffolder task whose credential wrote it. */
  taskId?: string;
  /** When DELETE or cluster deletion archived it. */
  archivedAt?: string;
}

/** Options of {@link TerraformStateStore}. @public */
export interface TerraformStateStoreOptions {
  db: Knex;
  /** Encrypts documents at rest (the cipher of the registry's cluster credentials). */
  cipher: CredentialCipher;
  keepVersions?: number;
  lockLeaseSeconds?: number;
  /** Injectable clock (tests); default `new Date()`. */
  clock?: () => Date;
}

interface StateRow {
  cluster: string;
  version: number | string;
  serial: number | string | null;
  lineage: string | null;
  state: string;
  size: number | string | null;
  resources: number | string | null;
  written_by: string | null;
  task_id: string | null;
  created_at: unknown;
  archived_at: unknown;
}

const num = (v: unknown) =>
  v === null || v === undefined ? undefined : Number(v);

function toVersion(row: StateRow): TerraformStateVersion {
  return {
    version: Number(row.version),
    serial: num(row.serial),
    lineage: row.lineage ?? undefined,
    size: num(row.size),
    resources: num(row.resources),
    createdAt: toIso(row.created_at),
    writtenBy: row.written_by ?? undefined,
    taskId: row.task_id ?? undefined,
    archivedAt:
      row.archived_at === null || row.archived_at === undefined
        ? undefined
        : toIso(row.archived_at),
  };
}

const META_COLUMNS = [
  'cluster',
  'version',
  'serial',
  'lineage',
  'size',
  'resources',
  'written_by',
  'task_id',
  'created_at',
  'archived_at',
];

/**
 * Terraform state, locks and state-backend credentials of the kpaas clusters, in the plugin
 * database. Documents are encrypted at rest (AES-256-GCM, {@link CredentialCipher}); the current
 * state of a cluster is its newest version that is not archived.
 * @public
 */
export class TerraformStateStore {
  readonly #db: Knex;
  readonly #cipher: CredentialCipher;
  readonly #keepVersions: number;
  readonly #clock: () => Date;
  /** The cluster locks (with leases). */
  readonly locks: StateLocks;
  /** The per-run basic-auth credentials. */
  readonly credentials: StateCredentials;

  constructor(options: TerraformStateStoreOptions) {
    this.#db = options.db;
    this.#cipher = options.cipher;
    this.#clock = options.clock ?? (() => new Date());
    this.#keepVersions = Math.max(
      1,
      options.keepVersions ?? DEFAULT_KEEP_STATE_VERSIONS,
    );
    this.locks = new StateLocks(
      this.#db,
      this.#clock,
      Math.max(1, options.lockLeaseSeconds ?? DEFAULT_LOCK_LEASE_SECONDS) *
        1000,
    );
    this.credentials = new StateCredentials(this.#db, this.#clock);
  }

  /** Decrypts a stored document; rows written before encryption are plaintext JSON. */
  #open(stored: string): string {
    return CredentialCipher.keyIdOf(stored) === undefined
      ? stored
      : this.#cipher.decrypt(stored);
  }

  /** The current state (newest version not archived), or undefined when there is none. */
  async getLatest(
    cluster: string,
  ): Promise<
    | { version: number; state: string; serial?: number; lineage?: string }
    | undefined
  > {
    const row = await this.#db<StateRow>(STATE_TABLE)
      .where({ cluster })
      .whereNull('archived_at')
      .orderBy('version', 'desc')
      .first('version', 'state', 'serial', 'lineage');
    if (!row) return undefined;
    return {
      version: Number(row.version),
      state: this.#open(row.state),
      serial: num(row.serial),
      lineage: row.lineage ?? undefined,
    };
  }

  /** One stored version's document, archived or not. */
  async getVersion(
    cluster: string,
    version: number,
  ): Promise<string | undefined> {
    const row = await this.#db<StateRow>(STATE_TABLE)
      .where({ cluster, version })
      .first('state');
    return row ? this.#open(row.state) : undefined;
  }

  /**
   * Stores a new current version and prunes current versions beyond the kept count. Refuses
   * (409) a document of another lineage than the current state, or of a lower serial, unless
   * `force` (a state admin's push).
   */
  async write(
    cluster: string,
    state: string,
    options: { force?: boolean; writtenBy?: string; taskId?: string } = {},
  ): Promise<number> {
    const meta = stateMeta(state);
    return this.#db.transaction(async tx => {
      const current = await tx<StateRow>(STATE_TABLE)
        .where({ cluster })
        .whereNull('archived_at')
        .orderBy('version', 'desc')
        .first('version', 'serial', 'lineage');
      if (current && !options.force) {
        const serial = num(current.serial);
        if (current.lineage && meta.lineage !== current.lineage) {
          throw new ConflictError(
            `Terraform state of cluster "${cluster}" has lineage ${
              current.lineage
            } (version ${current.version}); this write has lineage ${
              meta.lineage ?? '(none)'
            }. A state of another lineage is another state: refused. A kpaas.cluster.state.admin can restore a version (POST .../terraform/state/restore/:version) or push this document with POST .../terraform/state/push.`,
          );
        }
        if (serial !== undefined && (meta.serial ?? -1) < serial) {
          throw new ConflictError(
            `Terraform state of cluster "${cluster}" is at serial ${serial} (version ${
              current.version
            }); this write has serial ${
              meta.serial ?? '(none)'
            }, which would roll it back: refused. Run terraform against the current state, or have a kpaas.cluster.state.admin restore an older version (POST .../terraform/state/restore/:version).`,
          );
        }
      }
      return this.#insert(tx, cluster, state, meta, options);
    });
  }

  async #insert(
    tx: Knex.Transaction,
    cluster: string,
    state: string,
    meta: ReturnType<typeof stateMeta>,
    by: { writtenBy?: string; taskId?: string } = {},
  ): Promise<number> {
    // Numbers continue after archived versions, so an archived version keeps its number.
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
      state: this.#cipher.encrypt(state),
      size: Buffer.byteLength(state),
      resources: meta.resources ?? null,
      written_by: by.writtenBy ?? null,
      task_id: by.taskId ?? null,
      created_at: this.#clock(),
      archived_at: null,
    });
    const pruned = await tx(STATE_TABLE)
      .where({ cluster })
      .whereNull('archived_at')
      .orderBy('version', 'desc')
      .offset(this.#keepVersions)
      .select('version');
    if (pruned.length > 0) {
      await tx(STATE_TABLE)
        .where({ cluster })
        .whereIn(
          'version',
          pruned.map(r => r.version),
        )
        .delete();
    }
    return version;
  }

  /**
   * Makes a kept (or archived) version current again as a new version: same lineage, serial
   * one above the current state's so Terraform takes it as the newest. Returns the new version.
   */
  async restore(
    cluster: string,
    version: number,
    restoredBy?: string,
  ): Promise<{ version: number; serial: number }> {
    const document = await this.getVersion(cluster, version);
    if (document === undefined) {
      throw new NotFoundError(
        `Cluster "${cluster}" has no kept or archived state version ${version}`,
      );
    }
    return this.#db.transaction(async tx => {
      const current = await tx(STATE_TABLE)
        .where({ cluster })
        .whereNull('archived_at')
        .max({ serial: 'serial' })
        .first();
      const serial =
        Math.max(stateMeta(document).serial ?? 0, num(current?.serial) ?? 0) +
        1;
      const restored = withSerial(document, serial);
      const newVersion = await this.#insert(
        tx,
        cluster,
        restored,
        stateMeta(restored),
        { writtenBy: restoredBy && `restore of ${version} by ${restoredBy}` },
      );
      return { version: newVersion, serial };
    });
  }

  /** Archives the current versions (Terraform's DELETE): kept, no longer served. */
  async archiveState(cluster: string, db: Knex = this.#db): Promise<number> {
    return db(STATE_TABLE)
      .where({ cluster })
      .whereNull('archived_at')
      .update({ archived_at: this.#clock() });
  }

  /**
   * Cluster deletion: archives all of the cluster's state, revokes all its state credentials
   * and releases its lock, in one transaction. A new cluster of the same name starts empty.
   */
  async archiveCluster(
    cluster: string,
  ): Promise<{ archivedVersions: number; revokedCredentials: number }> {
    return this.#db.transaction(async tx => {
      const archivedVersions = await this.archiveState(cluster, tx);
      const revokedCredentials = await this.credentials.revokeAll(cluster, tx);
      await this.locks.unlock(cluster, undefined, tx);
      return { archivedVersions, revokedCredentials };
    });
  }

  /** Deletes archived versions archived more than `retentionDays` ago; returns how many. */
  async purgeArchived(cluster: string, retentionDays: number): Promise<number> {
    const cutoff = new Date(
      this.#clock().getTime() - retentionDays * 24 * 3_600_000,
    );
    return this.#db(STATE_TABLE)
      .where({ cluster })
      .whereNotNull('archived_at')
      .andWhere('archived_at', '<=', cutoff)
      .delete();
  }

  /** Current versions (newest first) and archived versions (newest first). */
  async listVersions(cluster: string): Promise<{
    current: TerraformStateVersion[];
    archived: TerraformStateVersion[];
  }> {
    const rows: StateRow[] = await this.#db(STATE_TABLE)
      .where({ cluster })
      .orderBy('version', 'desc')
      .select(META_COLUMNS);
    const versions = rows.map(toVersion);
    return {
      current: versions.filter(v => !v.archivedAt),
      archived: versions.filter(v => v.archivedAt),
    };
  }

  /**
   * How much current state a cluster has, for refusing a new order of a used name; undefined
   * when it has none, or when every current version was written by `ownTaskId` (the same order
   * retried).
   */
  async currentSummary(
    cluster: string,
    ownTaskId?: string,
  ): Promise<{ versions: number; lastWrittenAt: string } | undefined> {
    const { current } = await this.listVersions(cluster);
    if (current.length === 0) return undefined;
    if (ownTaskId && current.every(v => v.taskId === ownTaskId)) {
      return undefined;
    }
    return { versions: current.length, lastWrittenAt: current[0].createdAt };
  }

  /**
   * Encrypts rows still in plaintext (written before encryption at rest) and re-encrypts rows of
   * a previous key with the current one; fills in their size and resource count. Run at start.
   * Rows no configured key can decrypt are left as they are and named in `failed`.
   */
  async encryptStoredStates(): Promise<{ changed: number; failed: string[] }> {
    // Keys first, documents one at a time: old rows can be many and large.
    const rows: Array<Pick<StateRow, 'cluster' | 'version'>> = await this.#db(
      STATE_TABLE,
    )
      .where(q =>
        q
          .whereNot('state', 'like', `v1:${this.#cipher.currentKeyId}:%`)
          .orWhereNull('size'),
      )
      .select('cluster', 'version');
    const failed: string[] = [];
    for (const row of rows) {
      const stored = await this.#db(STATE_TABLE)
        .where({ cluster: row.cluster, version: row.version })
        .first('state');
      if (!stored) continue;
      let document: string;
      try {
        document = this.#open(stored.state);
      } catch (e) {
        failed.push(`${row.cluster} version ${row.version}: ${e}`);
        continue;
      }
      const meta = stateMeta(document);
      await this.#db(STATE_TABLE)
        .where({ cluster: row.cluster, version: row.version })
        .update({
          state: this.#cipher.encrypt(document),
          size: Buffer.byteLength(document),
          resources: meta.resources ?? null,
        });
    }
    return { changed: rows.length - failed.length, failed };
  }
}
