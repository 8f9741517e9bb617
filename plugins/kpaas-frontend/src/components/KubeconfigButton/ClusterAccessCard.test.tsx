import { screen } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { ClusterAccessCard } from './ClusterAccessCard';

const spec = (addons: Array<{ id: string }>) => ({
  apiVersion: 'kpaas.io/v1alpha1',
  kind: 'Cluster',
  metadata: {
    name: 'demo',
    owner: 'group:default/platform-team',
    environment: 'dev',
  },
  spec: {
    target: { type: 'multipass' },
    controlPlane: { count: 1 },
    workers: { count: 1 },
    network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
    addons,
    access: {
      groups: [
        {
          group: 'group:default/dev-team',
          clusterRole: 'view',
          namespace: 'dev',
        },
      ],
    },
  },
});

const api = (s: unknown) =>
  ({
    getCluster: jest.fn(async () => ({ name: 'demo', spec: s })),
    getKubeconfig: jest.fn(),
  } as unknown as KpaasApi);

describe('ClusterAccessCard', () => {
  it('shows the issuer, the bindings spec.access asks for and the Kubeconfig button', async () => {
    await renderWithApis(
      <ClusterAccessCard clusterName="demo" />,
      api(spec([{ id: 'keycloak' }])),
      () => AuthorizeResult.ALLOW,
    );
    expect(
      await screen.findByText(
        'Sign-in: https://keycloak.k.test/realms/demo (client kubernetes)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('group:default/platform-team')).toBeInTheDocument();
    expect(screen.getByText('cluster-admin')).toBeInTheDocument();
    expect(screen.getByText('namespace dev')).toBeInTheDocument();
    expect(
      await screen.findByRole('button', { name: 'Kubeconfig' }),
    ).toBeInTheDocument();
  });

  it('says how to turn OIDC on when the cluster has none, without a button', async () => {
    await renderWithApis(
      <ClusterAccessCard clusterName="demo" />,
      api(spec([])),
      () => AuthorizeResult.ALLOW,
    );
    expect(await screen.findByText(/OIDC sign-in is off/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Kubeconfig' })).toBeNull();
  });
});
