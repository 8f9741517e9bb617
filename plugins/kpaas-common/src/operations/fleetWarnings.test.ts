import { deriveBackupStatus } from './backupStatus';
import type { EtcdBackupSpec } from './backupSpec';
import { expiryItem } from './expiry';
import { clusterOperationsWarnings, sortFleetWarnings } from './fleetWarnings';
import type { ClusterOperationsResponse } from './operationsApi';
import { kubernetesVersionSupport, nodeVersionSkew } from './versionPolicy';

const now = new Date('2026-12-03T12:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * 86400_000);
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3600_000).toISOString();

const backup: EtcdBackupSpec = {
  schedule: '0 */6 * * *',
  retentionDays: 14,
  maxAgeHours: 26,
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    region: 'us-east-1',
    credentialsSecret: 'etcd-backup-s3',
  },
};

function ops(
  cluster: string,
  parts: Partial<ClusterOperationsResponse>,
): ClusterOperationsResponse {
  return {
    cluster,
    checkedAt: now.toISOString(),
    backup: deriveBackupStatus(
      backup,
      { result: { lastSuccessAt: hoursAgo(2) }, failedJobs: [] },
      now,
    ),
    expiries: [],
    version: kubernetesVersionSupport('v1.36.1', now),
    skew: [],
    unavailable: [],
    ...parts,
  };
}

describe('fleet operations warnings', () => {
  it('a healthy cluster has none', () => {
    expect(clusterOperationsWarnings(ops('alpha', {}))).toEqual([]);
  });

  it('flags each kind as the cluster page does, with its date and action', () => {
    const warnings = clusterOperationsWarnings(
      ops('bravo', {
        backup: deriveBackupStatus(
          backup,
          { result: { lastSuccessAt: hoursAgo(30) }, failedJobs: [] },
          now,
        ),
        expiries: [
          expiryItem('apiserver', 'kubeadm-collector', inDays(200), now),
          expiryItem('etcd-ca (CA)', 'kubeadm-collector', inDays(20), now),
          expiryItem('monitoring/grafana-tls', 'cert-manager', inDays(5), now),
        ],
        version: kubernetesVersionSupport('v1.33.5', now),
        skew: nodeVersionSkew('v1.33.5', [
          { name: 'w-1', roles: [], kubeletVersion: 'v1.34.1' },
          { name: 'w-2', roles: [], kubeletVersion: 'v1.32.1' },
        ]),
      }),
    );
    expect(warnings.map(w => [w.kind, w.severity, w.subject, w.dueAt])).toEqual(
      [
        [
          'backup',
          'critical',
          'etcd backup stale',
          // last success 30 h ago + maxAgeHours 26: 4 h overdue
          new Date(now.getTime() - 4 * 3600_000).toISOString(),
        ],
        ['expiry', 'warning', 'etcd-ca (CA)', inDays(20).toISOString()],
        [
          'expiry',
          'critical',
          'monitoring/grafana-tls',
          inDays(5).toISOString(),
        ],
        ['version', 'critical', 'Kubernetes 1.33', '2026-06-28T23:59:59.000Z'],
        ['skew', 'critical', 'kubelet on w-1', undefined],
      ],
    );
    expect(warnings[0].action).toContain('kpaas:etcd-snapshot');
    expect(warnings[2].message).toBe('expires in 5 days (2026-12-08)');
  });

  it('no backup yet and not configured are warnings without a date', () => {
    const never = clusterOperationsWarnings(
      ops('c', {
        backup: deriveBackupStatus(backup, { failedJobs: [] }, now),
      }),
    );
    const none = clusterOperationsWarnings(
      ops('d', {
        backup: deriveBackupStatus(undefined, { failedJobs: [] }, now),
      }),
    );
    expect(
      [...never, ...none].map(w => [w.severity, w.subject, w.dueAt]),
    ).toEqual([
      ['warning', 'no etcd backup yet', undefined],
      ['warning', 'etcd backup not configured', undefined],
    ]);
  });

  it('sorts most severe first, then soonest, undated last', () => {
    const items = [
      ...clusterOperationsWarnings(
        ops('alpha', {
          expiries: [
            expiryItem('apiserver', 'kubeadm-collector', inDays(25), now),
          ],
          backup: deriveBackupStatus(undefined, { failedJobs: [] }, now),
        }),
      ),
      ...clusterOperationsWarnings(
        ops('bravo', {
          expiries: [
            expiryItem(
              'front-proxy-ca (CA)',
              'kubeadm-collector',
              inDays(-2),
              now,
            ),
            expiryItem('etcd-server', 'kubeadm-collector', inDays(3), now),
          ],
          version: kubernetesVersionSupport('v1.35.1', now),
        }),
      ),
    ];
    expect(
      sortFleetWarnings(items).map(w => `${w.cluster} ${w.subject}`),
    ).toEqual([
      'bravo front-proxy-ca (CA)',
      'bravo etcd-server',
      'alpha apiserver',
      'bravo Kubernetes 1.35',
      'alpha etcd backup not configured',
    ]);
  });
});
