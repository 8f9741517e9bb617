import type { Config } from '@backstage/config';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  KPAAS_CLUSTER_RESOURCE_TYPE,
  kpaasClusterCreatePermission,
  kpaasClusterReadPermission,
  kpaasClusterStateAdminPermission,
} from '@internal/plugin-kpaas-common';
import {
  createKpaasClusterConditionalDecision,
  kpaasClusterConditions,
  normalizeOwnerRef,
} from './clusterResource';

/** The Kubernetes plugin's proxy: arbitrary requests to a cluster with the stored token. */
const KUBERNETES_PROXY = 'kubernetes.proxy';

/** @public */
export interface KpaasPolicyOptions {
  /** Entity refs (users or groups) that may do everything (`kpaas.permissions.admins`). */
  admins: string[];
  /** Who may order a new cluster (`kpaas.permissions.createAllowed`, default everyone). */
  createAllowed: 'everyone' | 'admins';
  /** Every signed-in user may read every cluster (`kpaas.permissions.readAll`, default false). */
  readAll: boolean;
}

/** `kpaas.permissions` from config. @public */
export function readKpaasPolicyOptions(config: Config): KpaasPolicyOptions {
  const c = config.getOptionalConfig('kpaas.permissions');
  const createAllowed = c?.getOptionalString('createAllowed') ?? 'everyone';
  if (createAllowed !== 'everyone' && createAllowed !== 'admins') {
    throw new Error(
      `kpaas.permissions.createAllowed must be "everyone" or "admins", not "${createAllowed}"`,
    );
  }
  return {
    admins: c?.getOptionalStringArray('admins') ?? [],
    createAllowed,
    readAll: c?.getOptionalBoolean('readAll') ?? false,
  };
}

/**
 * kpaas's sample permission policy:
 * - admins (`kpaas.permissions.admins`) may do everything, including Terraform state
 *   administration and the Kubernetes plugin's proxy;
 * - a cluster's owners (its `metadata.owner`, directly or through a group) may read, update,
 *   refresh and delete it, and download its OIDC kubeconfig (`kpaas.cluster.access`) (a
 *   conditional decision on IS_CLUSTER_OWNER);
 * - everyone signed in may order new clusters (`createAllowed: admins` reserves that) and,
 *   with `readAll: true`, read every cluster;
 * - every other plugin's permission is allowed, except `kubernetes.proxy` (admins only).
 * Service principals never reach a policy; kpaas-backend checks them itself
 * (`kpaas.servicePrincipals`).
 * @public
 */
export class KpaasPermissionPolicy implements PermissionPolicy {
  private readonly admins: ReadonlySet<string>;

  constructor(private readonly options: KpaasPolicyOptions) {
    this.admins = new Set(options.admins.map(normalizeOwnerRef));
  }

  static fromConfig(config: Config): KpaasPermissionPolicy {
    return new KpaasPermissionPolicy(readKpaasPolicyOptions(config));
  }

  private isAdmin(user?: PolicyQueryUser): boolean {
    if (!user) return false;
    return [user.info.userEntityRef, ...user.info.ownershipEntityRefs].some(
      ref => this.admins.has(normalizeOwnerRef(ref)),
    );
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const allow = { result: AuthorizeResult.ALLOW } as const;
    const deny = { result: AuthorizeResult.DENY } as const;
    const isAdmin = this.isAdmin(user);

    if (permission.name === KUBERNETES_PROXY) return isAdmin ? allow : deny;
    const isKpaas = permission.name.startsWith('kpaas.');
    if (!isKpaas) return allow;
    if (!user) return deny;
    if (isAdmin) return allow;

    if (isPermission(permission, kpaasClusterCreatePermission)) {
      return this.options.createAllowed === 'everyone' ? allow : deny;
    }
    if (!isResourcePermission(permission, KPAAS_CLUSTER_RESOURCE_TYPE)) {
      return deny;
    }
    if (isPermission(permission, kpaasClusterStateAdminPermission)) {
      return deny;
    }
    if (
      this.options.readAll &&
      isPermission(permission, kpaasClusterReadPermission)
    ) {
      return allow;
    }
    // read, update, refresh, delete, access (kubeconfig): the cluster's owners.
    return createKpaasClusterConditionalDecision(
      permission,
      kpaasClusterConditions.isClusterOwner({
        claims: user.info.ownershipEntityRefs,
      }),
    );
  }
}
