import type {
  ClusterSpec,
  DerivedEndpoints,
  InventoryNode,
} from '@internal/plugin-kpaas-common';
import type { ClusterRunDecision } from '../access/authorizeClusterRun';
import type { KpaasBackendClient } from '../backendClient';
import type { PhaseTiming, RunRecorder } from '../core/runRecorder';
import type {
  ExecOptions,
  ExecResult,
  SshNodeSession,
  StepLogger,
} from '../ssh';
import type { NodeDownloads, readNodeDownloads } from './downloads';
import type { ReadyNode } from './kube';

export interface BootstrapInput {
  repoPath: string;
  sshUser: string;
  knownHosts?: string;
  /** Default: true for machines kpaas created (every target but `existing`). */
  trustOnFirstUse?: boolean;
  /** Nodes worked on at once; default: chosen per run (chooseBootstrapConcurrency, concurrency.ts) */
  concurrency?: number;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  nodeReadyTimeoutSeconds: number;
}

export interface BootstrapOutput {
  apiServerUrl: string;
  clusterName: string;
  nodes: ReadyNode[];
  hostKeys: Array<{ name: string; fingerprint: string }>;
  phaseTimings: PhaseTiming[];
}

/** What kpaas:bootstrap gets from the scaffolder and the module. */
export interface BootstrapContext {
  input: BootstrapInput;
  workspacePath: string;
  secrets?: Record<string, string>;
  logger: StepLogger;
  signal?: AbortSignal;
  isDryRun?: boolean;
  taskId?: string;
  checkpoint<T>(opts: { key: string; fn: () => Promise<T> }): Promise<T>;
  /** kpaas-backend: inventory, registration and timeline. */
  client: KpaasBackendClient;
  /**
   * The initiator's permission and the cluster's repository (ClusterRunGuard), checked once
   * cluster.yaml is read and before the inventory is read or any node is contacted.
   */
  authorize(cluster: string): Promise<ClusterRunDecision>;
  /** The node scripts' pinned downloads (readNodeDownloads), checked in loadPlan. */
  downloads: ReturnType<typeof readNodeDownloads>;
}

/** The context once the run has chosen its concurrency: what the phases read. */
export type BootstrapRunContext = BootstrapContext & {
  input: BootstrapInput & { concurrency: number };
};

/** The cluster's machines by role, control planes first. */
export interface ClusterNodes {
  all: InventoryNode[];
  firstCp: InventoryNode;
  otherCps: InventoryNode[];
  controlPlanes: InventoryNode[];
  workers: InventoryNode[];
  lbs: InventoryNode[];
  /** The nodes that become Kubernetes nodes (control planes and workers). */
  k8s: InventoryNode[];
}

export function clusterNodes(inventory: InventoryNode[]): ClusterNodes {
  const byRole = (role: InventoryNode['role']) =>
    inventory.filter(n => n.role === role);
  const controlPlanes = byRole('control-plane');
  const [firstCp, ...otherCps] = controlPlanes;
  const workers = byRole('worker');
  return {
    all: inventory,
    firstCp,
    otherCps,
    controlPlanes,
    workers,
    lbs: byRole('lb'),
    k8s: [...controlPlanes, ...workers],
  };
}

/** One connected bootstrap run, as each phase function sees it. */
export interface BootstrapRun {
  ctx: BootstrapRunContext;
  spec: ClusterSpec;
  endpoints: DerivedEndpoints;
  apiServerUrl: string;
  nodes: ClusterNodes;
  /** Masker, masked logger, phase timings and timeline. */
  recorder: RunRecorder;
  downloads: NodeDownloads;
  privateKey: string;
  session(node: InventoryNode): SshNodeSession;
  /** `bash <the node's script dir>/<name>`. */
  script(session: SshNodeSession, name: string): string;
  /** Runs one named step on a node and logs how long it took. */
  step(
    session: SshNodeSession,
    name: string,
    command: string,
    options?: ExecOptions,
  ): Promise<ExecResult>;
}

/**
 * Versioned checkpoint key of one bootstrap step: `kpaas.bootstrap.v2.<step>.<cluster>`, the
 * scheme kpaas:provision uses. A re-run of the same task skips a step that finished.
 */
export function checkpointKey(
  step: 'kubeadm-init' | 'kpaas-cp' | 'register',
  cluster: string,
): string {
  return `kpaas.bootstrap.v2.${step}.${cluster}`;
}
