import { ConflictError, InputError } from '@backstage/errors';
import type {
  ClusterInventory,
  InventoryNode,
  NodeHostKey,
} from '@internal/plugin-kpaas-common';
import type { Knex } from 'knex';
import { toIso } from '../state/dates';

const TABLE = 'kpaas_cluster_inventory';

/** Who writes or reads: the task, and whether kpaas has registered the cluster yet. */
export interface InventoryCaller {
  taskId?: string;
  /** True once the cluster is registered; until then the inventory is its order's task's. */
  registered: boolean;
}

interface Row {
  cluster: string;
  nodes: string;
  task_id: string | null;
  updated_at: unknown;
}

function toInventory(row: Row): ClusterInventory {
  return {
    cluster: row.cluster,
    nodes: JSON.parse(row.nodes) as InventoryNode[],
    ...(row.task_id ? { taskId: row.task_id } : {}),
    updatedAt: toIso(row.updated_at),
  };
}

/** The node kept its identity (name, address, port): its recorded host key still applies. */
function sameMachine(a: InventoryNode, b: InventoryNode): boolean {
  return a.name === b.name && a.address === b.address && a.port === b.port;
}

/**
 * The machines of each cluster (table kpaas_cluster_inventory). The trust rule of the Terraform
 * state applies: until the cluster is registered, its inventory is the order's task's alone, so
 * no other task can point a bootstrap at other machines or read where they are.
 */
export class InventoryStore {
  constructor(
    private readonly db: Knex,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The inventory, or undefined when there is none; 409 for another task before registration. */
  async get(
    cluster: string,
    caller: InventoryCaller,
  ): Promise<ClusterInventory | undefined> {
    const row: Row | undefined = await this.db(TABLE)
      .where({ cluster })
      .first();
    if (!row) return undefined;
    this.#assertOwner(row, caller, 'read');
    return toInventory(row);
  }

  /**
   * Replaces the machines. A node that is the same machine as before (name, address, port)
   * keeps the host key bootstrap recorded unless the request names one.
   */
  async put(
    cluster: string,
    nodes: InventoryNode[],
    caller: InventoryCaller,
  ): Promise<{ inventory: ClusterInventory; created: boolean }> {
    return this.db.transaction(async tx => {
      const row: Row | undefined = await tx(TABLE)
        .where({ cluster })
        .forUpdate()
        .first();
      const now = this.clock();
      if (row) this.#assertOwner(row, caller, 'write');
      const before = row ? (JSON.parse(row.nodes) as InventoryNode[]) : [];
      const merged = nodes.map(n => {
        const old = before.find(b => sameMachine(b, n));
        return n.hostKeyFingerprint || !old?.hostKeyFingerprint
          ? n
          : { ...n, hostKeyFingerprint: old.hostKeyFingerprint };
      });
      const values = {
        nodes: JSON.stringify(merged),
        task_id: caller.taskId ?? null,
        updated_at: now,
      };
      if (row) await tx(TABLE).where({ cluster }).update(values);
      else await tx(TABLE).insert({ cluster, ...values, created_at: now });
      return {
        inventory: toInventory({ cluster, ...values }),
        created: !row,
      };
    });
  }

  /**
   * Records verified host keys on the named nodes. A node that already has another key is
   * refused (409): a changed host key is never recorded silently.
   */
  async recordHostKeys(
    cluster: string,
    hostKeys: NodeHostKey[],
    caller: InventoryCaller,
  ): Promise<ClusterInventory | undefined> {
    return this.db.transaction(async tx => {
      const row: Row | undefined = await tx(TABLE)
        .where({ cluster })
        .forUpdate()
        .first();
      if (!row) return undefined;
      this.#assertOwner(row, caller, 'write');
      const nodes = JSON.parse(row.nodes) as InventoryNode[];
      const unknown = hostKeys.filter(k => !nodes.some(n => n.name === k.name));
      if (unknown.length) {
        throw new InputError(
          `hostKeys: ${unknown
            .map(k => `"${k.name}"`)
            .join(
              ', ',
            )} is not a node of cluster "${cluster}"; record keys only for nodes of its inventory`,
        );
      }
      const changed = hostKeys.filter(k => {
        const node = nodes.find(n => n.name === k.name)!;
        return (
          node.hostKeyFingerprint && node.hostKeyFingerprint !== k.fingerprint
        );
      });
      if (changed.length) {
        throw new ConflictError(
          `host key of ${changed
            .map(k => k.name)
            .join(
              ', ',
            )} in cluster "${cluster}" differs from the recorded one; a changed key is not recorded. If the machine was rebuilt, provision it again (its new address or a new inventory clears the key)`,
        );
      }
      const updated = nodes.map(n => {
        const key = hostKeys.find(k => k.name === n.name);
        return key ? { ...n, hostKeyFingerprint: key.fingerprint } : n;
      });
      const values = {
        nodes: JSON.stringify(updated),
        updated_at: this.clock(),
      };
      await tx(TABLE).where({ cluster }).update(values);
      return toInventory({ ...row, ...values });
    });
  }

  /** Forgets a cluster's machines (the cluster was deleted). */
  async delete(cluster: string): Promise<void> {
    await this.db(TABLE).where({ cluster }).delete();
  }

  #assertOwner(row: Row, caller: InventoryCaller, what: 'read' | 'write') {
    if (caller.registered || !row.task_id || row.task_id === caller.taskId) {
      return;
    }
    throw new ConflictError(
      `cluster "${row.cluster}" is not registered yet and its inventory belongs to the order that is creating it (task ${row.task_id}); only that task may ${what} it. Retry that order's task, or wait until it has registered the cluster and then run the apply template on its repository`,
    );
  }
}
