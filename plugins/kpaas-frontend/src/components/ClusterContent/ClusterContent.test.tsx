import {
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  buildNode,
  degradedStatus,
  healthyStatus,
  provisioningStatus,
  timeline,
  unreachableStatus,
} from '../../__testUtils__/fixtures';
import { mockKpaasApi, responseError } from '../../__testUtils__/mockKpaasApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { ClusterContent } from './ClusterContent';

// The CI cores are shared: give async queries room before they give up.
configure({ asyncUtilTimeout: 10_000 });

function nodeNamesInOrder(): string[] {
  return screen.queryAllByTestId('node-name').map(el => el.textContent ?? '');
}

function rowOf(nodeName: string): HTMLElement {
  const cell = screen
    .getAllByTestId('node-name')
    .find(el => el.textContent === nodeName);
  return cell!.closest('tr')!;
}

// Material-table pages are heavy in jsdom and the CI cores are shared: allow slow renders.
jest.setTimeout(30_000);

/** True when `a` comes before `b` in the document. */
function isBefore(a: HTMLElement, b: HTMLElement): boolean {
  return Boolean(
    a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING,
  );
}

function sortNodesBy(column: string) {
  const table = rowOf(nodeNamesInOrder()[0]).closest('table')!;
  fireEvent.click(within(table).getByText(column, { selector: 'thead *' }));
}

