import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  kpaasClusterDeletePermission,
  kpaasClusterReadPermission,
  kpaasClusterRefreshPermission,
  kpaasClusterRegisterPermission,
} from '@internal/plugin-kpaas-common';
import { KpaasPermissionPolicy } from './permissionPolicy';

function user(userEntityRef: string, groups: string[] = []): PolicyQueryUser {
  return {
    info: { userEntityRef, ownershipEntityRefs: [userEntityRef, ...groups] },
  } as unknown as PolicyQueryUser;
}

describe('KpaasPermissionPolicy', () => {
  const policy = new KpaasPermissionPolicy(
    new Set(['group:default/platform-team', 'user:default/root']),
  );
  const developer = user('user:default/dev', ['group:default/app-team']);
  const platformMember = user('user:default/jo', ['group:default/platform-team']);

  it.each([kpaasClusterReadPermission, kpaasClusterRefreshPermission])(
    'allows every user %s',
    async permission => {
      expect(await policy.handle({ permission }, developer)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    },
  );

  it.each([kpaasClusterRegisterPermission, kpaasClusterDeletePermission])(
    'reserves %s for admins',
    async permission => {
      expect((await policy.handle({ permission }, developer)).result).toBe(
        AuthorizeResult.DENY,
      );
      expect((await policy.handle({ permission }, platformMember)).result).toBe(
        AuthorizeResult.ALLOW,
      );
      expect(
        (await policy.handle({ permission }, user('user:default/root'))).result,
      ).toBe(AuthorizeResult.ALLOW);
      expect((await policy.handle({ permission }, undefined)).result).toBe(
        AuthorizeResult.DENY,
      );
    },
  );

  it('leaves permissions of other plugins allowed', async () => {
    const result = await policy.handle(
      {
        permission: {
          type: 'basic',
          name: 'catalog.entity.create',
          attributes: { action: 'create' },
        },
      },
      developer,
    );
    expect(result.result).toBe(AuthorizeResult.ALLOW);
  });
});
