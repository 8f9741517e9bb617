import {
  clusterConfigurationOidcArgs,
  oidcArgChanges,
  readApiServerManifest,
} from './apiServerOidc';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.0.11
    - --oidc-issuer-url=https://keycloak.example.com/realms/demo
    - "--oidc-groups-prefix=oidc:"
    - --oidc-username-prefix=-
    - --secure-port=6443
    image: registry.k8s.io/kube-apiserver:v1.33.5
    name: kube-apiserver
`;

describe('reading what kube-apiserver runs with', () => {
  it('takes the --oidc-* flags and the version from the static pod manifest', () => {
    expect(readApiServerManifest(MANIFEST)).toEqual({
      oidcArgs: [
        {
          name: 'oidc-issuer-url',
          value: 'https://keycloak.example.com/realms/demo',
        },
        { name: 'oidc-groups-prefix', value: 'oidc:' },
        { name: 'oidc-username-prefix', value: '-' },
      ],
      version: 'v1.33.5',
    });
  });

  it('refuses a manifest without a kube-apiserver command', () => {
    expect(() => readApiServerManifest('kind: Pod # kube-apiserver\n')).toThrow(
      'kube-apiserver.yaml has no kube-apiserver container with a command',
    );
  });

  it('reads kubeadm-config in v1beta4 (list) and v1beta3 (map) form, OIDC flags only', () => {
    expect(
      clusterConfigurationOidcArgs(
        'apiServer:\n  extraArgs:\n    - name: oidc-client-id\n      value: kubernetes\n    - name: audit-log-path\n      value: /x\n',
      ),
    ).toEqual([{ name: 'oidc-client-id', value: 'kubernetes' }]);
    expect(
      clusterConfigurationOidcArgs(
        'apiServer:\n  extraArgs:\n    oidc-client-id: kubernetes\n    audit-log-path: /x\n',
      ),
    ).toEqual([{ name: 'oidc-client-id', value: 'kubernetes' }]);
    expect(clusterConfigurationOidcArgs('apiServer: {}\n')).toEqual([]);
  });
});

describe('oidcArgChanges', () => {
  const a = (name: string, value: string) => ({ name, value });
  it('is empty when the flags match in any order', () => {
    expect(
      oidcArgChanges(
        [a('oidc-client-id', 'k'), a('oidc-issuer-url', 'https://i')],
        [a('oidc-issuer-url', 'https://i'), a('oidc-client-id', 'k')],
      ),
    ).toEqual([]);
  });
  it('names each added, changed and removed flag', () => {
    expect(
      oidcArgChanges(
        [a('oidc-client-id', 'k'), a('oidc-ca-file', '/ca')],
        [a('oidc-client-id', 'kubectl'), a('oidc-issuer-url', 'https://i')],
      ),
    ).toEqual([
      'oidc-client-id: k -> kubectl',
      'oidc-issuer-url: (none) -> https://i',
      'oidc-ca-file: /ca -> (none)',
    ]);
  });
});
