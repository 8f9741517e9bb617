import type { Knex } from 'knex';
import type { RetiredCluster } from '@internal/plugin-kpaas-common';

const TABLE = 'kpaas_retired_clusters';

interface Row {
  id: number;
  cluster: string;
  registration: string;
  inventory: string | null;
  task_id: string | null;
  retired_by: string | null;
  retired_at: string | Date;
}

/**
 * Retired clusters' registrations (kpaas_retired_clusters), written in the transaction that
 * deletes the live entry, so a retirement is either recorded and done or neither.
 */
export class RetiredClusters {
  constructor(private readonly db: Knex) {}

  async add(
    entry: Omit<RetiredCluster, 'retiredAt'>,
    tx: Knex = this.db,
  ): Promise<RetiredCluster> {
    const retiredAt = new Date().toISOString();
    await tx(TABLE).insert({
      cluster: entry.cluster,
      registration: JSON.stringify(entry.registration),
      inventory: entry.inventory ? JSON.stringify(entry.inventory) : null,
      task_id: entry.taskId ?? null,
      retired_by: entry.retiredBy ?? null,
      retired_at: retiredAt,
    });
    return { ...entry, retiredAt };
  }

  /** Every retirement of clusters of this name, newest first. */
  async list(cluster: string): Promise<RetiredCluster[]> {
    const rows: Row[] = await this.db(TABLE)
      .where({ cluster })
      .orderBy('id', 'desc');
    return rows.map(row => ({
      cluster: row.cluster,
      registration: JSON.parse(row.registration),
      inventory: row.inventory ? JSON.parse(row.inventory) : undefined,
      taskId: row.task_id ?? undefined,
      retiredBy: row.retired_by ?? undefined,
      retiredAt: new Date(row.retired_at).toISOString(),
    }));
  }
}
