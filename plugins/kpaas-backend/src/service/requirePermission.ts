import type {
  BackstageCredentials,
  BackstageServicePrincipal,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  type KpaasClusterPermission,
  kpaasServicePrincipalName,
} from '@internal/plugin-kpaas-common';
import type { Request } from 'express';

const READ = 'kpaas.cluster.read';

/** A service principal as kpaas config names it (see kpaasServicePrincipalName). */
export function servicePrincipalName(
  principal: BackstageServicePrincipal,
): string {
  return kpaasServicePrincipalName(principal.subject);
}

/** The principal the scaffolder's actions call kpaas with. */
export const SCAFFOLDER_SUBJECT = 'plugin:scaffolder';

/**
 * What service principals (other plugins, external access tokens) may do. The permission
 * framework allows every service principal without asking the policy, so kpaas decides here:
 * - registrars (the scaffolder, plus `kpaas.servicePrincipals.registrars`) may register clusters,
 *   write timelines and get Terraform state credentials, and read clusters;
 * - `kpaas.servicePrincipals.allow` lists other subjects and the kpaas permissions they hold;
 * - every other service principal is refused.
 */
export class ServicePrincipalPolicy {
  constructor(
    private readonly registrars: ReadonlySet<string>,
    private readonly grants: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  /** `kpaas.servicePrincipals` from config; the scaffolder is always a registrar. */
  static fromConfig(config?: Config): ServicePrincipalPolicy {
    const sp = config?.getOptionalConfig('kpaas.servicePrincipals');
    const registrars = new Set([SCAFFOLDER_SUBJECT]);
    for (const id of sp?.getOptionalStringArray('registrars') ?? []) {
      registrars.add(id.includes(':') ? id : `plugin:${id}`);
    }
    const grants = new Map<string, Set<string>>();
    for (const entry of sp?.getOptionalConfigArray('allow') ?? []) {
      const subject = entry.getString('subject');
      grants.set(subject, new Set(entry.getStringArray('permissions')));
    }
    return new ServicePrincipalPolicy(registrars, grants);
  }

  isRegistrar(principal: BackstageServicePrincipal): boolean {
    return this.registrars.has(servicePrincipalName(principal));
  }

  allows(
    principal: BackstageServicePrincipal,
    permissionName: string,
  ): boolean {
    // Registrars write registrations and timelines; reading them back is no more than that.
    if (permissionName === READ && this.isRegistrar(principal)) return true;
    return (
      this.grants.get(servicePrincipalName(principal))?.has(permissionName) ??
      false
    );
  }
}

/** What the route guards need. */
export interface KpaasAccess {
  permissions: PermissionsService;
  httpAuth: HttpAuthService;
  servicePrincipals: ServicePrincipalPolicy;
}

function servicePrincipalOf(
  credentials: BackstageCredentials,
): BackstageServicePrincipal | undefined {
  const principal = credentials.principal as { type: string };
  return principal.type === 'service'
    ? (credentials.principal as BackstageServicePrincipal)
    : undefined;
}

function refuse(permissionName: string, what: string): never {
  throw new NotAllowedError(`not allowed: ${permissionName} on ${what}`);
}

/**
 * Authorizes the caller for a permission on one cluster (resource ref = cluster name): users
 * through the permission policy (owners, admins), service principals only when
 * `kpaas.servicePrincipals.allow` grants it. Returns the credentials or throws 403.
 */
export async function requireClusterPermission(
  access: KpaasAccess,
  req: Request,
  permission: KpaasClusterPermission,
  clusterName: string,
): Promise<BackstageCredentials> {
  const credentials = await access.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const service = servicePrincipalOf(credentials);
  if (service) {
    if (!access.servicePrincipals.allows(service, permission.name)) {
      refuse(
        permission.name,
        `cluster "${clusterName}" for ${servicePrincipalName(service)}`,
      );
    }
    return credentials;
  }
  const [decision] = await access.permissions.authorize(
    [{ permission, resourceRef: clusterName }],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    refuse(permission.name, `cluster "${clusterName}"`);
  }
  return credentials;
}

/**
 * Authorizes the caller for a basic permission (e.g. `kpaas.cluster.create`): users through the
 * policy, service principals only when allow-listed.
 */
export async function requireBasicPermission(
  access: KpaasAccess,
  req: Request,
  permission: BasicPermission,
): Promise<BackstageCredentials> {
  const credentials = await access.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const service = servicePrincipalOf(credentials);
  if (service) {
    if (!access.servicePrincipals.allows(service, permission.name)) {
      refuse(permission.name, `kpaas for ${servicePrincipalName(service)}`);
    }
    return credentials;
  }
  const [decision] = await access.permissions.authorize([{ permission }], {
    credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    refuse(permission.name, 'kpaas');
  }
  return credentials;
}

/**
 * Registration, timeline writes and Terraform state credential issuance: only registrar
 * service principals (the scaffolder, whose actions authorized the task's initiator before
 * calling), or a user holding `permission` on the cluster (admins; owners for their clusters),
 * or the basic `permission` (e.g. create, for a name kpaas has not registered yet).
 */
export async function requireRegistrar(
  access: KpaasAccess,
  req: Request,
  permission: KpaasClusterPermission | BasicPermission,
  clusterName?: string,
): Promise<BackstageCredentials> {
  const credentials = await access.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const service = servicePrincipalOf(credentials);
  if (service) {
    if (!access.servicePrincipals.isRegistrar(service)) {
      throw new NotAllowedError(
        `only the scaffolder (${SCAFFOLDER_SUBJECT}) or a plugin listed in kpaas.servicePrincipals.registrars may do this; ${servicePrincipalName(
          service,
        )} may not`,
      );
    }
    return credentials;
  }
  const [decision] = await access.permissions.authorize(
    [
      permission.type === 'resource'
        ? { permission, resourceRef: clusterName! }
        : { permission: permission as BasicPermission },
    ],
    { credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    refuse(permission.name, clusterName ? `cluster "${clusterName}"` : 'kpaas');
  }
  return credentials;
}

/**
 * Which clusters the caller may see in a list: one conditional decision for the whole list,
 * applied locally with `applyConditions` (the plugin's own rules), instead of one policy call
 * per cluster. Users denied outright see an empty list; service principals see everything when
 * allow-listed for `permission`, else 403.
 */
export async function clusterFilter<T>(
  access: KpaasAccess,
  req: Request,
  permission: KpaasClusterPermission,
  applyConditions: (decision: PolicyDecision, resource: T) => boolean,
): Promise<(resource: T) => boolean> {
  const credentials = await access.httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const service = servicePrincipalOf(credentials);
  if (service) {
    if (!access.servicePrincipals.allows(service, permission.name)) {
      refuse(permission.name, `clusters for ${servicePrincipalName(service)}`);
    }
    return () => true;
  }
  const [decision] = await access.permissions.authorizeConditional(
    [{ permission }],
    { credentials },
  );
  if (decision.result === AuthorizeResult.ALLOW) return () => true;
  if (decision.result === AuthorizeResult.DENY) return () => false;
  return resource => applyConditions(decision, resource);
}
