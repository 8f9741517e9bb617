/**
 * Response types of the kpaas-backend REST API (`/api/kpaas`). The frontend, the scaffolder
 * actions and the backend all use these, so a change here is a change to the contract.
 */

/** @public */
export type ClusterHealthState =
  | 'Healthy'
  | 'Degraded'
  | 'Unreachable'
  | 'Provisioning';

/** `GET /api/kpaas/health` @public */
export interface KpaasHealthResponse {
  status: 'ok';
}

/** One entry of the provisioning timeline. @public */
export interface TimelineEntry {
  id: number;
  cluster: string;
  /** provision, bootstrap or addons */
  phase: string;
  /** e.g. `init`, `plan`, `apply`, `preflight`, `install:metallb` */
  step: string;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt: string;
  finishedAt?: string;
  summary?: string;
  taskId?: string;
}
