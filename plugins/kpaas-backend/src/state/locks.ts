import type { Knex } from 'knex';
import { toIso, toMillis } from './dates';

const LOCK_TABLE = 'kpaas_terraform_lock';

/** Default lease of a state lock: renewed by the running action, expired when it died. */
export const DEFAULT_LOCK_LEASE_SECONDS = 300;

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

/** Who takes a lock: the state credential Terraform presented. @public */
export interface LockHolder {
  /** Credential username. */
  username?: string;
  /** Who was issued the credential (user entity ref or service subject). */
  principal?: string;
  /** The scaffolder task the credential was issued for. */
  taskId?: string;
}

/** A held (or expired but not yet taken over) lock. @public */
export interface StoredLock extends LockHolder {
  lockId: string;
  info: TerraformLockInfo;
  lockedAt: string;
  /** End of the lease; after it the next LOCK takes the lock over. */
  expiresAt: string;
  expired: boolean;
}

/** Result of a lock or unlock attempt. @public */
export type LockResult =
  | { ok: true }
  | { ok: false; holder: TerraformLockInfo; lockedAt: string };

/**
 * The Terraform state locks (table kpaas_terraform_lock), at most one per cluster, each with a
 * lease: a lock whose lease ran out (the run that held it died with the backend) is free for
 * the next locker. The running action renews the lease ({@link StateLocks.renew}); every state
 * write under the lock renews it too.
 */
export class StateLocks {
  constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
    private readonly leaseMs: number,
  ) {}

  private leaseEnd(): Date {
    return new Date(this.clock().getTime() + this.leaseMs);
  }

  /** The lock row of a cluster, expired or not. */
  async get(cluster: string): Promise<StoredLock | undefined> {
    const row = await this.db(LOCK_TABLE).where({ cluster }).first();
    if (!row) return undefined;
    const expiresAt = row.expires_at === null ? 0 : toMillis(row.expires_at);
    return {
      lockId: row.lock_id,
      info: JSON.parse(row.info),
      lockedAt: toIso(row.created_at),
      expiresAt: new Date(expiresAt).toISOString(),
      expired: expiresAt <= this.clock().getTime(),
      username: row.username ?? undefined,
      principal: row.principal ?? undefined,
      taskId: row.task_id ?? undefined,
    };
  }

  /** The lock of a cluster while its lease runs. */
  async getActive(cluster: string): Promise<StoredLock | undefined> {
    const lock = await this.get(cluster);
    return lock && !lock.expired ? lock : undefined;
  }

  /**
   * Takes the lock unless another ID holds an unexpired lease. Relocking with the ID that holds
   * it succeeds and renews the lease (Terraform retries a LOCK whose response got lost).
   */
  async lock(
    cluster: string,
    info: TerraformLockInfo,
    holder: LockHolder = {},
  ): Promise<LockResult> {
    // An expired lease frees the lock: drop it (only if it is still the expired one).
    await this.db(LOCK_TABLE)
      .where({ cluster })
      .whereNot({ lock_id: info.ID })
      .andWhere(q =>
        q.whereNull('expires_at').orWhere('expires_at', '<=', this.clock()),
      )
      .delete();
    // The primary key on `cluster` makes this atomic on SQLite and PostgreSQL alike.
    await this.db(LOCK_TABLE)
      .insert({
        cluster,
        lock_id: info.ID,
        info: JSON.stringify(info),
        username: holder.username ?? null,
        principal: holder.principal ?? null,
        task_id: holder.taskId ?? null,
        created_at: this.clock(),
        expires_at: this.leaseEnd(),
      })
      .onConflict('cluster')
      .ignore();
    const current = await this.get(cluster);
    if (!current) return this.lock(cluster, info, holder); // released in between
    if (current.lockId === info.ID) {
      await this.renew(cluster, { lockId: info.ID });
      return { ok: true };
    }
    if (current.expired) return this.lock(cluster, info, holder); // expired in between
    return { ok: false, holder: current.info, lockedAt: current.lockedAt };
  }

  /**
   * Releases the lock: with `lockId` only when that ID holds it; without (force-unlock) always.
   * Unlocking a cluster that is not locked succeeds.
   */
  async unlock(
    cluster: string,
    lockId?: string,
    db: Knex = this.db,
  ): Promise<LockResult> {
    if (lockId === undefined) {
      await db(LOCK_TABLE).where({ cluster }).delete();
      return { ok: true };
    }
    const deleted = await db(LOCK_TABLE)
      .where({ cluster, lock_id: lockId })
      .delete();
    if (deleted > 0) return { ok: true };
    const current = await this.get(cluster);
    if (!current) return { ok: true };
    return { ok: false, holder: current.info, lockedAt: current.lockedAt };
  }

  /**
   * Extends the lease of the lock held with `lockId` or by credential `username`; undefined when
   * no such lock is held (not locked yet, released, or taken over after it expired).
   */
  async renew(
    cluster: string,
    by: { lockId?: string; username?: string },
  ): Promise<{ lockId: string; expiresAt: string } | undefined> {
    if (by.lockId === undefined && by.username === undefined) return undefined;
    const where: Record<string, string> = { cluster };
    if (by.lockId !== undefined) where.lock_id = by.lockId;
    if (by.username !== undefined) where.username = by.username;
    const expiresAt = this.leaseEnd();
    const updated = await this.db(LOCK_TABLE)
      .where(where)
      .update({ expires_at: expiresAt });
    if (updated === 0) return undefined;
    const lock = await this.get(cluster);
    return lock
      ? { lockId: lock.lockId, expiresAt: lock.expiresAt }
      : undefined;
  }
}
