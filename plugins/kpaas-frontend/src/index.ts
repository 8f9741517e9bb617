/**
 * kpaas frontend plugin: cluster card and Cluster tab on kubernetes-cluster entities.
 *
 * @packageDocumentation
 */
export {
  kpaasPlugin,
  EntityKpaasClusterCard,
  EntityKpaasClusterContent,
  KpaasClusterTotalsFieldExtension,
} from './plugin';
export { clusterSpecFromForm } from './components/ClusterTotalsField';
export type {
  ClusterOrderFormData,
  ClusterTotalsFieldProps,
} from './components/ClusterTotalsField';
export { isKpaasCluster, kpaasClusterEntityFilter } from './conditions';
export { kpaasApiRef, KpaasClient } from './api';
export type { KpaasApi } from './api';
