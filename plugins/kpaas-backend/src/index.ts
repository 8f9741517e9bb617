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
