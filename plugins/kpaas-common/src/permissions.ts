import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Read a cluster's registration, status, nodes, add-ons and timeline.
 * @public
 */
export const kpaasClusterReadPermission = createPermission({
  name: 'kpaas.cluster.read',
  attributes: { action: 'read' },
});

/**
 * Register (or re-register) a cluster and write its provisioning timeline.
 * Granted to the scaffolder's service credentials and to platform admins.
 * @public
 */
export const kpaasClusterRegisterPermission = createPermission({
  name: 'kpaas.cluster.register',
  attributes: { action: 'create' },
});

/**
 * Ask kpaas-backend to refresh a cluster's status now instead of at the next interval.
 * @public
 */
export const kpaasClusterRefreshPermission = createPermission({
  name: 'kpaas.cluster.refresh',
  attributes: { action: 'update' },
});

/**
 * Remove a cluster from the registry (does not touch the cluster itself).
 * @public
 */
export const kpaasClusterDeletePermission = createPermission({
  name: 'kpaas.cluster.delete',
  attributes: { action: 'delete' },
});

/**
 * Every kpaas permission, for registration with the permissions registry.
 * @public
 */
export const kpaasPermissions = [
  kpaasClusterReadPermission,
  kpaasClusterRegisterPermission,
  kpaasClusterRefreshPermission,
  kpaasClusterDeletePermission,
];
