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

/**
 * Refuses a run that would remove machines: kpaas:provision only adds them (raise
 * spec.workers.count and the plan adds exactly the new workers). A lowered count names the
 * field and the remove-workers flow; other removals (a renamed cluster, fewer control planes)
 * name what cluster.yaml no longer lists.
 */
export function refuseRemovedMachines(
  spec: ClusterSpec,
  known: ReadonlyArray<KnownMachine>,
): void {
  const wanted = new Set(deriveInventory(spec).map(n => n.name));
  const gone = known.filter(m => !wanted.has(m.name));
  if (gone.length === 0) return;
  const problems: string[] = [];
  const goneWorkers = gone.filter(m => m.role === 'worker');
  const knownWorkers = known.filter(m => m.role === 'worker').length;
  if (goneWorkers.length > 0) {
    problems.push(
      `spec.workers.count is ${
        spec.spec.workers.count
      } but the cluster has ${knownWorkers} workers: lowering it would destroy ${goneWorkers
        .map(m => m.name)
        .join(
          ', ',
        )}, and kpaas:provision never removes machines. Set spec.workers.count back to ${knownWorkers}; to remove workers, drain and delete them with the remove-workers flow (a day-2 operation, not available yet)`,
    );
  }
  const goneOthers = gone.filter(m => m.role !== 'worker');
  const knownCps = known.filter(m => m.role === 'control-plane').length;
  if (goneOthers.some(m => m.role === 'control-plane')) {
    problems.push(
      `spec.controlPlane.count is ${spec.spec.controlPlane.count} but the cluster has ${knownCps} control-plane nodes; set it back to ${knownCps} (kpaas does not remove control planes)`,
    );
  }
  const unexplained = goneOthers.filter(m => m.role !== 'control-plane');
  if (unexplained.length > 0 || problems.length === 0) {
    problems.push(
      `cluster.yaml no longer lists ${gone
        .map(m => m.name)
        .join(
          ', ',
        )}, which exist; restore metadata.name and the counts they were created with`,
    );
  }
  throw new InputError(
    `kpaas:provision refused to run: the machines of cluster.yaml are fewer than the machines that exist, so nothing was run:\n${problems
      .map(p => `  - ${p}`)
      .join('\n')}`,
  );
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
