/**
 * kpaas frontend plugin: cluster card and Cluster tab on kubernetes-cluster entities.
 *
 * @packageDocumentation
 */
export { kpaasPlugin, EntityKpaasClusterCard } from './plugin';
export { isKpaasCluster, kpaasClusterEntityFilter } from './conditions';
