import type { LoggerService } from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/config';
import type {
  ClusterEndpoints,
  ClusterSpec,
  InventoryNode,
} from '@internal/plugin-kpaas-common';
import type { ClusterRepo } from '../core/loadClusterRepo';
import type { PhaseSettings } from './phase';
import type { PlanSummary } from './planSummary';
import type { RunRecorder } from '../core/runRecorder';

export type ProvisionMode = 'plan' | 'apply' | 'destroy';

/**
 * Versioned checkpoint key of one provision step, one naming scheme for every target:
 * `kpaas.provision.v2.<step>.<cluster>`. A re-run of the same task skips a step that finished
 * and continues with the next one.
 */
export function checkpointKey(
  step:
    | 'terraform-apply'
    | 'terraform-destroy'
    | 'vagrant-up'
    | 'vagrant-destroy',
  cluster: string,
): string {
  return `kpaas.provision.v2.${step}.${cluster}`;
}

/** One run of kpaas:provision, as each target's provisioner sees it. */
export interface ProvisionRun {
  repo: ClusterRepo;
  spec: ClusterSpec;
  cluster: string;
  mode: ProvisionMode;
  /** The task workspace (for folder names in messages). */
  workspacePath: string;
  taskId?: string;
  /** kakao-cloud credential, SSH key, passphrase: from ctx.secrets only. */
  secrets: Record<string, string | undefined>;
  /** The task's secrets masked in log lines and error tails, the steps on the timeline. */
  recorder: RunRecorder;
  logger: LoggerService;
  phases: PhaseSettings;
  /** ctx.checkpoint: a step that finished in an earlier attempt of the task is not run again. */
  checkpoint<T extends JsonObject>(options: {
    key: string;
    fn: () => Promise<T>;
  }): Promise<T>;
}

/** What every provisioner hands back to the action's outputs. */
export interface ProvisionResult {
  inventory: InventoryNode[];
  endpoints: ClusterEndpoints;
  planSummary?: PlanSummary;
}
