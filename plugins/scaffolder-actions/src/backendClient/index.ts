export { KpaasBackendClient } from './KpaasBackendClient';
export type {
  KpaasBackendClientOptions,
  TerraformStateAddresses,
  TerraformStateCredential,
} from './KpaasBackendClient';
export { readClusterInventory } from './readInventory';
