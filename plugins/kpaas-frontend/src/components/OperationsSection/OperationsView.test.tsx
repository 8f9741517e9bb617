import { renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import {
  ClusterOperationsResponse,
  deriveBackupStatus,
  etcdBackupSchema,
  expiryItem,
  kubernetesVersionSupport,
  nodeVersionSkew,
} from '@internal/plugin-kpaas-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockKpaasApi } from '../../__testUtils__/mockKpaasApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { healthyStatus } from '../../__testUtils__/fixtures';
import { OperationsSection } from './OperationsSection';
import { OperationsView } from './OperationsView';

const now = new Date('2026-12-03T12:10:00Z');
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3_600_000).toISOString();
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);
const backup = etcdBackupSchema.parse({
  schedule: '0 */6 * * *',
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    credentialsSecret: 'etcd-backup-s3',
  },
});

function ops(
  over: Partial<ClusterOperationsResponse>,
): ClusterOperationsResponse {
  return {
    cluster: 'demo',
    checkedAt: now.toISOString(),
    backup: deriveBackupStatus(undefined, { failedJobs: [] }, now),
    expiries: [],
    version: kubernetesVersionSupport('v1.35.2', now),
    skew: [],
    unavailable: [],
    ...over,
  };
}
const render = (o: ClusterOperationsResponse) =>
  renderInTestApp(<OperationsView ops={o} now={now.getTime()} />);
const card = (title: string) =>
  screen.getByText(title).closest('.MuiCard-root') as HTMLElement;

describe('Operations section: backups', () => {
  it('no backup configured: says so and how to configure it', async () => {
    await render(ops({}));
    const c = within(card('etcd backups'));
    expect(c.getByText('Not configured')).toBeInTheDocument();
    expect(c.getByText(/Action: add spec.backup/)).toBeInTheDocument();
  });

  it('fresh: last success, age, size and next run', async () => {
    await render(
      ops({
        backup: deriveBackupStatus(
          backup,
          {
            result: {
              lastSuccessAt: hoursAgo(4),
              sizeBytes: '52428800',
              object: 's3://etcd/demo/j1.db',
            },
            failedJobs: [],
          },
          now,
        ),
      }),
    );
    const c = within(card('etcd backups'));
    expect(c.getByText('Fresh')).toBeInTheDocument();
    expect(c.getByText(`${hoursAgo(4)} (4 h ago)`)).toBeInTheDocument();
    expect(c.getByText('50.0 MiB')).toBeInTheDocument();
    expect(
      c.getByText('2026-12-03T18:00:00.000Z (in 5 h)'),
    ).toBeInTheDocument();
    expect(c.getByText(/kpaas:etcd-restore/)).toBeInTheDocument();
  });

  it('stale: older than the configured age', async () => {
    await render(
      ops({
        backup: deriveBackupStatus(
          backup,
          { result: { lastSuccessAt: hoursAgo(50) }, failedJobs: [] },
          now,
        ),
      }),
    );
    const c = within(card('etcd backups'));
    expect(c.getByText('Stale')).toBeInTheDocument();
    expect(
      c.getByText(/50 hours old \(more than spec.backup.maxAgeHours 26\)/),
    ).toBeInTheDocument();
  });

  it('failing: each failed run with why, and the fix', async () => {
    await render(
      ops({
        backup: deriveBackupStatus(
          backup,
          {
            result: { lastSuccessAt: hoursAgo(20) },
            failedJobs: [
              {
                job: 'kpaas-etcd-backup-1',
                at: hoursAgo(6),
                reason: 'container upload: Access Denied',
              },
            ],
          },
          now,
        ),
      }),
    );
    const c = within(card('etcd backups'));
    expect(c.getByText('Failing')).toBeInTheDocument();
    const failures = within(
      c.getByRole('table', { name: 'Failed backup runs' }),
    );
    expect(failures.getByText('kpaas-etcd-backup-1')).toBeInTheDocument();
    expect(
      failures.getByText('container upload: Access Denied'),
    ).toBeInTheDocument();
    expect(c.getByText(/Secret etcd-backup-s3/)).toBeInTheDocument();
  });
});

