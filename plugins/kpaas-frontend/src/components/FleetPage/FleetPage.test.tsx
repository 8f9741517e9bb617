import {
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type { ClusterSummary } from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../../api';
import { mockKpaasApi, responseError } from '../../__testUtils__/mockKpaasApi';
import { healthyStatus } from '../../__testUtils__/fixtures';
import { FleetPage } from './FleetPage';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

function summary(
  name: string,
  overrides: Partial<ClusterSummary> = {},
): ClusterSummary {
  return {
    name,
    entityRef: `resource:default/${name}`,
    apiServerUrl: `https://${name}.example.com:6443`,
    state: 'Healthy',
    kubernetesVersion: 'v1.33.5',
    nodes: { ready: 6, total: 6 },
    controlPlanes: { ready: 3, total: 3 },
    addons: { healthy: 5, total: 5 },
    checkedAt: '2026-03-01T12:00:00.000Z',
    source: 'registered',
    owner: 'group:default/platform-team',
    environment: 'dev',
    target: 'kakao-cloud',
    ...overrides,
  };
}

const fleet: ClusterSummary[] = [
  summary('alpha'),
  summary('bravo', {
    state: 'Degraded',
    reason: '1 of 6 nodes NotReady (worker-2)',
    nodes: { ready: 5, total: 6 },
    environment: 'production',
    owner: 'group:default/web-team',
  }),
  summary('charlie', {
    state: 'Unreachable',
    reason: 'connect ECONNREFUSED 10.0.0.5:6443',
    kubernetesVersion: undefined,
    nodes: { ready: 0, total: 0 },
    addons: { healthy: 0, total: 0 },
    checkedAt: undefined,
    environment: 'staging',
    target: 'existing',
  }),
  summary('delta', { kubernetesVersion: 'v1.32.9', environment: 'production' }),
];

function apiWith(answer: ClusterSummary[] | Error) {
  const api = mockKpaasApi(healthyStatus());
  api.listClusters.mockImplementation(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return api;
}

async function renderFleet(api: ReturnType<typeof mockKpaasApi>, path = '/') {
  return renderInTestApp(
    <TestApiProvider apis={[[kpaasApiRef, api]]}>
      <FleetPage />
    </TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: [path],
    },
  );
}

function sortBy(column: string) {
  const table = screen.getByTestId('fleet-table');
  fireEvent.click(within(table).getByText(column, { selector: 'thead *' }));
}

const clusterNames = () =>
  screen.getAllByTestId('fleet-cluster-name').map(e => e.textContent);

describe('FleetPage', () => {
  beforeEach(() => {
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate'],
      now: Date.parse('2026-03-01T12:00:12Z'),
    });
  });
  afterEach(() => jest.useRealTimers());

  it('lists every cluster from one request, worst health first, with all columns and links', async () => {
    const api = apiWith(fleet);
    await renderFleet(api);
    await screen.findAllByTestId('fleet-cluster-name');
    expect(api.listClusters).toHaveBeenCalledTimes(1);
    expect(api.getClusterStatus).not.toHaveBeenCalled();
    // the fleet's operations warnings: one request too, never one per cluster
    await screen.findByTestId('fleet-warnings-count');
    expect(api.getFleetOperations).toHaveBeenCalledTimes(1);
    expect(api.getClusterOperations).not.toHaveBeenCalled();
    expect(clusterNames()).toEqual(['charlie', 'bravo', 'alpha', 'delta']);
    expect(screen.getByTestId('fleet-counts')).toHaveTextContent(
      '4 clusters: 1 Unreachable, 1 Degraded, 2 Healthy',
    );

    const bravo = screen
      .getAllByRole('row')
      .find(r => within(r).queryByText('bravo'))!;
    expect(within(bravo).getByTestId('fleet-health')).toHaveAttribute(
      'aria-label',
      'Cluster health: Degraded',
    );
    expect(within(bravo).getByTestId('fleet-health-reason')).toHaveTextContent(
      '1 of 6 nodes NotReady (worker-2)',
    );
    expect(within(bravo).getByTestId('fleet-nodes')).toHaveTextContent(
      '5/6 ready',
    );
    expect(within(bravo).getByTestId('fleet-addons')).toHaveTextContent(
      '5/5 healthy',
    );
    expect(within(bravo).getByTestId('fleet-version')).toHaveTextContent(
      'v1.33.5',
    );
    expect(within(bravo).getByTestId('fleet-environment')).toHaveTextContent(
      'production',
    );
    expect(within(bravo).getByTestId('fleet-target')).toHaveTextContent(
      'kakao-cloud',
    );
    expect(within(bravo).getByTestId('fleet-owner')).toHaveTextContent(
      'web-team',
    );
    expect(within(bravo).getByTestId('fleet-owner')).toHaveAttribute(
      'href',
      '/catalog/default/group/web-team',
    );
    expect(within(bravo).getByTestId('fleet-cluster-name')).toHaveAttribute(
      'href',
      '/catalog/default/resource/bravo',
    );
    expect(within(bravo).getByTestId('cluster-last-checked')).toHaveTextContent(
      '12 s ago',
    );

    const charlie = screen
      .getAllByRole('row')
      .find(r => within(r).queryByText('charlie'))!;
    expect(within(charlie).getByTestId('fleet-version')).toHaveTextContent(
      'unknown',
    );
    expect(within(charlie).getByTestId('fleet-nodes')).toHaveTextContent(
      'none',
    );
    expect(
      within(charlie).getByTestId('cluster-last-checked'),
    ).toHaveTextContent('not checked yet');

    expect(screen.getByTestId('fleet-create')).toHaveAttribute(
      'href',
      '/create',
    );
  });

  it('sorts by a column when its header is clicked, and back', async () => {
    await renderFleet(apiWith(fleet));
    await screen.findAllByTestId('fleet-cluster-name');
    sortBy('Cluster');
    expect(clusterNames()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    sortBy('Cluster');
    expect(clusterNames()).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
  });

  it.each([
    // No nodes first, then 5/6, then the full ones.
    ['Nodes', 1, ['charlie', 'bravo', 'alpha', 'delta']],
    // Unknown first, then v1.32.9 before v1.33.5.
    ['K8s', 1, ['charlie', 'delta', 'bravo', 'alpha']],
    ['Environment', 1, ['alpha', 'bravo', 'delta', 'charlie']],
    // Healthiest first when descending.
    ['Health', 2, ['delta', 'alpha', 'bravo', 'charlie']],
  ])('sorts by %s (%i clicks)', async (column, clicks, order) => {
    await renderFleet(apiWith(fleet));
    await screen.findAllByTestId('fleet-cluster-name');
    for (let i = 0; i < clicks; i++) sortBy(column);
    expect(clusterNames()).toEqual(order);
  });

  it('filters by health, environment and text', async () => {
    await renderFleet(apiWith(fleet));
    await screen.findAllByTestId('fleet-cluster-name');

    fireEvent.change(screen.getByLabelText('Filter by environment'), {
      target: { value: 'production' },
    });
    expect(clusterNames()).toEqual(['bravo', 'delta']);
    expect(screen.getByTestId('fleet-shown-count')).toHaveTextContent(
      'showing 2 of 4',
    );

    fireEvent.change(screen.getByLabelText('Filter by health'), {
      target: { value: 'Healthy' },
    });
    expect(clusterNames()).toEqual(['delta']);

    fireEvent.change(screen.getByLabelText('Filter by health'), {
      target: { value: '' },
    });
    fireEvent.change(screen.getByLabelText('Filter by environment'), {
      target: { value: '' },
    });
    fireEvent.change(screen.getByLabelText('Search clusters'), {
      target: { value: 'ECONNREFUSED' },
    });
    expect(clusterNames()).toEqual(['charlie']);

    fireEvent.change(screen.getByLabelText('Search clusters'), {
      target: { value: 'nothing-like-this' },
    });
    expect(screen.queryAllByTestId('fleet-cluster-name')).toHaveLength(0);
    expect(
      screen.getByText(/No cluster matches the search and filters/),
    ).toBeInTheDocument();
  });

  it('starts with the filters of the URL', async () => {
    await renderFleet(apiWith(fleet), '/?health=Healthy&environment=dev');
    await screen.findAllByTestId('fleet-cluster-name');
    expect(clusterNames()).toEqual(['alpha']);
    expect(screen.getByLabelText('Filter by health')).toHaveValue('Healthy');
  });

  it('explains an empty fleet and links to Create', async () => {
    await renderFleet(apiWith([]));
    expect(
      await screen.findByText('No clusters registered yet'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('fleet-create')).toHaveAttribute(
      'href',
      '/create',
    );
    expect(screen.queryByTestId('fleet-table')).not.toBeInTheDocument();
  });

  it("shows the backend's reason when the list fails, and retries", async () => {
    const api = apiWith(await responseError(500, 'database is unavailable'));
    await renderFleet(api);
    const error = await screen.findByTestId('fleet-error');
    expect(error).toHaveTextContent('Could not load the clusters');
    expect(error).toHaveTextContent('database is unavailable');

    api.listClusters.mockImplementation(async () => fleet);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(clusterNames()).toHaveLength(4));
    expect(api.listClusters).toHaveBeenCalledTimes(2);
  });

  it('renders 500 clusters 50 rows at a time', async () => {
    const many = Array.from({ length: 500 }, (_, i) =>
      summary(`c-${String(i).padStart(3, '0')}`),
    );
    await renderFleet(apiWith(many));
    await screen.findAllByTestId('fleet-cluster-name');
    expect(clusterNames()).toHaveLength(50);
    expect(screen.getByTestId('fleet-counts')).toHaveTextContent(
      '500 clusters: 500 Healthy',
    );
  });
});
