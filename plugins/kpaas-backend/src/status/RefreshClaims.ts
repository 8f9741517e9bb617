import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

const TABLE = 'kpaas_status_refresh';

/** A cluster this replica may refresh now, with its backoff so far. */
export interface RefreshClaim {
  cluster: string;
  /** Consecutive unreachable/stale refreshes before this one. */
  failures: number;
}

/** The shared refresh state of one cluster. */
export interface RefreshState {
  nextDueMs: number;
  failures: number;
  claimedBy?: string;
  claimExpiresMs?: number;
}

/**
 * Which replica refreshes which cluster (table kpaas_status_refresh), so that every cluster is
 * refreshed once per interval across all replicas and the work spreads over them:
 *  - a replica claims a due, unclaimed row atomically (one UPDATE; on PostgreSQL
 *    `FOR UPDATE SKIP LOCKED`, so concurrent claimers take different rows);
 *  - the claim carries a lease (`claimMs`, longer than one cluster's deadline): a replica that
 *    dies mid-refresh leaves a claim that expires, and the next replica takes the cluster over;
 *  - releasing sets when the cluster is due next (the interval, or the backoff of an
 *    unreachable cluster), so every replica agrees on the backoff too.
 * Time is the replicas' clock (as for the Terraform state locks).
 */
export class RefreshClaims {
  /** This replica in `claimed_by` (host, pid and a random part). */
  readonly replicaId: string;
  private readonly known = new Set<string>();
  private readonly skipLocked: boolean;

  constructor(
    private readonly db: Knex,
    private readonly options: {
      /** Lease of a claim; a dead replica's claim is taken over after it. */
      claimMs: number;
      clock?: () => number;
      replicaId?: string;
    },
  ) {
    this.replicaId =
      options.replicaId ??
      `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const client = String(db.client.config.client ?? '');
    this.skipLocked = client === 'pg' || client.includes('postgres');
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Adds rows (due now) for clusters this replica has not seen yet. */
  async ensure(clusters: string[]): Promise<void> {
    const missing = clusters.filter(c => !this.known.has(c));
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      await this.db(TABLE)
        .insert(
          chunk.map(cluster => ({ cluster, next_due_ms: 0, failures: 0 })),
        )
        .onConflict('cluster')
        .ignore();
    }
    for (const c of missing) this.known.add(c);
  }

  private unclaimed(q: Knex.QueryBuilder, now: number) {
    return q.andWhere(w =>
      w.whereNull('claim_expires_ms').orWhere('claim_expires_ms', '<=', now),
    );
  }

  /** Claims up to `limit` due, unclaimed clusters, earliest due first. */
  async claimDue(limit: number): Promise<RefreshClaim[]> {
    const now = this.now();
    const candidates = this.unclaimed(
      this.db(TABLE).select('cluster').where('next_due_ms', '<=', now),
      now,
    )
      .orderBy('next_due_ms')
      .limit(limit);
    if (this.skipLocked) candidates.forUpdate().skipLocked();
    // The conditions again on the row itself: a concurrent claimer may have taken it between
    // the sub-select and the update (PostgreSQL re-checks them on the locked row).
    const rows: Array<{ cluster: string; failures: number | string }> =
      await this.unclaimed(
        this.db(TABLE)
          .whereIn('cluster', candidates)
          .andWhere('next_due_ms', '<=', now),
        now,
      ).update(
        {
          claimed_by: this.replicaId,
          claim_expires_ms: now + this.options.claimMs,
        },
        ['cluster', 'failures'],
      );
    return rows.map(r => ({
      cluster: r.cluster,
      failures: Number(r.failures),
    }));
  }

  /**
   * Claims one cluster whether due or not (a manual refresh, a registration, a status never
   * computed); undefined while another replica holds an unexpired claim on it.
   */
  async claim(cluster: string): Promise<RefreshClaim | undefined> {
    await this.ensure([cluster]);
    const now = this.now();
    const rows: Array<{ failures: number | string }> = await this.unclaimed(
      this.db(TABLE).where({ cluster }),
      now,
    ).update(
      {
        claimed_by: this.replicaId,
        claim_expires_ms: now + this.options.claimMs,
      },
      ['failures'],
    );
    if (rows.length === 0) {
      // Deleted meanwhile (forget): the next ensure adds it again.
      if (!(await this.state(cluster))) this.known.delete(cluster);
      return undefined;
    }
    return { cluster, failures: Number(rows[0].failures) };
  }

  /**
   * Extends this replica's claim by one lease (a replica watching the cluster holds it for as
   * long as it watches), optionally setting when its polled parts are due next; the due time,
   * or undefined when the claim was lost (expired and taken, or the cluster was deleted).
   */
  async renew(
    cluster: string,
    nextDueMs?: number,
  ): Promise<{ nextDueMs: number } | undefined> {
    const rows: Array<{ next_due_ms: number | string }> = await this.db(TABLE)
      .where({ cluster, claimed_by: this.replicaId })
      .update(
        {
          claim_expires_ms: this.now() + this.options.claimMs,
          ...(nextDueMs === undefined ? {} : { next_due_ms: nextDueMs }),
        },
        ['next_due_ms'],
      );
    return rows.length ? { nextDueMs: Number(rows[0].next_due_ms) } : undefined;
  }

  /** Ends this replica's claim: due again at `nextDueMs`, with the backoff count. */
  async release(
    cluster: string,
    nextDueMs: number,
    failures: number,
  ): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({ cluster, claimed_by: this.replicaId })
      .update({
        claimed_by: null,
        claim_expires_ms: null,
        next_due_ms: nextDueMs,
        failures,
      });
    return updated > 0;
  }

  /** The shared state of a cluster (diagnostics, tests, waiting for another replica). */
  async state(cluster: string): Promise<RefreshState | undefined> {
    const row = await this.db(TABLE).where({ cluster }).first();
    if (!row) return undefined;
    return {
      nextDueMs: Number(row.next_due_ms),
      failures: Number(row.failures),
      claimedBy: row.claimed_by ?? undefined,
      claimExpiresMs:
        row.claim_expires_ms === null
          ? undefined
          : Number(row.claim_expires_ms),
    };
  }

  /** True while a replica holds an unexpired claim on the cluster. */
  async isClaimed(cluster: string): Promise<boolean> {
    const state = await this.state(cluster);
    return (
      state?.claimedBy !== undefined && (state.claimExpiresMs ?? 0) > this.now()
    );
  }

  /** Drops a deleted cluster's row. */
  async forget(cluster: string): Promise<void> {
    await this.db(TABLE).where({ cluster }).delete();
    this.known.delete(cluster);
  }
}
