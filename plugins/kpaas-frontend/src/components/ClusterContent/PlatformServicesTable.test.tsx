import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import type {
  AddonStatus,
  PlatformLinkStatus,
} from '@internal/plugin-kpaas-common';
import { AddonsTable } from './AddonsTable';
import { PlatformServicesTable } from './PlatformServicesTable';

// Material-table pages are heavy in jsdom and the CI cores are shared: allow slow renders.
jest.setTimeout(30_000);

const checkedAt = '2026-03-01T10:00:00Z';

// A Gateway-routed cluster: Envoy Gateway's Gateway is Programmed, Grafana's HTTPRoute is
// Accepted with its refs resolved, Argo CD's backend Service is missing.
const addons: AddonStatus[] = [
  {
    id: 'envoy-gateway',
    title: 'Envoy Gateway (Gateway API)',
    namespace: 'envoy-gateway-system',
    declaredVersion: 'v1.9.0',
    runningVersion: 'v1.9.0',
    workloads: { ready: 1, total: 1 },
    state: 'Healthy',
    routes: [
      {
        kind: 'Gateway',
        namespace: 'envoy-gateway-system',
        name: 'kpaas',
        ready: true,
        addresses: ['10.0.0.200'],
      },
    ],
  },
  {
    id: 'kube-prometheus-stack',
    title: 'Prometheus & Grafana',
    namespace: 'monitoring',
    workloads: { ready: 4, total: 4 },
    state: 'Healthy',
    routes: [
      {
        kind: 'HTTPRoute',
        namespace: 'monitoring',
        name: 'kube-prometheus-stack-ui',
        ready: true,
      },
    ],
  },
  {
    id: 'argo-cd',
    title: 'Argo CD',
    namespace: 'argocd',
    workloads: { ready: 3, total: 3 },
    state: 'Degraded',
    reason:
      'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: service argocd/argocd-server not found)',
    routes: [
      {
        kind: 'HTTPRoute',
        namespace: 'argocd',
        name: 'argo-cd-ui',
        ready: false,
        reason:
          'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: service argocd/argocd-server not found)',
      },
    ],
  },
];

const links: PlatformLinkStatus[] = [
  {
    title: 'Grafana',
    url: 'https://grafana.demo.example.com',
    addonId: 'kube-prometheus-stack',
    route: {
      kind: 'HTTPRoute',
      namespace: 'monitoring',
      name: 'kube-prometheus-stack-ui',
    },
    probe: {
      ok: true,
      httpStatus: 200,
      latencyMs: 35,
      tlsExpiresInDays: 80,
      checkedAt,
    },
  },
  {
    title: 'Argo CD',
    url: 'https://argocd.demo.example.com',
    addonId: 'argo-cd',
    route: { kind: 'HTTPRoute', namespace: 'argocd', name: 'argo-cd-ui' },
    probe: { ok: false, httpStatus: 500, latencyMs: 12, checkedAt },
  },
];

function rowOf(title: string): HTMLElement {
  return screen
    .getAllByTestId('platform-service-link')
    .find(a => a.closest('tr')!.textContent!.includes(title))!
    .closest('tr')!;
}

describe('PlatformServicesTable with Gateway API routes', () => {
  it('shows each service with the HTTPRoute that serves it, its conditions and its probe', async () => {
    await renderInTestApp(
      <PlatformServicesTable links={links} addons={addons} />,
    );
    const grafana = within(rowOf('Grafana'));
    expect(grafana.getByTestId('platform-service-route')).toHaveTextContent(
      'HTTPRoute monitoring/kube-prometheus-stack-uiAccepted, refs resolved',
    );
    expect(grafana.getByText('200')).toBeInTheDocument();
    expect(grafana.getByText('35 ms')).toBeInTheDocument();
    expect(grafana.getByText('TLS expires in 80 d')).toBeInTheDocument();

    const argo = within(rowOf('Argo CD'));
    expect(argo.getByTestId('platform-service-route')).toHaveTextContent(
      'HTTPRoute argocd/argo-cd-ui' +
        'HTTPRoute argocd/argo-cd-ui on Gateway envoy-gateway-system/kpaas: ResolvedRefs is False (BackendNotFound: service argocd/argocd-server not found)',
    );
    expect(argo.getByText('500')).toBeInTheDocument();
  });

  it('names Ingress routes without conditions, and says when an HTTPRoute is not judged yet', async () => {
    await renderInTestApp(
      <PlatformServicesTable
        links={[
          {
            ...links[0],
            route: {
              kind: 'Ingress',
              namespace: 'monitoring',
              name: 'kube-prometheus-stack-ui',
            },
          },
          links[1],
        ]}
        addons={[]}
      />,
    );
    expect(
      within(rowOf('Grafana')).getByTestId('platform-service-route'),
    ).toHaveTextContent(/^Ingress monitoring\/kube-prometheus-stack-ui$/);
    expect(
      within(rowOf('Argo CD')).getByTestId('platform-service-route'),
    ).toHaveTextContent('HTTPRoute argocd/argo-cd-uinot judged yet');
  });
});

describe('AddonsTable: Gateway and retirement', () => {
  it('shows the Programmed Gateway with its address, and marks ingress-nginx retired upstream with the date', async () => {
    await renderInTestApp(
      <AddonsTable
        addons={[
          ...addons,
          {
            id: 'ingress-nginx',
            title: 'Ingress NGINX',
            namespace: 'ingress-nginx',
            workloads: { ready: 1, total: 1 },
            state: 'Healthy',
            retired: {
              announced: '2025-11-11',
              maintenanceEnded: '2026-03',
              url: 'https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/',
              replacement: 'envoy-gateway',
            },
          },
        ]}
      />,
    );
    expect(screen.getByTestId('addon-gateway')).toHaveTextContent(
      'Gateway envoy-gateway-system/kpaas Programmed on 10.0.0.200',
    );
    const retired = screen.getByTestId('addon-retired');
    expect(retired).toHaveTextContent(
      'Retired upstream (announced 2025-11-11, maintenance ended 2026-03)',
    );
    expect(within(retired).getByRole('link')).toHaveAttribute(
      'href',
      'https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/',
    );
    // only the retired add-on is marked
    expect(screen.getAllByTestId('addon-retired')).toHaveLength(1);
  });
});
