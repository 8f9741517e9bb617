import { configure, act, fireEvent, screen, waitFor } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { ClusterStatus } from '@internal/plugin-kpaas-common';
import {
  degradedStatus,
  healthyStatus,
  provisioningStatus,
  unreachableStatus,
} from '../../__testUtils__/fixtures';
import { mockKpaasApi, responseError } from '../../__testUtils__/mockKpaasApi';
import { Authorize, renderWithApis } from '../../__testUtils__/renderWithApis';
import { ClusterOverviewCard } from './ClusterOverviewCard';

// The CI cores are shared: give async queries room before they give up.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

function renderCard(api: ReturnType<typeof mockKpaasApi>, authorize?: Authorize) {
  return renderWithApis(<ClusterOverviewCard />, api, authorize);
}

describe('ClusterOverviewCard', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'], now: Date.parse('2026-03-01T12:00:12Z') });
  });
  afterEach(() => jest.useRealTimers());

  it('shows a healthy cluster: versions, counts, last check and platform links', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderCard(api);
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent('Healthy');
    expect(api.getClusterStatus).toHaveBeenCalledWith('demo', expect.anything());
    expect(screen.getByTestId('cluster-version')).toHaveTextContent('v1.33.5');
    expect(screen.getByTestId('cluster-nodes')).toHaveTextContent('5/5 nodes ready');
    expect(screen.getByTestId('cluster-control-plane')).toHaveTextContent(
      '3/3 control planes ready, etcd quorum (3/3 members)',
    );
    expect(screen.getByTestId('cluster-addons')).toHaveTextContent('3/3 add-ons healthy');
    expect(screen.getByTestId('cluster-last-checked')).toHaveTextContent('12 s ago');

    const links = screen.getAllByTestId('platform-link');
    expect(links.map(a => a.getAttribute('href'))).toEqual([
      'https://grafana.demo.example.com',
      'https://argocd.demo.example.com',
    ]);
    expect(links[0]).toHaveTextContent('Grafana');
    expect(links[1]).toHaveTextContent('Argo CD');
    expect(screen.getByRole('img', { name: 'Grafana is up' })).toBeInTheDocument();
    // Argo CD's certificate expires in 5 days: flagged; Grafana's (60 days) is not.
    const warnings = screen.getAllByTestId('platform-link-tls-warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toHaveTextContent('TLS expires in 5 d');
  });

  it('shows a degraded cluster with its reason and the NotReady node in the count', async () => {
    await renderCard(mockKpaasApi(degradedStatus()));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent('Degraded');
    expect(screen.getByTestId('cluster-health-reason')).toHaveTextContent(
      '1 of 5 nodes NotReady (worker-2)',
    );
    expect(screen.getByTestId('cluster-nodes')).toHaveTextContent('4/5 nodes ready');
    expect(screen.getByTestId('cluster-addons')).toHaveTextContent('2/3 add-ons healthy');
  });

  it('shows an unreachable cluster with the connection error and links marked down', async () => {
    await renderCard(mockKpaasApi(unreachableStatus()));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent('Unreachable');
    expect(screen.getByTestId('cluster-health-reason')).toHaveTextContent(
      'connect ECONNREFUSED 10.0.0.5:6443',
    );
    expect(screen.getByRole('img', { name: 'Grafana is down' })).toBeInTheDocument();
  });

  it('shows a provisioning cluster; links it does not have are absent', async () => {
    await renderCard(mockKpaasApi(provisioningStatus()));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent('Provisioning');
    expect(screen.queryAllByTestId('platform-link')).toHaveLength(0);
    expect(screen.getByText(/No platform UIs/)).toBeInTheDocument();
  });

  it('shows skeletons while loading', async () => {
    const api = mockKpaasApi(healthyStatus());
    api.getClusterStatus.mockReturnValue(new Promise(() => {}));
    await renderCard(api);
    expect(screen.getByTestId('cluster-overview-loading')).toBeInTheDocument();
  });

  it('explains that an unknown cluster is registered by the bootstrap step', async () => {
    await renderCard(mockKpaasApi(await responseError(404, 'no cluster named "demo"')));
    expect(await screen.findByText('Cluster demo is not registered yet')).toBeInTheDocument();
    expect(screen.getByText(/the bootstrap step registers it/)).toBeInTheDocument();
  });

  it('says what to ask for when the backend forbids reading', async () => {
    await renderCard(mockKpaasApi(await responseError(403, 'not allowed')));
    expect(
      await screen.findByText('You are not allowed to see this cluster'),
    ).toBeInTheDocument();
  });

  it('does not call the backend without kpaas.cluster.read', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderCard(api, () => AuthorizeResult.DENY);
    expect(
      await screen.findByText('You are not allowed to see this cluster'),
    ).toBeInTheDocument();
    expect(screen.getByText(/kpaas.cluster.read/)).toBeInTheDocument();
    expect(api.getClusterStatus).not.toHaveBeenCalled();
  });

  it("shows the backend's reason on failure and retries", async () => {
    const api = mockKpaasApi(await responseError(500, 'database is down'));
    await renderCard(api);
    expect((await screen.findAllByText(/database is down/)).length).toBeGreaterThan(0);
    api.getClusterStatus.mockResolvedValue(healthyStatus());
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent('Healthy');
  });

  it('re-reads every 30 s while visible and pauses while the page is hidden', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderCard(api);
    await screen.findByTestId('cluster-health');
    expect(api.getClusterStatus).toHaveBeenCalledTimes(1);

    await jestAdvance(30_000);
    expect(api.getClusterStatus).toHaveBeenCalledTimes(2);

    setHidden(true);
    await jestAdvance(90_000);
    expect(api.getClusterStatus).toHaveBeenCalledTimes(2);

    // Back to visible with stale data: one immediate read, then the 30 s rhythm again.
    setHidden(false);
    await waitFor(() => expect(api.getClusterStatus).toHaveBeenCalledTimes(3));
    await jestAdvance(30_000);
    expect(api.getClusterStatus).toHaveBeenCalledTimes(4);
  });

  it('asks the backend to check now when the user may refresh, then re-reads', async () => {
    const api = mockKpaasApi(healthyStatus());
    api.refreshCluster.mockResolvedValue(degradedStatus());
    api.getClusterStatus
      .mockResolvedValueOnce(healthyStatus())
      .mockResolvedValue(degradedStatus());
    await renderCard(api);
    await screen.findByText('Healthy');
    fireEvent.click(screen.getByRole('button', { name: 'Refresh cluster status' }));
    await waitFor(() =>
      expect(screen.getByTestId('cluster-health')).toHaveTextContent('Degraded'),
    );
    expect(api.refreshCluster).toHaveBeenCalledWith('demo');
    expect(api.getClusterStatus).toHaveBeenCalledTimes(2);
  });

  it('only re-reads without kpaas.cluster.refresh', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderCard(api, name =>
      name === 'kpaas.cluster.refresh' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
    );
    await screen.findByText('Healthy');
    const button = screen.getByRole('button', { name: 'Refresh cluster status' });
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    await waitFor(() => expect(api.getClusterStatus).toHaveBeenCalledTimes(2));
    expect(api.refreshCluster).not.toHaveBeenCalled();
  });

  it("tells the user when the backend rate-limits a refresh (429 Retry-After)", async () => {
    const api = mockKpaasApi(healthyStatus());
    api.refreshCluster.mockRejectedValue(
      await responseError(429, 'refreshed less than 30 s ago', { 'Retry-After': '17' }),
    );
    await renderCard(api);
    await screen.findByText('Healthy');
    const button = screen.getByRole('button', { name: 'Refresh cluster status' });
    await waitFor(() => expect(button).toBeEnabled());
    fireEvent.click(button);
    expect(await screen.findByTestId('cluster-refresh-notice')).toHaveTextContent(
      'try again in 17 s',
    );
  });

  it('flags figures from an earlier check when the newest one was incomplete', async () => {
    await renderCard(
      mockKpaasApi({
        ...healthyStatus(),
        stale: true,
        staleReason: 'LIST pods timed out',
      } as ClusterStatus),
    );
    expect(await screen.findByTestId('cluster-status-stale')).toHaveTextContent(
      'LIST pods timed out',
    );
  });
});

async function jestAdvance(ms: number) {
  await act(async () => {
    jest.advanceTimersByTime(ms);
  });
}

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  act(() => {
    document.dispatchEvent(new Event('visibilitychange'));
  });
}
