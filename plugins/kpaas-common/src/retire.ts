import type { ClusterRegistration } from './api';
import type { InventoryNode } from './inventory';

/** Body of `POST /api/kpaas/clusters/:name/retire`. @public */
export interface RetireClusterRequest {
  /** The cluster's name typed again: must equal `:name`. */
  confirm: string;
  /** Scaffolder task that retires it (kpaas:retire). */
  taskId?: string;
}

/** One retirement, kept for the record (`GET /api/kpaas/clusters/:name/retired`). @public */
export interface RetiredCluster {
  cluster: string;
  /** The registration as it was (no credential; the CA only as its fingerprint). */
  registration: ClusterRegistration;
  /** The machines it had. */
  inventory?: InventoryNode[];
  taskId?: string;
  /** User entity ref of whoever retired it (when a user called the route). */
  retiredBy?: string;
  retiredAt: string;
}

/** Answer of `POST /api/kpaas/clusters/:name/retire`. @public */
export interface RetireClusterResponse {
  retired: RetiredCluster;
  /** Terraform state versions archived (kept, no longer the name's state). */
  archivedStateVersions: number;
  /** Timeline entries archived. */
  archivedTimelineEntries: number;
}
