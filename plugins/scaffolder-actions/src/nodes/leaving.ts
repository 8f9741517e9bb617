import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  deriveInventory,
  InventoryNode,
} from '@internal/plugin-kpaas-common';

/**
 * The nodes a scale-down removes: the cluster's nodes in its stored inventory that cluster.yaml
 * no longer lists, newest first (the inventory keeps the order the machines were added in).
 * On machine-creating targets that is the highest-numbered workers of a lowered
 * spec.workers.count; on `existing` targets the worker hosts taken out of spec.target.hosts
 * (the hosts chosen by whoever edited the list). Refuses, naming the field, a change that would
 * remove a control plane or a load balancer, or leave no worker: the control planes are tainted
 * NoSchedule and run no workloads.
 */
export function nodesLeaving(
  spec: ClusterSpec,
  inventory: ReadonlyArray<InventoryNode>,
): InventoryNode[] {
  const wanted = new Set(deriveInventory(spec).map(n => n.name));
  const gone = inventory.filter(n => !wanted.has(n.name));
  const notWorkers = gone.filter(n => n.role !== 'worker');
  if (notWorkers.length > 0) {
    throw new InputError(
      `kpaas:remove-nodes removes workers only, but cluster.yaml no longer lists ${notWorkers
        .map(n => `${n.name} (${n.role})`)
        .join(
          ', ',
        )}; restore spec.controlPlane.count (or the hosts of spec.target.hosts) and metadata.name, kpaas does not remove control planes or load balancers`,
    );
  }
  const remaining = inventory.filter(
    n => n.role === 'worker' && wanted.has(n.name),
  );
  if (gone.length > 0 && remaining.length === 0) {
    throw new InputError(
      `spec.workers.count: removing ${[...gone]
        .reverse()
        .map(n => n.name)
        .join(', ')} would leave cluster "${
        spec.metadata.name
      }" with its control planes only, which are tainted NoSchedule, so no workload or add-on could run; keep at least 1 worker`,
    );
  }
  return [...gone].reverse();
}
