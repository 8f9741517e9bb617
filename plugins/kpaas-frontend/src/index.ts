/**
 * kpaas frontend plugin: cluster card and Cluster tab on kubernetes-cluster entities.
 *
 * @packageDocumentation
 */
export {
  kpaasPlugin,
  EntityKpaasClusterCard,
  EntityKpaasClusterContent,
} from './plugin';
export { isKpaasCluster, kpaasClusterEntityFilter } from './conditions';
export { kpaasApiRef, KpaasClient } from './api';
export type { KpaasApi } from './api';
