import { screen, waitFor } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { ChangeClusterButton, repoPickerValue } from './ChangeClusterButton';

const updateOnDemo = (permission: string, resourceRef?: string) =>
  permission === 'kpaas.cluster.update' && resourceRef === 'demo'
    ? AuthorizeResult.ALLOW
    : AuthorizeResult.DENY;

describe('ChangeClusterButton', () => {
  it('is shown with kpaas.cluster.update and links to the change template with the cluster and its repository preselected', async () => {
    const getCluster = jest.fn(async () => ({
      name: 'demo',
      repoUrl: 'https://github.com/acme/demo-cluster',
    }));
    await renderWithApis(
      <ChangeClusterButton clusterName="demo" />,
      { getCluster } as unknown as KpaasApi,
      updateOnDemo,
    );
    const link = await screen.findByRole('link', { name: 'Change cluster' });
    await waitFor(() => expect(link.getAttribute('href')).toContain('repoUrl'));
    const url = new URL(link.getAttribute('href') as string, 'http://app');
    expect(url.pathname).toBe('/create/templates/default/kpaas-cluster-change');
    expect(JSON.parse(url.searchParams.get('formData') as string)).toEqual({
      cluster: 'resource:default/demo',
      repoUrl: 'github.com?owner=acme&repo=demo-cluster',
    });
    expect(getCluster).toHaveBeenCalledWith('demo');
  });

  it('is hidden without kpaas.cluster.update (read access alone is not enough)', async () => {
    const getCluster = jest.fn();
    await renderWithApis(
      <>
        <div data-testid="other">
          <ChangeClusterButton clusterName="other" />
        </div>
        <div data-testid="demo">
          <ChangeClusterButton clusterName="demo" />
        </div>
      </>,
      { getCluster } as unknown as KpaasApi,
      // everyone may read; only "demo" may be updated
      (permission, resourceRef) =>
        permission === 'kpaas.cluster.read'
          ? AuthorizeResult.ALLOW
          : updateOnDemo(permission, resourceRef),
    );
    // both decisions arrive in one batch: once "demo" shows, "other" has been decided too
    await screen.findByRole('link', { name: 'Change cluster' });
    expect(
      screen.getAllByRole('link', { name: 'Change cluster' }),
    ).toHaveLength(1);
    expect(screen.getByTestId('other')).toBeEmptyDOMElement();
    expect(getCluster).not.toHaveBeenCalledWith('other');
  });

  it('preselects only the cluster when the repository is unknown', async () => {
    await renderWithApis(
      <ChangeClusterButton clusterName="demo" />,
      {
        getCluster: jest.fn(async () => ({ name: 'demo' })),
      } as unknown as KpaasApi,
      updateOnDemo,
    );
    const link = await screen.findByRole('link', { name: 'Change cluster' });
    await waitFor(() =>
      expect(link.getAttribute('aria-disabled')).not.toBe('true'),
    );
    const url = new URL(link.getAttribute('href') as string, 'http://app');
    expect(JSON.parse(url.searchParams.get('formData') as string)).toEqual({
      cluster: 'resource:default/demo',
    });
  });

  it('turns a registered repository URL into the RepoUrlPicker value', () => {
    expect(
      repoPickerValue('https://git.k-paas.test/platform/clusters/demo'),
    ).toBe('git.k-paas.test?owner=platform%2Fclusters&repo=demo');
    expect(repoPickerValue('https://github.com')).toBeUndefined();
    expect(repoPickerValue(undefined)).toBeUndefined();
  });
});
