import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  deriveInventory,
  deriveTargetMachineConfig,
} from '@internal/plugin-kpaas-common';

/**
 * Writes what the target's tool reads (Terraform's cluster.auto.tfvars.json, the Vagrantfile's
 * vagrant.json) into its folder, derived from cluster.yaml on every run: cluster.yaml is the only
 * input, a hand edit of the file is overwritten (the module folders git-ignore it). Returns the
 * file written, or undefined for targets without a tool.
 */
export function writeMachineConfig(
  spec: ClusterSpec,
  toolDir: string,
): string | undefined {
  const config = deriveTargetMachineConfig(spec);
  if (config.tool === 'none') return undefined;
  const file = path.join(toolDir, config.file);
  fs.writeFileSync(file, `${JSON.stringify(config.values, null, 2)}\n`);
  return file;
}

/** A machine the tool's state knows (from the `nodes` output). */
export interface KnownMachine {
  name: string;
  role: string;
}

/** What the run knows about the workers that leave (for {@link refuseRemovedMachines}). */
export interface RemovedMachinesContext {
  /** plan: for review, the workers that leave are shown; apply: they must be gone already. */
  mode: 'plan' | 'apply';
  /**
   * Names of the cluster's nodes in its inventory in kpaas-backend (kpaas:remove-nodes takes
   * a node out once it is drained, deleted and reset); undefined when none is stored.
   */
  inventoryNames?: ReadonlySet<string>;
}

/**
 * Checks the machines a run would remove and returns the ones it may destroy: only workers
 * cluster.yaml no longer lists (a lowered spec.workers.count, the newest first), and in apply
 * mode only once kpaas:remove-nodes took them out of the cluster (drained, deleted from the API,
 * reset, gone from the stored inventory). Fewer control planes, a renamed cluster and workers
 * still in the cluster are refused, naming the field and the way out.
 */
export function refuseRemovedMachines(
  spec: ClusterSpec,
  known: ReadonlyArray<KnownMachine>,
  context: RemovedMachinesContext = { mode: 'plan' },
): string[] {
  const wanted = new Set(deriveInventory(spec).map(n => n.name));
  const gone = known.filter(m => !wanted.has(m.name));
  if (gone.length === 0) return [];
  const problems: string[] = [];
  const goneWorkers = gone.filter(m => m.role === 'worker');
  const knownWorkers = known.filter(m => m.role === 'worker').length;
  if (goneWorkers.length > 0 && context.mode === 'apply') {
    const inCluster = goneWorkers.filter(
      m => !context.inventoryNames || context.inventoryNames.has(m.name),
    );
    if (inCluster.length > 0) {
      problems.push(
        `spec.workers.count is ${
          spec.spec.workers.count
        } but the cluster has ${knownWorkers} workers: ${inCluster
          .map(m => m.name)
          .join(', ')} ${
          context.inventoryNames
            ? 'are still nodes of the cluster (its inventory in kpaas-backend lists them)'
            : 'may still be nodes of the cluster (kpaas-backend has no inventory of it)'
        }, and Terraform destroys a machine only after kpaas:remove-nodes drained it, deleted it from the API, reset it and took it out of the inventory. Run kpaas:remove-nodes first (the kpaas-cluster-apply template runs it before provision), or set spec.workers.count back to ${knownWorkers}`,
      );
    }
  }
  const goneOthers = gone.filter(m => m.role !== 'worker');
  const knownCps = known.filter(m => m.role === 'control-plane').length;
  if (goneOthers.some(m => m.role === 'control-plane')) {
    problems.push(
      `spec.controlPlane.count is ${spec.spec.controlPlane.count} but the cluster has ${knownCps} control-plane nodes; set it back to ${knownCps} (kpaas does not remove control planes)`,
    );
  }
  const unexplained = goneOthers.filter(m => m.role !== 'control-plane');
  if (unexplained.length > 0) {
    problems.push(
      `cluster.yaml no longer lists ${gone
        .map(m => m.name)
        .join(
          ', ',
        )}, which exist; restore metadata.name and the counts they were created with`,
    );
  }
  if (problems.length > 0) {
    throw new InputError(
      `kpaas:provision refused to run: the machines of cluster.yaml are fewer than the machines that exist, so nothing was run:\n${problems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
  }
  return goneWorkers.map(m => m.name);
}

/** The machines of a Terraform state document (`outputs.nodes`), or none before the first apply. */
export function machinesOfState(stateJson: string): KnownMachine[] {
  if (!stateJson.trim()) return [];
  let state: { outputs?: { nodes?: { value?: unknown } } };
  try {
    state = JSON.parse(stateJson);
  } catch (e) {
    throw new Error(`the stored Terraform state is not JSON: ${e}`);
  }
  const nodes = state.outputs?.nodes?.value;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap(n =>
    n && typeof n.name === 'string' && typeof n.role === 'string'
      ? [{ name: n.name, role: n.role }]
      : [],
  );
}
