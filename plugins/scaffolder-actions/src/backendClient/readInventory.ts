import { InputError } from '@backstage/errors';
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import type { KpaasBackendClient } from './KpaasBackendClient';

/**
 * The cluster's machines as kpaas:provision stored them in kpaas-backend (its one home). Read by
 * kpaas:bootstrap and kpaas:addons by cluster name, after the run is authorized; `taskId` is the
 * run's task (until the cluster is registered only the order's task may read them).
 */
export async function readClusterInventory(
  client: KpaasBackendClient,
  cluster: string,
  options: { taskId?: string; signal?: AbortSignal; action: string },
): Promise<InventoryNode[]> {
  let inventory;
  try {
    inventory = await client.getInventory(
      cluster,
      options.taskId,
      options.signal,
    );
  } catch (e) {
    throw new Error(
      `${options.action}: could not read the machines of cluster "${cluster}" from kpaas-backend (GET /api/kpaas/clusters/${cluster}/inventory), so nothing was run: ${e}`,
    );
  }
  if (!inventory || inventory.nodes.length === 0) {
    throw new InputError(
      `${options.action}: cluster "${cluster}" has no machines in kpaas-backend; kpaas:provision records them (run it first: the kpaas-cluster and kpaas-cluster-apply templates do)`,
    );
  }
  return inventory.nodes;
}
