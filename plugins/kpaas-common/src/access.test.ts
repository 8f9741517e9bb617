import {
  accessBindings,
  accessGroupNames,
  clusterOidc,
  kubeApiServerOidcArgs,
  oidcKubeconfig,
  OIDC_CA_FILE,
} from './access';
import { parseClusterSpec } from './spec/validate';
import { vagrantSpec } from './spec/__fixtures__/testSpecs';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----\n';

function spec(access: Record<string, unknown>, addons = [{ id: 'keycloak' }]) {
  const r = parseClusterSpec({
    ...vagrantSpec,
    spec: {
      ...vagrantSpec.spec,
      addons,
      access: { ...vagrantSpec.spec.access, ...access },
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('cluster access model', () => {
  it("takes the issuer from the cluster's Keycloak add-on: realm per cluster", () => {
    expect(clusterOidc(spec({}))).toEqual({
      issuerUrl: 'https://keycloak.k-paas.io/realms/lite',
      source: 'keycloak',
      realm: 'lite',
      clientId: 'kubernetes',
      usernameClaim: 'preferred_username',
      groupsClaim: 'groups',
      usernamePrefix: 'oidc:',
      groupsPrefix: 'oidc:',
    });
  });

  it('is off without Keycloak and without an external issuer, or when disabled', () => {
    expect(clusterOidc(spec({}, []))).toBeUndefined();
    expect(clusterOidc(spec({ oidc: { enabled: false } }))).toBeUndefined();
    // cp-deployment takes no API server flags from kpaas: Keycloak alone does not turn it on
    const cp = spec({});
    cp.spec.kubernetes.installer = 'kpaas-cp';
    expect(clusterOidc(cp)).toBeUndefined();
    expect(kubeApiServerOidcArgs(undefined)).toEqual([]);
    expect(accessBindings(spec({}, []))).toEqual([]);
  });

  it('uses an external issuer with its CA, and derives the API server flags', () => {
    const oidc = clusterOidc(
      spec(
        {
          oidc: {
            issuerUrl: 'https://login.example.com/realms/acme',
            clientId: 'k8s',
            usernameClaim: 'email',
            usernamePrefix: '',
            caPem: CA,
          },
        },
        [],
      ),
    );
    expect(oidc).toMatchObject({ source: 'external' });
    expect(kubeApiServerOidcArgs(oidc)).toEqual([
      {
        name: 'oidc-issuer-url',
        value: 'https://login.example.com/realms/acme',
      },
      { name: 'oidc-client-id', value: 'k8s' },
      { name: 'oidc-username-claim', value: 'email' },
      { name: 'oidc-username-prefix', value: '-' },
      { name: 'oidc-groups-claim', value: 'groups' },
      { name: 'oidc-groups-prefix', value: 'oidc:' },
      { name: 'oidc-ca-file', value: OIDC_CA_FILE },
    ]);
  });

  it('refuses bad access settings naming the field', () => {
    const r = parseClusterSpec({
      ...vagrantSpec,
      spec: {
        ...vagrantSpec.spec,
        access: {
          oidc: { issuerUrl: 'http://login.example.com/', caPem: 'nope' },
          groups: [{ group: 'user:default/bob', clusterRole: 'view' }],
        },
      },
    });
    expect(r.ok).toBe(false);
    const paths = (r as any).errors.map((e: any) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.access.oidc.issuerUrl',
        'spec.access.oidc.caPem',
        'spec.access.groups[0].group',
      ]),
    );
  });

  it('binds the owner group to cluster-admin and groups[] to their roles, with the oidc: prefix', () => {
    const bindings = accessBindings(
      spec({
        groups: [
          {
            group: 'group:default/dev-team',
            clusterRole: 'edit',
            namespace: 'dev',
          },
          { group: 'auditors', clusterRole: 'view' },
        ],
      }),
    );
    expect(
      bindings.map(b => [
        b.kind,
        b.name,
        b.namespace,
        b.clusterRole,
        b.subject,
        b.field,
      ]),
    ).toEqual([
      [
        'ClusterRoleBinding',
        'kpaas-owner-cluster-admin',
        undefined,
        'cluster-admin',
        { kind: 'Group', name: 'oidc:platform-team' },
        'metadata.owner',
      ],
      [
        'RoleBinding',
        'kpaas-group-dev-team-edit',
        'dev',
        'edit',
        { kind: 'Group', name: 'oidc:dev-team' },
        'spec.access.groups[0].group',
      ],
      [
        'ClusterRoleBinding',
        'kpaas-group-auditors-view',
        undefined,
        'view',
        { kind: 'Group', name: 'oidc:auditors' },
        'spec.access.groups[1].group',
      ],
    ]);
    expect(bindings[2].ref).toBe('group:default/auditors');
    expect(accessGroupNames(bindings)).toEqual([
      'platform-team',
      'dev-team',
      'auditors',
    ]);
  });

  it('gives a configurable ClusterRole to the owner, and a user owner a User subject', () => {
    const s = spec({ ownerClusterRole: 'admin' });
    s.metadata.owner = 'user:default/alice';
    expect(accessBindings(s)[0]).toMatchObject({
      clusterRole: 'admin',
      subject: { kind: 'User', name: 'oidc:alice' },
    });
  });

  it('builds a kubeconfig with the kubelogin exec plugin, CA, and no credential', () => {
    const oidc = clusterOidc(spec({}))!;
    const kc = oidcKubeconfig(
      {
        clusterName: 'lite',
        apiServerUrl: 'https://192.168.100.200:6443',
        caPem: CA,
      },
      oidc,
    ) as any;
    expect(kc.clusters[0].cluster).toEqual({
      server: 'https://192.168.100.200:6443',
      'certificate-authority-data': Buffer.from(CA).toString('base64'),
    });
    expect(kc.users[0].user).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: 'kubectl',
        args: [
          'oidc-login',
          'get-token',
          '--oidc-issuer-url=https://keycloak.k-paas.io/realms/lite',
          '--oidc-client-id=kubernetes',
        ],
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
      },
    });
    expect(JSON.stringify(kc)).not.toMatch(/"token"|client-key|password/);
  });
});
