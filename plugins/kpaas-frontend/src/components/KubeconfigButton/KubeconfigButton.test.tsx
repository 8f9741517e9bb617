import { fireEvent, screen, waitFor } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { KubeconfigButton } from './KubeconfigButton';

/** kpaas.cluster.access on cluster "demo" only (the decision is per cluster). */
const onlyDemo = (permission: string, resourceRef?: string) =>
  permission === 'kpaas.cluster.access' && resourceRef === 'demo'
    ? AuthorizeResult.ALLOW
    : AuthorizeResult.DENY;

describe('KubeconfigButton', () => {
  it('is shown with kpaas.cluster.access, with the kubelogin how-to, and downloads the file', async () => {
    const getKubeconfig = jest.fn(async () => 'apiVersion: v1\nkind: Config\n');
    const created: Blob[] = [];
    const createObjectURL = jest.fn((b: Blob) => {
      created.push(b);
      return 'blob:kubeconfig';
    });
    Object.assign(URL, { createObjectURL, revokeObjectURL: jest.fn() });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => {});
    await renderWithApis(
      <KubeconfigButton clusterName="demo" />,
      { getKubeconfig } as unknown as KpaasApi,
      onlyDemo,
    );
    const button = await screen.findByRole('button', { name: 'Kubeconfig' });
    expect(
      screen.getByText('kubectl krew install oidc-login'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('kubectl --kubeconfig demo-kubeconfig.yaml get nodes'),
    ).toBeInTheDocument();
    fireEvent.click(button);
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect(getKubeconfig).toHaveBeenCalledWith('demo');
    expect(await created[0].text()).toBe('apiVersion: v1\nkind: Config\n');
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe(
      'demo-kubeconfig.yaml',
    );
    click.mockRestore();
  });

  it('is hidden on a cluster without it', async () => {
    const getKubeconfig = jest.fn();
    // both decisions arrive in one batch: once "demo" shows, "other" has been decided too
    await renderWithApis(
      <>
        <div data-testid="demo">
          <KubeconfigButton clusterName="demo" />
        </div>
        <div data-testid="other">
          <KubeconfigButton clusterName="other" />
        </div>
      </>,
      { getKubeconfig } as unknown as KpaasApi,
      onlyDemo,
    );
    await screen.findByRole('button', { name: 'Kubeconfig' });
    expect(screen.getAllByRole('button', { name: 'Kubeconfig' })).toHaveLength(
      1,
    );
    expect(screen.getByTestId('other')).toBeEmptyDOMElement();
    expect(screen.getByTestId('demo')).not.toBeEmptyDOMElement();
    expect(getKubeconfig).not.toHaveBeenCalled();
  });
});
