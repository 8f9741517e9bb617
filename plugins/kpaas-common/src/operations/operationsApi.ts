import type { BackupStatus } from './backupStatus';
import type { ExpiryItem } from './expiry';
import type { NodeSkew, VersionSupport } from './versionPolicy';

/** `GET /api/kpaas/clusters/:name/operations` (kpaas.cluster.read). @public */
export interface ClusterOperationsResponse {
  cluster: string;
  checkedAt: string;
  backup: BackupStatus;
  /** Soonest first. */
  expiries: ExpiryItem[];
  /** The running Kubernetes version (the API server's) against upstream support. */
  version?: VersionSupport;
  /** Every node's kubelet against the API server. */
  skew: NodeSkew[];
  /** Sources that could not be read this time, each with why (the rest is still reported). */
  unavailable: string[];
}
