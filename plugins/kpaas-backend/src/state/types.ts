import type { StoredLock } from './locks';
import type { TerraformStateVersion } from './TerraformStateStore';

/** Body of `POST /api/kpaas/clusters/:name/terraform/credentials`. @public */
export interface TerraformStateCredentialsRequest {
  /** Lifetime in minutes (1-1440); default 720. */
  ttlMinutes?: number;
  /**
   * A new order: refused (409) when the name already has current state that credentials of
   * another task (than `taskId`) wrote, so a new cluster never inherits another's state while a
   * retried order continues its own.
   */
  newCluster?: boolean;
  /** The scaffolder task the credential is for; recorded and shown in the lock info. */
  taskId?: string;
}

/**
 * Response of `POST /api/kpaas/clusters/:name/terraform/credentials`: HTTP basic auth for the
 * state routes. The password is returned only here; kpaas stores its SHA-256.
 * @public
 */
export interface TerraformStateCredentialsResponse {
  username: string;
  password: string;
  expiresAt: string;
}

/** `GET /api/kpaas/clusters/:name/terraform/state/versions` @public */
export interface TerraformStateVersionsResponse {
  /** Kept current versions, newest first (the first is the state Terraform gets). */
  items: TerraformStateVersion[];
  /** Archived versions (DELETE, cluster deletion), newest first; restorable by a state admin. */
  archived: TerraformStateVersion[];
  /** The lock, while one is held (`expired`: its lease ran out; the next LOCK takes it). */
  lock?: Omit<StoredLock, 'lockId'>;
}

/** Response of `POST /api/kpaas/clusters/:name/terraform/state/lock/renew`. @public */
export type TerraformLockRenewResponse =
  | { renewed: true; lockId: string; expiresAt: string }
  | { renewed: false };

/** Response of `POST /api/kpaas/clusters/:name/terraform/state/restore/:version`. @public */
export interface TerraformStateRestoreResponse {
  /** The new current version. */
  version: number;
  /** Its serial (above the previous current serial). */
  serial: number;
  restoredFrom: number;
}
