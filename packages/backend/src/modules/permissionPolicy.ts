import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  kpaasClusterDeletePermission,
  kpaasClusterRegisterPermission,
} from '@internal/plugin-kpaas-common';

/**
 * kpaas's permission policy: every signed-in user may read and refresh clusters; registering
 * and deleting clusters is reserved for the users and groups listed in
 * `kpaas.permissions.admins` (the scaffolder registers with its own service credentials, which
 * the permission framework allows without consulting a policy). Everything that is not a kpaas
 * permission is allowed, as the stock allow-all policy does.
 */
export class KpaasPermissionPolicy implements PermissionPolicy {
  constructor(private readonly admins: ReadonlySet<string>) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const name = request.permission.name;
    if (
      name === kpaasClusterRegisterPermission.name ||
      name === kpaasClusterDeletePermission.name
    ) {
      const refs = user?.info.ownershipEntityRefs ?? [];
      const isAdmin =
        (user && this.admins.has(user.info.userEntityRef)) ||
        refs.some(ref => this.admins.has(ref));
      return { result: isAdmin ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export const kpaasPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'kpaas-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        const admins =
          config.getOptionalStringArray('kpaas.permissions.admins') ?? [];
        policy.setPolicy(
          new KpaasPermissionPolicy(
            new Set(admins.map(ref => ref.toLocaleLowerCase('en-US'))),
          ),
        );
      },
    });
  },
});
