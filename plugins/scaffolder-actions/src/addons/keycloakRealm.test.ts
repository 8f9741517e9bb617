import * as k8s from '@kubernetes/client-node';
import {
  KeycloakAdminStandIn,
  KubeApiStandIn,
  startKeycloakAdminStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import net from 'node:net';
import { KeycloakRealmError } from './keycloakRealm';
import { applyClusterAccess } from './rbac';

/*
 * The add-ons step's access part against the Keycloak admin API stand-in (exact requests) and
 * the Kubernetes API stand-in (bindings). The Service's cluster IP:80 is "reached from the
 * control plane" by a plain TCP connection to the stand-in's port (what kube-proxy does).
 */

const PASSWORD = 'kc-admin-pw-5f1e';
const plan = {
  addons: [
    {
      id: 'keycloak',
      namespace: 'keycloak',
      ui: {
        host: 'keycloak.k.test',
        service: 'keycloak-http',
        port: 80,
        path: '/',
      },
      credentialsRef: {
        secretName: 'keycloak-credentials',
        namespace: 'keycloak',
        keys: ['username', 'password', 'db-password'],
      },
    },
  ],
} as any;

function spec(access: Record<string, unknown>) {
  const r = parseClusterSpec({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'demo',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: { type: 'multipass' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
      addons: [{ id: 'keycloak' }],
      access,
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('cluster access on the add-ons step', () => {
  let kube: KubeApiStandIn;
  let keycloak: KeycloakAdminStandIn;
  let kc: k8s.KubeConfig;
  const secrets = new Set<string>();
  const lines: string[] = [];
  const logger = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
  };
  const run = (access: Record<string, unknown>, deadlineMs = 10_000) =>
    applyClusterAccess({
      spec: spec(access),
      plan,
      kubeConfig: kc,
      connect: async (host, port) => {
        expect([host, port]).toEqual(['127.0.0.1', 80]);
        return net.connect(Number(new URL(keycloak.url).port), '127.0.0.1');
      },
      logger,
      addSecret: v => secrets.add(v),
      deadline: Date.now() + deadlineMs,
    });

  beforeAll(async () => {
    kube = await startKubeApiStandIn();
    kc = new k8s.KubeConfig();
    kc.loadFromString(kube.kubeconfigYaml());
    keycloak = await startKeycloakAdminStandIn({
      adminUser: 'admin',
      adminPassword: PASSWORD,
    });
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'keycloak' },
    });
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keycloak-credentials', namespace: 'keycloak' },
      data: {
        username: Buffer.from('admin').toString('base64'),
        password: Buffer.from(PASSWORD).toString('base64'),
      },
    });
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'keycloak-http', namespace: 'keycloak' },
      spec: { clusterIP: '127.0.0.1', ports: [{ port: 80, targetPort: 8080 }] },
    });
    // a binding kpaas does not manage: never touched
    kube.store.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'someone-elses' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'view',
      },
      subjects: [{ kind: 'Group', name: 'x' }],
    });
  });
  afterAll(async () => {
    await keycloak?.close();
    await kube?.close();
  });

  const crbs = () =>
    kube.store
      .list({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
      })
      .map((b: any) => [
        b.metadata.name,
        b.roleRef.name,
        b.subjects[0].kind,
        b.subjects[0].name,
      ]);
  const rbs = () =>
    kube.store
      .list({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' })
      .map((b: any) => [
        b.metadata.namespace,
        b.metadata.name,
        b.roleRef.name,
        b.subjects[0].name,
      ]);

  it('creates realm, kubelogin client, groups mapper and groups with exactly these requests, then the bindings', async () => {
    const access = {
      groups: [
        {
          group: 'group:default/dev-team',
          clusterRole: 'edit',
          namespace: 'dev',
        },
      ],
    };
    const result = await run(access);
    expect(keycloak.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'POST /realms/master/protocol/openid-connect/token',
      'GET /admin/realms/demo',
      'POST /admin/realms',
      'GET /admin/realms/demo/clients?clientId=kubernetes',
      'POST /admin/realms/demo/clients',
      'GET /admin/realms/demo/clients?clientId=kubernetes',
      `GET /admin/realms/demo/clients/${
        keycloak.realms.get('demo')!.clients[0].id
      }/protocol-mappers/models`,
      `POST /admin/realms/demo/clients/${
        keycloak.realms.get('demo')!.clients[0].id
      }/protocol-mappers/models`,
      'GET /admin/realms/demo/groups?search=platform&exact=true',
      'POST /admin/realms/demo/groups',
      'GET /admin/realms/demo/groups?search=dev-team&exact=true',
      'POST /admin/realms/demo/groups',
    ]);
    const body = (i: number) => keycloak.requests[i].body;
    expect(body(0)).toEqual({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: 'admin',
      password: PASSWORD,
    });
    expect(body(2)).toEqual({
      realm: 'demo',
      enabled: true,
      displayName: 'Kubernetes cluster demo',
    });
    expect(body(4)).toMatchObject({
      clientId: 'kubernetes',
      publicClient: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      redirectUris: ['http://localhost:8000', 'http://localhost:18000'],
    });
    expect(body(7)).toEqual({
      name: 'groups',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-group-membership-mapper',
      config: {
        'claim.name': 'groups',
        'full.path': 'false',
        'id.token.claim': 'true',
        'access.token.claim': 'true',
        'userinfo.token.claim': 'true',
      },
    });
    expect([body(9), body(11)]).toEqual([
      { name: 'platform' },
      { name: 'dev-team' },
    ]);
    expect(result.keycloak!.created).toHaveLength(5);
    expect(secrets.has(PASSWORD)).toBe(true);
    expect(lines.join('\n')).not.toContain(PASSWORD);

    expect(crbs()).toEqual(
      expect.arrayContaining([
        [
          'kpaas-owner-cluster-admin',
          'cluster-admin',
          'Group',
          'oidc:platform',
        ],
        ['someone-elses', 'view', 'Group', 'x'],
      ]),
    );
    expect(rbs()).toEqual([
      ['dev', 'kpaas-group-dev-team-edit', 'edit', 'oidc:dev-team'],
    ]);
  });

  it('creates nothing twice on a re-run', async () => {
    keycloak.requests.length = 0;
    const before = [crbs(), rbs()];
    const result = await run({
      groups: [
        {
          group: 'group:default/dev-team',
          clusterRole: 'edit',
          namespace: 'dev',
        },
      ],
    });
    expect(
      keycloak.requests.filter(r => r.method === 'POST').map(r => r.path),
    ).toEqual(['/realms/master/protocol/openid-connect/token']);
    expect(result.keycloak!.created).toEqual([]);
    expect(result.rbac).toEqual({ created: [], updated: [], deleted: [] });
    expect([crbs(), rbs()]).toEqual(before);
  });

  it('removes stale kpaas bindings and follows a changed role', async () => {
    const result = await run({
      ownerClusterRole: 'admin',
      groups: [{ group: 'auditors', clusterRole: 'view' }],
    });
    expect(result.rbac.deleted.sort()).toEqual([
      'ClusterRoleBinding kpaas-owner-cluster-admin',
      'RoleBinding dev/kpaas-group-dev-team-edit',
    ]);
    expect(crbs().sort()).toEqual([
      ['kpaas-group-auditors-view', 'view', 'Group', 'oidc:auditors'],
      ['kpaas-owner-admin', 'admin', 'Group', 'oidc:platform'],
      ['someone-elses', 'view', 'Group', 'x'],
    ]);
    expect(rbs()).toEqual([]);
  });

  it('reports a down Keycloak with the step and the fix', async () => {
    keycloak.down = true;
    try {
      const err = await run({}, 300).catch(e => e);
      expect(err).toBeInstanceOf(KeycloakRealmError);
      expect(err.message).toMatch(
        /^access: Keycloak realm: admin token: Keycloak does not answer \(POST \/realms\/master\/protocol\/openid-connect\/token answered 503.*check the keycloak add-on \(kubectl -n keycloak get pods,svc keycloak-http\), then re-run kpaas:addons/,
      );
    } finally {
      keycloak.down = false;
    }
  });
});
