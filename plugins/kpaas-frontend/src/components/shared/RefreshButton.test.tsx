import { fireEvent, screen } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { KpaasApi } from '../../api';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { RefreshButton } from './RefreshButton';

/** Refresh is allowed on cluster "demo" only: the decision is per cluster (resourceRef). */
const onlyDemo = (permission: string, resourceRef?: string) =>
  permission === 'kpaas.cluster.refresh' && resourceRef === 'demo'
    ? AuthorizeResult.ALLOW
    : AuthorizeResult.DENY;

describe('RefreshButton', () => {
  it.each([
    ['demo', true, 'Check the cluster now'],
    [
      'other',
      false,
      'Reload the last check (checking now needs kpaas.cluster.refresh)',
    ],
  ])(
    'on cluster %s asks the backend: %s',
    async (clusterName, askBackend, title) => {
      const onRefresh = jest.fn();
      await renderWithApis(
        <RefreshButton
          clusterName={clusterName}
          busy={false}
          onRefresh={onRefresh}
        />,
        {} as KpaasApi,
        onlyDemo,
      );
      const button = await screen.findByRole('button', {
        name: 'Refresh cluster status',
      });
      fireEvent.mouseOver(button);
      expect(await screen.findByText(title)).toBeInTheDocument();
      fireEvent.click(button);
      expect(onRefresh).toHaveBeenCalledWith(askBackend);
    },
  );
});
