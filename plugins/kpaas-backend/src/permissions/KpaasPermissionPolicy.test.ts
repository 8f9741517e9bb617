import { mockServices } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  kpaasClusterAccessPermission,
  kpaasClusterCreatePermission,
  kpaasClusterDeletePermission,
  kpaasClusterReadPermission,
  kpaasClusterRefreshPermission,
  kpaasClusterStateAdminPermission,
  kpaasClusterUpdatePermission,
} from '@internal/plugin-kpaas-common';
import { isClusterOwner, normalizeOwnerRef } from './clusterResource';
import {
  KpaasPermissionPolicy,
  KpaasPolicyOptions,
} from './KpaasPermissionPolicy';

function user(userEntityRef: string, groups: string[] = []): PolicyQueryUser {
  return {
    info: { userEntityRef, ownershipEntityRefs: [userEntityRef, ...groups] },
  } as unknown as PolicyQueryUser;
}

const applyConditions = createConditionAuthorizer([isClusterOwner]);
const teamCluster = { name: 'demo', owner: 'group:default/app-team' };
const otherCluster = { name: 'other', owner: 'group:default/other-team' };

const admin = user('user:default/jo', ['group:default/Platform-Team']);
const owner = user('user:default/dev', ['group:default/app-team']);
const stranger = user('user:default/eve', ['group:default/guests']);

function policy(options: Partial<KpaasPolicyOptions> = {}) {
  return new KpaasPermissionPolicy({
    admins: ['group:default/platform-team', 'user:default/root'],
    createAllowed: 'everyone',
    readAll: false,
    ...options,
  });
}

/** The decision, applied to a cluster the way kpaas-backend applies conditions. */
async function allowedOn(
  p: KpaasPermissionPolicy,
  permission: Parameters<KpaasPermissionPolicy['handle']>[0]['permission'],
  who: PolicyQueryUser | undefined,
  cluster: typeof teamCluster,
): Promise<boolean> {
  const decision = await p.handle({ permission }, who);
  if (decision.result === AuthorizeResult.CONDITIONAL) {
    expect((decision as ConditionalPolicyDecision).pluginId).toBe('kpaas');
    expect((decision as ConditionalPolicyDecision).resourceType).toBe(
      'kpaas-cluster',
    );
  }
  return applyConditions(decision, cluster);
}

describe('KpaasPermissionPolicy', () => {
  const ownerPermissions = [
    kpaasClusterReadPermission,
    kpaasClusterUpdatePermission,
    kpaasClusterRefreshPermission,
    kpaasClusterDeletePermission,
    // the OIDC kubeconfig (sign-in; what the user may do there is the cluster's RBAC)
    kpaasClusterAccessPermission,
  ];

  it.each(ownerPermissions.map(p => [p.name, p] as const))(
    '%s: owners on their clusters only, admins everywhere',
    async (_name, permission) => {
      const p = policy();
      expect(await allowedOn(p, permission, owner, teamCluster)).toBe(true);
      expect(await allowedOn(p, permission, owner, otherCluster)).toBe(false);
      expect(await allowedOn(p, permission, stranger, teamCluster)).toBe(false);
      expect(await allowedOn(p, permission, admin, otherCluster)).toBe(true);
      expect(
        await allowedOn(p, permission, user('user:default/root'), teamCluster),
      ).toBe(true);
      expect(await allowedOn(p, permission, undefined, teamCluster)).toBe(
        false,
      );
    },
  );

  it('a cluster without a recorded owner is for admins only', async () => {
    const orphan = { name: 'orphan' } as typeof teamCluster;
    const p = policy();
    expect(await allowedOn(p, kpaasClusterReadPermission, owner, orphan)).toBe(
      false,
    );
    expect(await allowedOn(p, kpaasClusterReadPermission, admin, orphan)).toBe(
      true,
    );
  });

  it('reserves Terraform state administration for admins, owners included', async () => {
    const p = policy();
    const permission = kpaasClusterStateAdminPermission;
    expect(await allowedOn(p, permission, owner, teamCluster)).toBe(false);
    expect(await allowedOn(p, permission, admin, teamCluster)).toBe(true);
  });

  it('lets everyone order a cluster unless createAllowed is admins', async () => {
    const permission = kpaasClusterCreatePermission;
    expect((await policy().handle({ permission }, stranger)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    const adminsOnly = policy({ createAllowed: 'admins' });
    expect((await adminsOnly.handle({ permission }, stranger)).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await adminsOnly.handle({ permission }, admin)).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('readAll lets everyone read every cluster, and nothing more', async () => {
    const p = policy({ readAll: true });
    expect(
      await allowedOn(p, kpaasClusterReadPermission, stranger, otherCluster),
    ).toBe(true);
    expect(
      await allowedOn(p, kpaasClusterUpdatePermission, stranger, otherCluster),
    ).toBe(false);
    expect(
      await allowedOn(p, kpaasClusterAccessPermission, stranger, otherCluster),
    ).toBe(false);
  });

  it('denies the Kubernetes proxy to everyone but admins, allows other plugins', async () => {
    const proxy = createPermission({
      name: 'kubernetes.proxy',
      attributes: {},
    });
    const catalogCreate = createPermission({
      name: 'catalog.entity.create',
      attributes: { action: 'create' },
    });
    const p = policy();
    expect((await p.handle({ permission: proxy }, owner)).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await p.handle({ permission: proxy }, admin)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    expect((await p.handle({ permission: catalogCreate }, owner)).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('reads kpaas.permissions and names a bad createAllowed', () => {
    const config = (permissions: object) =>
      mockServices.rootConfig({ data: { kpaas: { permissions } } });
    expect(() =>
      KpaasPermissionPolicy.fromConfig(config({ createAllowed: 'nobody' })),
    ).toThrow(/kpaas.permissions.createAllowed must be "everyone" or "admins"/);
    expect(
      KpaasPermissionPolicy.fromConfig(config({ admins: ['user:default/a'] })),
    ).toBeInstanceOf(KpaasPermissionPolicy);
  });

  it('normalizes owner refs: bare names are groups in default, case-insensitive', () => {
    expect(normalizeOwnerRef('team-a')).toBe('group:default/team-a');
    expect(normalizeOwnerRef('ops/Team-A')).toBe('group:ops/team-a');
    expect(normalizeOwnerRef('User:default/Jo')).toBe('user:default/jo');
  });
});
