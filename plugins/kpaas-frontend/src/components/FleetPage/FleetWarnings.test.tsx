import {
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type {
  FleetOperationsResponse,
  FleetOperationsWarning,
} from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../../api';
import { mockKpaasApi, responseError } from '../../__testUtils__/mockKpaasApi';
import { healthyStatus } from '../../__testUtils__/fixtures';
import { FleetWarnings, FLEET_WARNINGS_SHOWN } from './FleetWarnings';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

function warning(
  cluster: string,
  overrides: Partial<FleetOperationsWarning> = {},
): FleetOperationsWarning {
  return {
    cluster,
    kind: 'expiry',
    severity: 'warning',
    subject: 'apiserver',
    message: 'expires in 20 days (2026-12-23)',
    dueAt: '2026-12-23T12:00:00.000Z',
    action: 'renew the kubeadm certificates on every control plane',
    ...overrides,
  };
}

// As the backend sorts them: critical first, soonest first.
const answer: FleetOperationsResponse = {
  checkedAt: '2026-12-03T12:00:00.000Z',
  items: [
    warning('bravo', {
      kind: 'version',
      severity: 'critical',
      subject: 'Kubernetes 1.33',
      message:
        'Kubernetes 1.33 reached end of life on 2026-06-28 and gets no more security fixes; upgrade to 1.37',
      dueAt: '2026-06-28T23:59:59.000Z',
      action: 'upgrade to Kubernetes 1.37 one minor at a time',
    }),
    warning('bravo', {
      kind: 'backup',
      severity: 'critical',
      subject: 'etcd backup stale',
      message:
        'the last good etcd backup is 30 hours old (more than spec.backup.maxAgeHours 26)',
      action: 'take one now with kpaas:etcd-snapshot',
    }),
    warning('alpha'),
    warning('no-entity', { subject: 'etcd-ca (CA)' }),
  ],
  unavailable: [
    { cluster: 'charlie', reason: 'unreachable: connect ECONNREFUSED' },
  ],
};

const entityRefs = {
  alpha: 'resource:default/alpha',
  bravo: 'resource:default/bravo',
};

async function renderWarnings(api: ReturnType<typeof mockKpaasApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[kpaasApiRef, api]]}>
      <FleetWarnings entityRefs={entityRefs} />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

function apiAnswering(value: FleetOperationsResponse | Error | Promise<never>) {
  const api = mockKpaasApi(healthyStatus());
  api.getFleetOperations.mockImplementation(async () => {
    if (value instanceof Error) throw value;
    return value;
  });
  return api;
}

const rows = () => screen.queryAllByTestId('fleet-warning');

describe('FleetWarnings', () => {
  it('shows progress while the one request is in flight', async () => {
    await renderWarnings(apiAnswering(new Promise<never>(() => {})));
    const card = screen.getByTestId('fleet-warnings');
    expect(await within(card).findByRole('progressbar')).toBeInTheDocument();
    expect(rows()).toHaveLength(0);
  });

  it('lists the warnings in the order answered, each linking to its cluster tab', async () => {
    const api = apiAnswering(answer);
    await renderWarnings(api);
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(api.getFleetOperations).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('fleet-warnings-count')).toHaveTextContent(
      '4 warnings (2 critical), most severe and soonest first.',
    );
    expect(
      rows().map(r => [
        within(r).getByTestId('fleet-warning-cluster').textContent,
        r.textContent?.includes('Critical') ? 'Critical' : 'Warning',
      ]),
    ).toEqual([
      ['bravo', 'Critical'],
      ['bravo', 'Critical'],
      ['alpha', 'Warning'],
      ['no-entity', 'Warning'],
    ]);
    const first = rows()[0];
    expect(first).toHaveTextContent('Kubernetes 1.33');
    expect(first).toHaveTextContent('Version');
    expect(first).toHaveTextContent('reached end of life on 2026-06-28');
    expect(first).toHaveTextContent(
      'Action: upgrade to Kubernetes 1.37 one minor at a time',
    );
    expect(within(first).getByTestId('fleet-warning-cluster')).toHaveAttribute(
      'href',
      '/catalog/default/resource/bravo/kpaas',
    );
    // a cluster without an entity is named, not linked
    expect(
      within(rows()[3]).getByTestId('fleet-warning-cluster'),
    ).not.toHaveAttribute('href');
    expect(screen.getByTestId('fleet-warnings-unavailable')).toHaveTextContent(
      'Not checked: charlie (unreachable: connect ECONNREFUSED)',
    );
  });

  it('says so when no cluster has a warning', async () => {
    await renderWarnings(
      apiAnswering({ checkedAt: answer.checkedAt, items: [], unavailable: [] }),
    );
    expect(
      await screen.findByText(
        'No backup, expiry or version warnings on the clusters checked.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(
      screen.queryByTestId('fleet-warnings-unavailable'),
    ).not.toBeInTheDocument();
  });

  it(`shows ${FLEET_WARNINGS_SHOWN} rows, then all on request`, async () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      warning(`c-${String(i).padStart(2, '0')}`),
    );
    await renderWarnings(
      apiAnswering({
        checkedAt: answer.checkedAt,
        items: many,
        unavailable: [],
      }),
    );
    await waitFor(() => expect(rows()).toHaveLength(FLEET_WARNINGS_SHOWN));
    fireEvent.click(
      screen.getByRole('button', { name: 'Show all 25 warnings' }),
    );
    expect(rows()).toHaveLength(25);
  });

  it("shows the backend's reason when the request fails, and retries", async () => {
    const api = apiAnswering(
      await responseError(500, 'database is unavailable'),
    );
    await renderWarnings(api);
    const error = await screen.findByTestId('fleet-warnings-error');
    expect(error).toHaveTextContent(
      'The operations warnings could not be read: database is unavailable',
    );
    api.getFleetOperations.mockImplementation(async () => answer);
    fireEvent.click(within(error).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(api.getFleetOperations).toHaveBeenCalledTimes(2);
  });
});
