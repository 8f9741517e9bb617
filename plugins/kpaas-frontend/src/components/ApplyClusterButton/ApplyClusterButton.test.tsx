import { screen, waitFor } from '@testing-library/react';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import {
  clusterEntity,
  renderWithApis,
} from '../../__testUtils__/renderWithApis';
import { ApplyClusterButton, catalogSource } from './ApplyClusterButton';

const updateOnDemo = (permission: string, resourceRef?: string) =>
  permission === 'kpaas.cluster.update' && resourceRef === 'demo'
    ? AuthorizeResult.ALLOW
    : AuthorizeResult.DENY;

const registeredFrom = (location: string) => ({
  ...clusterEntity,
  metadata: {
    ...clusterEntity.metadata,
    annotations: {
      ...clusterEntity.metadata.annotations,
      'backstage.io/managed-by-location': location,
    },
  },
});

// a loaded 2-core machine renders the first test slowly (module warm-up)
jest.setTimeout(30_000);

describe('ApplyClusterButton', () => {
  it('with kpaas.cluster.update: opens kpaas-cluster-apply on the registered repository, the branch and folder the catalog reads', async () => {
    const getCluster = jest.fn(async () => ({
      name: 'demo',
      repoUrl: 'https://github.com/acme/platform-clusters',
    }));
    await renderWithApis(
      <EntityProvider
        entity={registeredFrom(
          'url:https://github.com/acme/platform-clusters/tree/main/clusters/demo/catalog-info.yaml',
        )}
      >
        <ApplyClusterButton clusterName="demo" />
      </EntityProvider>,
      { getCluster } as unknown as KpaasApi,
      updateOnDemo,
    );
    const link = await screen.findByRole(
      'link',
      { name: 'Apply' },
      { timeout: 15_000 },
    );
    await waitFor(
      () => expect(link.getAttribute('href')).toContain('repoUrl'),
      { timeout: 15_000 },
    );
    const url = new URL(link.getAttribute('href') as string, 'http://app');
    expect(url.pathname).toBe('/create/templates/default/kpaas-cluster-apply');
    expect(JSON.parse(url.searchParams.get('formData') as string)).toEqual({
      repoUrl: 'github.com?owner=acme&repo=platform-clusters',
      branch: 'main',
      path: 'clusters/demo',
    });
  });

  it('is hidden without kpaas.cluster.update', async () => {
    const getCluster = jest.fn();
    await renderWithApis(
      <>
        <div data-testid="other">
          <ApplyClusterButton clusterName="other" />
        </div>
        <div data-testid="demo">
          <ApplyClusterButton clusterName="demo" />
        </div>
      </>,
      { getCluster } as unknown as KpaasApi,
      (permission, resourceRef) =>
        permission === 'kpaas.cluster.read'
          ? AuthorizeResult.ALLOW
          : updateOnDemo(permission, resourceRef),
    );
    await screen.findByRole('link', { name: 'Apply' }, { timeout: 15_000 });
    expect(screen.getAllByRole('link', { name: 'Apply' })).toHaveLength(1);
    expect(screen.getByTestId('other')).toBeEmptyDOMElement();
    expect(getCluster).not.toHaveBeenCalledWith('other');
  });

  it('reads the branch and folder of GitHub, GitLab and Gitea locations', () => {
    expect(
      catalogSource(
        registeredFrom(
          'url:https://github.com/acme/demo-cluster/blob/main/catalog-info.yaml',
        ),
      ),
    ).toEqual({ branch: 'main', path: '.' });
    expect(
      catalogSource(
        registeredFrom(
          'url:https://gitlab.example.com/acme/demo/-/tree/trunk/catalog-info.yaml',
        ),
      ),
    ).toEqual({ branch: 'trunk', path: '.' });
    expect(
      catalogSource(
        registeredFrom(
          'url:https://git.k-paas.test/platform/clusters/src/branch/main/clusters/demo/catalog-info.yaml',
        ),
      ),
    ).toEqual({ branch: 'main', path: 'clusters/demo' });
    expect(catalogSource(clusterEntity)).toBeUndefined();
  });
});
