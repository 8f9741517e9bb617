/*
 * Every kpaas route x every kind of caller, against the status the access rules promise.
 * Users are decided by the real sample policy (KpaasPermissionPolicy) with conditional decisions
 * resolved through the resource type the plugin registers (its getResources and its
 * IS_CLUSTER_OWNER rule), as the permission backend does; service principals never reach the
 * policy (the framework allows them), so kpaas-backend's own checks must refuse them.
 */
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  PermissionsRegistryServiceAddResourceTypeOptions,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import request from 'supertest';
import {
  clusterSpec,
  ENCRYPTION_KEY,
  writeFixtureCatalog,
} from './__testUtils__/rig';
import type { KpaasClusterResource } from './permissions/clusterResource';
import { KpaasPermissionPolicy } from './permissions/KpaasPermissionPolicy';
import { kpaasPlugin } from './plugin';

const TOKEN = 'route-access-token-1d2c';

/** Group memberships, as the catalog would give them. */
const GROUPS: Record<string, string[]> = {
  'user:default/nobody': [],
  'user:default/dev': ['group:default/platform-team'],
  'user:default/eve': ['group:default/other-team'],
  'user:default/root': ['group:default/admins'],
};

const service = (subject: string) => () =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'kpaas',
  });
const userHeader = (ref: string) => () => mockCredentials.user.header(ref);

const principals = {
  anonymous: () => mockCredentials.none.header(),
  noPermission: userHeader('user:default/nobody'),
  owner: userHeader('user:default/dev'),
  nonOwner: userHeader('user:default/eve'),
  admin: userHeader('user:default/root'),
  scaffolder: service('plugin:scaffolder'),
  otherPlugin: service('plugin:catalog'),
  // Backstage gives a static external-access token exactly its configured subject
  external: service('ci'),
};
type Principal = keyof typeof principals;
const ORDER = Object.keys(principals) as Principal[];

type Method = 'get' | 'post' | 'put' | 'delete' | 'lock' | 'unlock';
interface Route {
  name: string;
  method: Method;
  path: string;
  body?: (standIn: KubeApiStandIn) => object;
  /** Expected status per principal, in ORDER. */
  expect: number[];
}

const registration = (name: string) => (standIn: KubeApiStandIn) => ({
  name,
  entityRef: `resource:default/${name}`,
  apiServerUrl: standIn.url,
  caData: standIn.caPem,
  serviceAccountToken: TOKEN,
  spec: clusterSpec(name),
  repoUrl: `https://Git.Example/org/${name}.git`,
});

const INVENTORY = [
  { name: 'demo-cp-1', role: 'control-plane', address: '127.0.0.11', port: 22 },
  { name: 'demo-w-1', role: 'worker', address: '127.0.0.21', port: 22 },
];

