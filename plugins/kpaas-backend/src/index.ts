/**
 * kpaas backend plugin: cluster registry, status API and provisioning timeline.
 *
 * @packageDocumentation
 */
export { kpaasPlugin as default } from './plugin';
export { kpaasKubernetesModule } from './kubernetesModule';
export { kpaasClusterDirectoryServiceRef } from './clusterDirectory';
export type { KpaasClusterDirectory } from './clusterDirectory';
export type { ClusterConnection } from './registry/ClusterRegistry';
export {
  createKpaasClusterConditionalDecision,
  isClusterOwner,
  kpaasClusterConditions,
  kpaasClusterResourceRef,
  normalizeOwnerRef,
} from './permissions/clusterResource';
export type {
  KpaasClusterQuery,
  KpaasClusterResource,
} from './permissions/clusterResource';
export {
  KpaasPermissionPolicy,
  readKpaasPolicyOptions,
} from './permissions/KpaasPermissionPolicy';
export type { KpaasPolicyOptions } from './permissions/KpaasPermissionPolicy';
export { reencryptStoredSecrets } from './crypto/reencryptStoredSecrets';
export type { ReencryptResult } from './crypto/reencryptStoredSecrets';
