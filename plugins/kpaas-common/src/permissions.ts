import {
  createPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/**
 * The resource type of kpaas clusters in the permission framework. The resource ref of a
 * cluster is its name (`metadata.name` of its `cluster.yaml`).
 * @public
 */
export const KPAAS_CLUSTER_RESOURCE_TYPE = 'kpaas-cluster';

/** A permission on one cluster. @public */
export type KpaasClusterPermission = ResourcePermission<
  typeof KPAAS_CLUSTER_RESOURCE_TYPE
>;

/**
 * Order a new cluster (a name kpaas has never seen). Basic: there is no cluster yet to own.
 * @public
 */
export const kpaasClusterCreatePermission = createPermission({
  name: 'kpaas.cluster.create',
  attributes: { action: 'create' },
});

/**
 * Read a cluster's registration, status, nodes, add-ons and timeline.
 * @public
 */
export const kpaasClusterReadPermission = createPermission({
  name: 'kpaas.cluster.read',
  attributes: { action: 'read' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Change an existing cluster: run provision, bootstrap or add-ons on it (the apply and change
 * templates) and re-register it.
 * @public
 */
export const kpaasClusterUpdatePermission = createPermission({
  name: 'kpaas.cluster.update',
  attributes: { action: 'update' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Ask kpaas-backend to refresh a cluster's status now instead of at the next interval.
 * @public
 */
export const kpaasClusterRefreshPermission = createPermission({
  name: 'kpaas.cluster.refresh',
  attributes: { action: 'update' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Remove a cluster from the registry (archives its state and timeline, revokes its
 * credentials; does not touch the machines).
 * @public
 */
export const kpaasClusterDeletePermission = createPermission({
  name: 'kpaas.cluster.delete',
  attributes: { action: 'delete' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Administer a cluster's Terraform state: read kept versions (they hold private keys),
 * restore a version, force-unlock, force a lineage or serial change, purge archived state.
 * @public
 */
export const kpaasClusterStateAdminPermission = createPermission({
  name: 'kpaas.cluster.state.admin',
  attributes: { action: 'update' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Sign in to a cluster's API server: download its kubeconfig (OIDC through kubelogin, no
 * credential inside). What the user may then do on the cluster is its RBAC (spec.access).
 * @public
 */
export const kpaasClusterAccessPermission = createPermission({
  name: 'kpaas.cluster.access',
  attributes: { action: 'read' },
  resourceType: KPAAS_CLUSTER_RESOURCE_TYPE,
});

/**
 * Every kpaas permission, for registration with the permissions registry.
 * @public
 */
export const kpaasPermissions = [
  kpaasClusterCreatePermission,
  kpaasClusterReadPermission,
  kpaasClusterUpdatePermission,
  kpaasClusterRefreshPermission,
  kpaasClusterDeletePermission,
  kpaasClusterStateAdminPermission,
  kpaasClusterAccessPermission,
];

/**
 * The resource permissions on a cluster, for the permission framework's resource type.
 * @public
 */
export const kpaasClusterPermissions = [
  kpaasClusterReadPermission,
  kpaasClusterUpdatePermission,
  kpaasClusterRefreshPermission,
  kpaasClusterDeletePermission,
  kpaasClusterStateAdminPermission,
  kpaasClusterAccessPermission,
];

/**
 * The name of the permission rule "the user owns the cluster": the cluster's catalog owner
 * (`metadata.owner` of its cluster.yaml, recorded at registration) is among the user's
 * ownership refs (the user itself or a group it belongs to).
 * @public
 */
export const KPAAS_CLUSTER_OWNER_RULE = 'IS_CLUSTER_OWNER';

/**
 * How kpaas config (`kpaas.servicePrincipals`, `kpaas.actions.servicePrincipals`) names a
 * service principal: a plugin by its subject `plugin:<id>`, an external access token as
 * `external:<subject>` (Backstage gives a static or legacy token exactly the subject configured
 * under `backend.auth.externalAccess`, e.g. `ci`).
 * @public
 */
export function kpaasServicePrincipalName(subject: string): string {
  return subject.startsWith('plugin:') ? subject : `external:${subject}`;
}
