export { createStateRouter, terraformStateAuthPolicy } from './router';
export type { StateRouterOptions } from './router';
export {
  DEFAULT_KEEP_STATE_VERSIONS,
  TerraformStateStore,
} from './TerraformStateStore';
export type {
  IssuedStateCredential,
  LockResult,
  TerraformLockInfo,
  TerraformStateVersion,
} from './TerraformStateStore';
export type {
  TerraformStateCredentialsRequest,
  TerraformStateCredentialsResponse,
  TerraformStateVersionsResponse,
} from './types';