describe('ClusterContent', () => {
  it('lists nodes, add-ons, platform services and the bill of materials of a healthy cluster', async () => {
    await renderWithApis(
      <ClusterContent />,
      mockKpaasApi(healthyStatus(), timeline),
    );
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent(
      'Healthy',
    );
    expect(screen.getByTestId('cluster-nodes')).toHaveTextContent(
      '5/5 nodes ready',
    );
    expect(nodeNamesInOrder()).toEqual([
      'cp-1',
      'cp-2',
      'cp-3',
      'worker-1',
      'worker-2',
    ]);
    const worker1 = within(rowOf('worker-1'));
    expect(worker1.getByTestId('node-status')).toHaveTextContent('Ready');
    expect(worker1.getByText('10.0.0.21')).toBeInTheDocument();
    expect(worker1.getByText('7.8 / 8 cores')).toBeInTheDocument();
    expect(worker1.getByText('31 GiB / 32 GiB')).toBeInTheDocument();
    // Runtime, OS and kernel live in the row's expandable details, not in columns.
    expect(worker1.queryByText(/Ubuntu 24.04.2 LTS/)).not.toBeInTheDocument();
    fireEvent.click(
      worker1.getByRole('button', { name: 'Detail panel visiblity toggle' }),
    );
    const details = await screen.findByTestId('node-details');
    expect(details).toHaveTextContent('OS image: Ubuntu 24.04.2 LTS');
    expect(details).toHaveTextContent('Kernel: 6.8.0-60-generic');
    expect(details).toHaveTextContent('Container runtime: containerd://1.7.27');
    expect(
      screen.getAllByTestId('addon-title').map(e => e.textContent),
    ).toEqual(['MetalLB', 'Grafana', 'Argo CD']);
    expect(
      screen.queryByTestId('addon-version-mismatch'),
    ).not.toBeInTheDocument();
    expect(
      screen
        .getAllByTestId('platform-service-link')
        .map(a => a.getAttribute('href')),
    ).toEqual([
      'https://grafana.demo.example.com',
      'https://argocd.demo.example.com',
    ]);
    expect(screen.getByText('Version bill of materials')).toBeInTheDocument();
    expect(screen.getByText('calico v3.30.2')).toBeInTheDocument();
    // Not provisioning: the timeline comes last, as history.
    expect(
      isBefore(
        screen.getByText('Nodes'),
        screen.getByText('Provisioning timeline'),
      ),
    ).toBe(true);
  });

  it('shows the NotReady node with its condition message, and add-on version drift', async () => {
    await renderWithApis(<ClusterContent />, mockKpaasApi(degradedStatus()));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent(
      'Degraded',
    );
    expect(screen.getByTestId('cluster-nodes')).toHaveTextContent(
      '4/5 nodes ready',
    );
    const worker2 = within(rowOf('worker-2'));
    expect(worker2.getByTestId('node-status')).toHaveTextContent('NotReady');
    const condition = worker2.getByTestId('node-condition');
    expect(condition).toHaveTextContent('Ready=False');
    expect(condition).toHaveAccessibleName(
      /KubeletNotReady · container runtime network not ready: NetworkReady=false · since 2026-02-28T10:00:00Z/,
    );
    fireEvent.mouseOver(condition);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'container runtime network not ready',
    );

    const mismatch = screen.getByTestId('addon-version-mismatch');
    expect(mismatch).toHaveTextContent('8.2.7 running, 8.3.0 declared');
    const argo = within(mismatch.closest('tr')!);
    expect(argo.getByText('6/7 ready')).toBeInTheDocument();
    expect(argo.getByTestId('addon-state')).toHaveTextContent(
      'Progressingargocd-repo-server 0/1 ready',
    );
    expect(argo.getByText('Open').closest('a')).toHaveAttribute(
      'href',
      'https://argocd.demo.example.com',
    );
  });

  it('filters nodes by role and status, searches, and sorts', async () => {
    const status = degradedStatus();
    status.nodes.push(
      buildNode('worker-3', {
        unschedulable: true,
        status: 'Ready,SchedulingDisabled',
      }),
    );
    await renderWithApis(<ClusterContent />, mockKpaasApi(status));
    await screen.findByTestId('cluster-health');

    fireEvent.change(screen.getByLabelText('Filter by role'), {
      target: { value: 'control-plane' },
    });
    expect(nodeNamesInOrder()).toEqual(['cp-1', 'cp-2', 'cp-3']);
    expect(screen.getByTestId('nodes-shown-count')).toHaveTextContent(
      'showing 3 of 6',
    );

    fireEvent.change(screen.getByLabelText('Filter by role'), {
      target: { value: '' },
    });
    fireEvent.change(screen.getByLabelText('Filter by status'), {
      target: { value: 'NotReady' },
    });
    expect(nodeNamesInOrder()).toEqual(['worker-2']);
    fireEvent.change(screen.getByLabelText('Filter by status'), {
      target: { value: 'SchedulingDisabled' },
    });
    expect(nodeNamesInOrder()).toEqual(['worker-3']);
    expect(
      within(rowOf('worker-3')).getByTestId('node-status'),
    ).toHaveTextContent('Ready,SchedulingDisabled');

    fireEvent.change(screen.getByLabelText('Filter by status'), {
      target: { value: '' },
    });
    fireEvent.change(screen.getByLabelText('Search nodes'), {
      target: { value: '10.0.0.21' },
    });
    expect(nodeNamesInOrder()).toEqual(['worker-1']);
    fireEvent.change(screen.getByLabelText('Search nodes'), {
      target: { value: 'CP-' },
    });
    expect(nodeNamesInOrder()).toEqual(['cp-1', 'cp-2', 'cp-3']);
    fireEvent.change(screen.getByLabelText('Search nodes'), {
      target: { value: 'nope' },
    });
    expect(nodeNamesInOrder()).toEqual([]);
    expect(
      screen.getByText(/No node matches the search and filters/),
    ).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Search nodes'), {
      target: { value: '' },
    });
    sortNodesBy('Name');
    expect(nodeNamesInOrder()).toEqual([
      'cp-1',
      'cp-2',
      'cp-3',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    sortNodesBy('Name');
    expect(nodeNamesInOrder()).toEqual([
      'worker-3',
      'worker-2',
      'worker-1',
      'cp-3',
      'cp-2',
      'cp-1',
    ]);
    // CPU sorts numerically on allocatable cores (7.8 > 3.8). Material-table keeps the current
    // direction (descending) when switching columns, then cycles descending -> none -> ascending.
    sortNodesBy('CPU');
    expect(nodeNamesInOrder()[0]).toBe('worker-1');
    sortNodesBy('CPU');
    sortNodesBy('CPU');
    expect(nodeNamesInOrder().slice(-1)).toEqual(['worker-1']);
  });

  it('paginates a large cluster instead of rendering every node', async () => {
    const status = healthyStatus();
    status.nodes = Array.from({ length: 1000 }, (_, i) =>
      buildNode(`node-${String(i).padStart(4, '0')}`),
    );
    await renderWithApis(<ClusterContent />, mockKpaasApi(status));
    expect(await screen.findByTestId('cluster-nodes')).toHaveTextContent(
      '1000/1000 nodes ready',
    );
    expect(nodeNamesInOrder()).toHaveLength(25);
  });

  it('shows the provisioning timeline first while provisioning, with task log links', async () => {
    await renderWithApis(
      <ClusterContent />,
      mockKpaasApi(provisioningStatus(), timeline),
    );
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent(
      'Provisioning',
    );
    expect(
      isBefore(
        screen.getByText('Provisioning timeline'),
        screen.getByText('Nodes'),
      ),
    ).toBe(true);
    const statuses = screen
      .getAllByTestId('timeline-status')
      .map(s => s.textContent);
    // Ordered by phase: provision, bootstrap, add-ons.
    expect(statuses).toEqual(['succeeded', 'succeeded', 'running']);
    expect(screen.getByText('4 min 30 s')).toBeInTheDocument();
    const logLinks = screen.getAllByText('Task log').map(el => el.closest('a'));
    expect(logLinks).toHaveLength(3);
    expect(logLinks[0]).toHaveAttribute('href', '/create/tasks/task-123');
    expect(screen.getByText(/declares no add-ons/)).toBeInTheDocument();
    expect(screen.getByText(/No platform services/)).toBeInTheDocument();
  });

  it('shows an unreachable cluster with its error', async () => {
    await renderWithApis(<ClusterContent />, mockKpaasApi(unreachableStatus()));
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent(
      'Unreachable',
    );
    expect(screen.getByTestId('cluster-health-reason')).toHaveTextContent(
      'ECONNREFUSED',
    );
    expect(screen.getAllByText('ETIMEDOUT').length).toBeGreaterThan(0);
  });

  it('explains a cluster not registered yet and still shows its provisioning timeline', async () => {
    await renderWithApis(
      <ClusterContent />,
      mockKpaasApi(
        await responseError(404, 'no cluster named "demo"'),
        timeline,
      ),
    );
    expect(
      await screen.findByText('Cluster demo is not registered yet'),
    ).toBeInTheDocument();
    expect(screen.getByText('Provisioning timeline')).toBeInTheDocument();
    expect(screen.getAllByTestId('timeline-status')).toHaveLength(3);
  });

  it('says the cluster has no nodes yet when the list is empty', async () => {
    await renderWithApis(
      <ClusterContent />,
      mockKpaasApi({ ...healthyStatus(), nodes: [] }),
    );
    expect(
      await screen.findByText(/The API server reported no nodes/),
    ).toBeInTheDocument();
  });

  it('renders nothing from the backend without kpaas.cluster.read', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderWithApis(<ClusterContent />, api, () => AuthorizeResult.DENY);
    expect(
      await screen.findByText('You are not allowed to see this cluster'),
    ).toBeInTheDocument();
    await waitFor(() => expect(api.getClusterStatus).not.toHaveBeenCalled());
    expect(api.getClusterTimeline).not.toHaveBeenCalled();
  });
});
