import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { KpaasPermissionPolicy } from '@internal/plugin-kpaas-backend';
import {
  kpaasClusterCreatePermission,
  kpaasClusterStateAdminPermission,
} from '@internal/plugin-kpaas-common';
import { kpaasPermissionPolicyModule } from './permissionPolicy';

const user = (ref: string, groups: string[] = []) =>
  ({
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  } as unknown as PolicyQueryUser);

describe('kpaasPermissionPolicyModule', () => {
  it('installs the kpaas policy with kpaas.permissions from config', async () => {
    let policy: PermissionPolicy | undefined;
    await startTestBackend({
      extensionPoints: [
        [
          policyExtensionPoint,
          { setPolicy: (p: PermissionPolicy) => (policy = p) },
        ],
      ],
      features: [
        kpaasPermissionPolicyModule,
        mockServices.rootConfig.factory({
          data: {
            kpaas: {
              permissions: {
                admins: ['group:default/platform-team'],
                createAllowed: 'admins',
              },
            },
          },
        }),
      ],
    });
    expect(policy).toBeInstanceOf(KpaasPermissionPolicy);
    const admin = user('user:default/jo', ['group:default/platform-team']);
    const dev = user('user:default/dev', ['group:default/app-team']);
    const decide = async (permission: any, who: PolicyQueryUser) =>
      (await policy!.handle({ permission }, who)).result;
    expect(await decide(kpaasClusterStateAdminPermission, admin)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(await decide(kpaasClusterCreatePermission, dev)).toBe(
      AuthorizeResult.DENY,
    );
    expect(await decide(kpaasClusterCreatePermission, admin)).toBe(
      AuthorizeResult.ALLOW,
    );
  });
});
