import { screen, waitFor } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { RetireClusterButton } from './RetireClusterButton';

// a loaded 2-core machine renders the first test slowly (module warm-up)
jest.setTimeout(30_000);

describe('RetireClusterButton', () => {
  it('with kpaas.cluster.delete: opens kpaas-cluster-retire with the cluster and its repository, never the name to type', async () => {
    const getCluster = jest.fn(async () => ({
      name: 'demo',
      repoUrl: 'https://github.com/acme/demo-cluster',
    }));
    await renderWithApis(
      <RetireClusterButton clusterName="demo" />,
      { getCluster } as unknown as KpaasApi,
      (permission, resourceRef) =>
        permission === 'kpaas.cluster.delete' && resourceRef === 'demo'
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    );
    const link = await screen.findByRole(
      'link',
      { name: 'Retire cluster' },
      { timeout: 15_000 },
    );
    await waitFor(
      () => expect(link.getAttribute('href')).toContain('repoUrl'),
      { timeout: 15_000 },
    );
    const url = new URL(link.getAttribute('href') as string, 'http://app');
    expect(url.pathname).toBe('/create/templates/default/kpaas-cluster-retire');
    expect(JSON.parse(url.searchParams.get('formData') as string)).toEqual({
      cluster: 'resource:default/demo',
      repoUrl: 'github.com?owner=acme&repo=demo-cluster',
    });
  });

  it('is hidden without kpaas.cluster.delete (update is not enough)', async () => {
    const getCluster = jest.fn(async () => ({ name: 'demo' }));
    await renderWithApis(
      <>
        <div data-testid="other">
          <RetireClusterButton clusterName="other" />
        </div>
        <div data-testid="demo">
          <RetireClusterButton clusterName="demo" />
        </div>
      </>,
      { getCluster } as unknown as KpaasApi,
      // everyone may update; only "demo" may be deleted
      (permission, resourceRef) =>
        permission !== 'kpaas.cluster.delete' || resourceRef === 'demo'
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    );
    // both decisions arrive in one batch: once "demo" shows, "other" has been decided too
    await screen.findByRole(
      'link',
      { name: 'Retire cluster' },
      { timeout: 15_000 },
    );
    expect(
      screen.getAllByRole('link', { name: 'Retire cluster' }),
    ).toHaveLength(1);
    expect(screen.getByTestId('other')).toBeEmptyDOMElement();
    expect(getCluster).not.toHaveBeenCalledWith('other');
  });
});
