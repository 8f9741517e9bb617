export { createStateRouter, terraformStateAuthPolicy } from './router';
export type { StateRouterOptions } from './router';
export {
  createTerraformStateStore,
  DEFAULT_MAX_BODY_MEGABYTES,
  readStateConfig,
} from './config';
export type { StateConfig } from './config';
export {
  DEFAULT_ARCHIVE_RETENTION_DAYS,
  DEFAULT_KEEP_STATE_VERSIONS,
  TerraformStateStore,
} from './TerraformStateStore';
export type {
  TerraformStateStoreOptions,
  TerraformStateVersion,
} from './TerraformStateStore';
export { DEFAULT_LOCK_LEASE_SECONDS } from './locks';
export type {
  LockHolder,
  LockResult,
  StoredLock,
  TerraformLockInfo,
} from './locks';
export type { IssuedStateCredential, StateCredential } from './credentials';
export type {
  TerraformLockRenewResponse,
  TerraformStateCredentialsRequest,
  TerraformStateCredentialsResponse,
  TerraformStateRestoreResponse,
  TerraformStateVersionsResponse,
} from './types';