describe('Operations section: expiries', () => {
  it('lists ok, warning and critical soonest first, with the action for those due', async () => {
    await render(
      ops({
        expiries: [
          expiryItem(
            'apiserver-etcd-client',
            'kubeadm-collector',
            inDays(5),
            now,
          ),
          expiryItem(
            'kube-apiserver serving certificate',
            'tls-handshake',
            inDays(20),
            now,
          ),
          expiryItem('etcd-ca (CA)', 'kubeadm-collector', inDays(3000), now),
        ],
        unavailable: ['cert-manager Certificates: timed out'],
      }),
    );
    const rows = within(screen.getByRole('table', { name: 'Expiries' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(
        /^apiserver-etcd-client5 days \(2026-12-08\)kubeadm \(collector\)renew the kubeadm certificates/,
      ),
      expect.stringMatching(
        /^kube-apiserver serving certificate20 days \(2026-12-23\)TLS handshakerenew/,
      ),
      'etcd-ca (CA)3000 days (2035-02-19)kubeadm (collector)',
    ]);
    expect(
      screen.getByText('Not available: cert-manager Certificates: timed out'),
    ).toBeInTheDocument();
  });
});

describe('Operations section: kubelet certificates and the token', () => {
  it('names the collector and the token exp as sources, with their actions', async () => {
    await render(
      ops({
        expiries: [
          expiryItem(
            "kpaas-backend's ServiceAccount token",
            'service-account-token',
            inDays(2),
            now,
          ),
          expiryItem(
            'kubelet client certificate (worker-2)',
            'kubelet-collector',
            inDays(12),
            now,
          ),
          expiryItem(
            'kubelet serving certificate (cp-1, soonest of 6 nodes)',
            'kubelet-collector',
            inDays(300),
            now,
          ),
        ],
      }),
    );
    const rows = within(screen.getByRole('table', { name: 'Expiries' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(
        /^kpaas-backend's ServiceAccount token2 days \(2026-12-05\)token exp claimgive kpaas a new token/,
      ),
      expect.stringMatching(
        /^kubelet client certificate \(worker-2\)12 days \(2026-12-15\)kubelet \(collector\)the kubelet renews its client certificate itself/,
      ),
      'kubelet serving certificate (cp-1, soonest of 6 nodes)300 days (2027-09-29)kubelet (collector)',
    ]);
  });
});

describe('Operations section: version support', () => {
  it('supported: a countdown and no action', async () => {
    await render(ops({ version: kubernetesVersionSupport('v1.36.1', now) }));
    const c = within(card('Version support'));
    expect(
      c.getByText(/v1.36.1: \d+ days of support left/),
    ).toBeInTheDocument();
    expect(c.queryByText(/Action:/)).not.toBeInTheDocument();
  });

  it('end of life soon: the countdown and the upgrade', async () => {
    await render(
      ops({
        version: kubernetesVersionSupport(
          'v1.35.2',
          new Date('2027-01-15T00:00:00Z'),
        ),
      }),
    );
    const c = within(card('Version support'));
    expect(c.getByText(/v1.35.2: 44 days of support left/)).toBeInTheDocument();
    expect(
      c.getByText(/Action: upgrade to Kubernetes 1.37/),
    ).toBeInTheDocument();
  });

  it('past end of life, with the nodes behind the API server', async () => {
    await render(
      ops({
        version: kubernetesVersionSupport('v1.33.5', now),
        skew: nodeVersionSkew('v1.33.5', [
          { name: 'cp-1', roles: ['control-plane'], kubeletVersion: 'v1.33.5' },
          { name: 'w-1', roles: [], kubeletVersion: 'v1.29.0' },
        ]),
      }),
    );
    const c = within(card('Version support'));
    expect(
      c.getByText(/v1.33.5: out of support for 158 days/),
    ).toBeInTheDocument();
    expect(
      c.getByText(/reached end of life on 2026-06-28/),
    ).toBeInTheDocument();
    expect(c.getByText('w-1')).toBeInTheDocument();
    expect(c.queryByText('cp-1')).not.toBeInTheDocument();
  });
});

describe('OperationsSection', () => {
  it('reads the operations route of the cluster', async () => {
    const api = mockKpaasApi(healthyStatus());
    await renderWithApis(
      <OperationsSection clusterName="demo" />,
      api,
      () => AuthorizeResult.ALLOW,
    );
    expect(await screen.findByText('Not configured')).toBeInTheDocument();
    expect(api.getClusterOperations).toHaveBeenCalledWith('demo');
  });

  it('a version past end of life leads to the change template', async () => {
    const api = mockKpaasApi(healthyStatus());
    api.getClusterOperations.mockResolvedValue(
      ops({ version: kubernetesVersionSupport('v1.33.5', now) }),
    );
    api.getCluster.mockResolvedValue({
      name: 'demo',
      repoUrl: 'https://github.com/acme/demo',
    } as any);
    await renderWithApis(
      <OperationsSection clusterName="demo" />,
      api,
      () => AuthorizeResult.ALLOW,
    );
    const button = await screen.findByRole('link', { name: 'Plan an upgrade' });
    expect(button.getAttribute('href')).toMatch(
      /^\/create\/templates\/default\/kpaas-cluster-change\?formData=/,
    );
  });
});
