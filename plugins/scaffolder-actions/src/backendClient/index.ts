export { KpaasBackendClient } from './KpaasBackendClient';
export type {
  ClusterRecord,
  KpaasBackendClientOptions,
  TerraformStateAddresses,
  TerraformStateCredential,
} from './KpaasBackendClient';