//                    anonymous noPerm owner nonOwner admin scaffolder otherPlugin external(read only)
const routes: Route[] = [
  // The add-on catalog (the order form's picker): not secret, every signed-in caller.
  {
    name: 'addon catalog',
    method: 'get',
    path: '/addons',
    expect: [401, 200, 200, 200, 200, 200, 200, 200],
  },
  {
    name: 'list',
    method: 'get',
    path: '/clusters',
    expect: [401, 200, 200, 200, 200, 200, 403, 200],
  },
  {
    name: 'get',
    method: 'get',
    path: '/clusters/demo',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  {
    name: 'status',
    method: 'get',
    path: '/clusters/demo/status',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  {
    name: 'timeline',
    method: 'get',
    path: '/clusters/demo/timeline',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  // The Operations section (src/operations): backups, expiries, versions; kpaas.cluster.read.
  {
    name: 'operations',
    method: 'get',
    path: '/clusters/demo/operations',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  // The fleet page's warnings (src/operations): filtered per cluster like the list.
  {
    name: 'fleet operations',
    method: 'get',
    path: '/fleet/operations',
    expect: [401, 200, 200, 200, 200, 200, 403, 200],
  },
  // The OIDC kubeconfig (src/access), kpaas.cluster.access: owners and admins, no service.
  // demo has no Keycloak add-on and no issuer, so allowed callers are told that (409).
  {
    name: 'kubeconfig',
    method: 'get',
    path: '/clusters/demo/kubeconfig',
    expect: [401, 403, 409, 403, 409, 403, 403, 403],
  },
  {
    name: 're-register',
    method: 'post',
    path: '/clusters',
    body: registration('demo'),
    expect: [401, 403, 200, 403, 200, 200, 403, 403],
  },
  {
    name: 'register a new name',
    method: 'post',
    path: '/clusters',
    body: registration('fresh'),
    expect: [401, 403, 403, 403, 201, 201, 403, 403],
  },
  {
    name: 'write timeline',
    method: 'post',
    path: '/clusters/demo/timeline',
    body: () => ({ phase: 'addons', step: 'verify', status: 'succeeded' }),
    expect: [401, 403, 201, 403, 201, 201, 403, 403],
  },
  {
    name: 'refresh',
    method: 'post',
    path: '/clusters/demo/refresh',
    expect: [401, 403, 200, 403, 200, 403, 403, 403],
  },
  {
    name: 'delete',
    method: 'delete',
    path: '/clusters/demo',
    expect: [401, 403, 204, 403, 204, 403, 403, 403],
  },
  // Retire (src/retire), kpaas.cluster.delete: owners, admins and the scaffolder as registrar
  // (kpaas:retire checked its initiator); the name typed again, else allowed callers get 400.
  {
    name: 'retire',
    method: 'post',
    path: '/clusters/demo/retire',
    body: () => ({ confirm: 'demo', taskId: 'task-9' }),
    expect: [401, 403, 200, 403, 200, 200, 403, 403],
  },
  {
    name: 'retire without the name typed again',
    method: 'post',
    path: '/clusters/demo/retire',
    body: () => ({ confirm: 'other' }),
    expect: [401, 403, 400, 403, 400, 400, 403, 403],
  },
  // Earlier retirements of a name, kpaas.cluster.read.
  {
    name: 'retired',
    method: 'get',
    path: '/clusters/demo/retired',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  // The machines (src/inventory): provision writes them, bootstrap records host keys, readers read.
  {
    name: 'inventory',
    method: 'get',
    path: '/clusters/demo/inventory',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  {
    name: 'write inventory',
    method: 'put',
    path: '/clusters/demo/inventory',
    body: () => ({ taskId: 'task-2', nodes: INVENTORY }),
    expect: [401, 403, 200, 403, 200, 200, 403, 403],
  },
  {
    name: 'record host keys',
    method: 'post',
    path: '/clusters/demo/inventory/host-keys',
    body: () => ({
      taskId: 'task-2',
      hostKeys: [
        { name: 'demo-cp-1', fingerprint: `SHA256:${'k'.repeat(43)}` },
      ],
    }),
    expect: [401, 403, 200, 403, 200, 200, 403, 403],
  },
  {
    name: 'inventory of a name kpaas has not registered',
    method: 'put',
    path: '/clusters/fresh/inventory',
    body: () => ({ taskId: 'task-3', nodes: INVENTORY }),
    expect: [401, 403, 403, 403, 201, 201, 403, 403],
  },
  // Terraform state (src/state): registrars and updaters get a per-run credential; versions
  // are listed to readers; their content (private keys) and every change only to state admins.
  {
    name: 'state credential',
    method: 'post',
    path: '/clusters/demo/terraform/credentials',
    body: () => ({ taskId: 'task-1' }),
    expect: [401, 403, 201, 403, 201, 201, 403, 403],
  },
  {
    name: 'state versions',
    method: 'get',
    path: '/clusters/demo/terraform/state/versions',
    expect: [401, 403, 200, 403, 200, 200, 403, 200],
  },
  {
    name: 'one state version',
    method: 'get',
    path: '/clusters/demo/terraform/state/versions/1',
    expect: [401, 403, 403, 403, 404, 403, 403, 403],
  },
  {
    name: 'restore a state version',
    method: 'post',
    path: '/clusters/demo/terraform/state/restore/1',
    expect: [401, 403, 403, 403, 404, 403, 403, 403],
  },
  {
    name: 'forced state push',
    method: 'post',
    path: '/clusters/demo/terraform/state/push',
    body: () => ({ version: 4, serial: 1, lineage: 'l-1', resources: [] }),
    expect: [401, 403, 403, 403, 201, 403, 403, 403],
  },
  {
    name: 'purge archived state',
    method: 'post',
    path: '/clusters/demo/terraform/state/purge',
    expect: [401, 403, 403, 403, 200, 403, 403, 403],
  },
  {
    name: 'force-unlock',
    method: 'delete',
    path: '/clusters/demo/terraform/state/lock',
    expect: [401, 403, 403, 403, 200, 403, 403, 403],
  },
  {
    name: 'renew a lock as a principal',
    method: 'post',
    path: '/clusters/demo/terraform/state/lock/renew',
    body: () => ({}),
    // Allowed callers get past the check and are told what the body needs.
    expect: [401, 403, 400, 403, 400, 400, 403, 403],
  },
  // Terraform's own routes take only the per-run state credential, never a Backstage token.
  {
    name: 'state (Terraform)',
    method: 'get',
    path: '/clusters/demo/terraform/state',
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
  },
  {
    name: 'write state (Terraform)',
    method: 'post',
    path: '/clusters/demo/terraform/state',
    body: () => ({ version: 4, serial: 1, lineage: 'l-1' }),
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
  },
  {
    name: 'archive state (Terraform)',
    method: 'delete',
    path: '/clusters/demo/terraform/state',
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
  },
  {
    name: 'lock (Terraform)',
    method: 'lock',
    path: '/clusters/demo/terraform/state/lock',
    body: () => ({ ID: 'x' }),
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
  },
  {
    name: 'unlock (Terraform)',
    method: 'unlock',
    path: '/clusters/demo/terraform/state/lock',
    body: () => ({ ID: 'x' }),
    expect: [401, 401, 401, 401, 401, 401, 401, 401],
  },
];

const cases = routes.flatMap(route =>
  ORDER.map((principal, i) => ({
    route: route.name,
    method: route.method,
    path: route.path,
    body: route.body,
    principal,
    status: route.expect[i],
  })),
);

/** The policy as the permission backend runs it, conditions resolved by the plugin's resource type. */
function policyPermissions(
  policy: KpaasPermissionPolicy,
  resourceType: () => PermissionsRegistryServiceAddResourceTypeOptions<
    string,
    KpaasClusterResource,
    unknown
  >,
) {
  const userOf = (credentials: BackstageCredentials) => {
    const p = credentials.principal as { type: string; userEntityRef?: string };
    if (p.type !== 'user') return undefined;
    return {
      info: {
        userEntityRef: p.userEntityRef!,
        ownershipEntityRefs: [
          p.userEntityRef!,
          ...(GROUPS[p.userEntityRef!] ?? []),
        ],
      },
    } as unknown as PolicyQueryUser;
  };
  const isService = (c: BackstageCredentials) =>
    (c.principal as { type: string }).type === 'service';
  return {
    async authorize(requests: any[], { credentials }: any) {
      return Promise.all(
        requests.map(async r => {
          if (isService(credentials)) return { result: AuthorizeResult.ALLOW };
          const decision = await policy.handle(r, userOf(credentials));
          if (decision.result !== AuthorizeResult.CONDITIONAL) return decision;
          const { getResources, rules } = resourceType();
          const [resource] = await getResources!([r.resourceRef]);
          const apply = createConditionAuthorizer(rules as any);
          return {
            result:
              resource && apply(decision, resource)
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          };
        }),
      );
    },
    async authorizeConditional(requests: any[], { credentials }: any) {
      return Promise.all(
        requests.map(
          async (r): Promise<PolicyDecision> =>
            isService(credentials)
              ? { result: AuthorizeResult.ALLOW }
              : policy.handle(r, userOf(credentials)),
        ),
      );
    },
  };
}

describe('kpaas route access', () => {
  let standIn: KubeApiStandIn;
  const catalogPath = writeFixtureCatalog();

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture(),
      tokens: { [TOKEN]: { user: 'kpaas-reader', readOnly: true } },
    });
  });
  afterAll(() => standIn.close());

  async function start() {
    let resourceType: any;
    const policy = new KpaasPermissionPolicy({
      admins: ['group:default/admins'],
      createAllowed: 'admins',
      readAll: false,
    });
    const backend = await startTestBackend({
      features: [
        kpaasPlugin,
        mockServices.scheduler.factory(),
        createServiceFactory({
          service: coreServices.permissionsRegistry,
          deps: {},
          factory: () =>
            ({
              addPermissions: () => {},
              addPermissionRules: () => {},
              addResourceType: (options: any) => {
                resourceType = options;
              },
              getPermissionRuleset: () => ({
                getRuleByName: (name: string) =>
                  resourceType.rules.find((r: any) => r.name === name),
              }),
            } as any),
        }),
        createServiceFactory({
          service: coreServices.permissions,
          deps: {},
          factory: () => policyPermissions(policy, () => resourceType) as any,
        }),
        mockServices.rootConfig.factory({
          data: {
            kpaas: {
              encryptionKey: ENCRYPTION_KEY,
              addonCatalogPath: catalogPath,
              clusterNetworks: ['127.0.0.0/8'],
              servicePrincipals: {
                allow: [
                  {
                    subject: 'external:ci',
                    permissions: ['kpaas.cluster.read'],
                  },
                ],
              },
              refresh: {
                linkProbeTimeoutSeconds: 1,
                requestTimeoutSeconds: 10,
              },
            },
          },
        }),
      ],
    });
    const registered = await request(backend.server)
      .post('/api/kpaas/clusters')
      .set('Authorization', principals.scaffolder())
      .send(registration('demo')(standIn));
    expect(registered.status).toBe(201);
    const inventory = await request(backend.server)
      .put('/api/kpaas/clusters/demo/inventory')
      .set('Authorization', principals.scaffolder())
      .send({ taskId: 'task-1', nodes: INVENTORY });
    expect(inventory.status).toBe(201);
    return backend;
  }

  it.each(cases)('$method $path ($route) as $principal -> $status', async c => {
    const backend = await start();
    try {
      const res = await request(backend.server)
        [c.method](`/api/kpaas${c.path}`)
        .set('Authorization', principals[c.principal]())
        .send(c.body?.(standIn));
      // The list answers 200 to every user, with only the clusters they may read.
      const sees = ['owner', 'admin', 'scaffolder', 'external'];
      const listed =
        (c.route === 'list' || c.route === 'fleet operations') &&
        c.status === 200
          ? ['demo'].filter(() => sees.includes(c.principal))
          : undefined;
      // The fleet's warnings name a cluster in items or unavailable (never computed: "not
      // checked yet"), only the clusters the caller may read.
      const named = (body: any) =>
        c.route === 'list'
          ? body.items?.map((i: any) => i.name)
          : [
              ...new Set(
                [...(body.items ?? []), ...(body.unavailable ?? [])].map(
                  (i: any) => i.cluster,
                ),
              ),
            ];
      expect({
        status: res.status,
        listed: listed && named(res.body),
        body: res.body,
      }).toMatchObject({ status: c.status, listed });
    } finally {
      await backend.stop();
    }
  });

  it('records the owner and the normalized repo at registration', async () => {
    const backend = await start();
    try {
      const res = await request(backend.server)
        .get('/api/kpaas/clusters/demo')
        .set('Authorization', principals.owner());
      expect(res.body).toMatchObject({
        owner: 'group:default/platform-team',
        repoUrl: 'https://git.example/org/demo',
      });
    } finally {
      await backend.stop();
    }
  });
});
