import type {
  TerraformLockInfo,
  TerraformStateVersion,
} from './TerraformStateStore';

/** Body of `POST /api/kpaas/clusters/:name/terraform/credentials`. @public */
export interface TerraformStateCredentialsRequest {
  /** Lifetime in minutes (1-1440); default 720. */
  ttlMinutes?: number;
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
  /** Kept versions, newest first. */
  items: TerraformStateVersion[];
  /** The lock, while one is held. */
  lock?: { info: TerraformLockInfo; lockedAt: string };
}
