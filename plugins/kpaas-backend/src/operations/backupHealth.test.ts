import * as k8s from '@kubernetes/client-node';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { clusterSpec } from '../__testUtils__/rig';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { collectClusterStatus } from '../status/collectStatus';
import { KubeClusterClient } from '../status/KubeClusterClient';
import { LinkProber } from '../status/LinkProber';

const networks = new ClusterNetworks(['127.0.0.0/8']);
const hoursAgo = (h: number) =>
  new Date(Date.now() - h * 3600_000).toISOString();

describe('cluster health and the last good etcd backup', () => {
  let standIn: KubeApiStandIn;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
  });
  afterEach(() => standIn.close());

  async function statusWithBackupAge(hours: number | undefined, backup = true) {
    if (hours !== undefined) {
      const kc = new k8s.KubeConfig();
      kc.loadFromString(standIn.kubeconfigYaml());
      await kc.makeApiClient(k8s.CoreV1Api).createNamespacedConfigMap({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'kpaas-etcd-backup-result' },
          data: { lastSuccessAt: hoursAgo(hours) },
        },
      });
    }
    const spec = clusterSpec('demo');
    const cluster = {
      name: 'demo',
      apiServerUrl: standIn.url,
      source: 'config',
      spec: {
        ...spec,
        spec: {
          ...spec.spec,
          addons: [],
          ...(backup
            ? {
                backup: {
                  maxAgeHours: 24,
                  target: {
                    endpoint: 'http://minio.minio:9000',
                    bucket: 'etcd',
                    credentialsSecret: 's3',
                  },
                },
              }
            : {}),
        },
      },
    } as unknown as ClusterRecord;
    const client = new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      { requestTimeoutMs: 5000, networks },
    );
    return collectClusterStatus({
      client,
      cluster,
      prober: new LinkProber({ networks }),
    });
  }

  it('a backup older than spec.backup.maxAgeHours makes the cluster Degraded, saying so', async () => {
    const status = await statusWithBackupAge(30);
    expect(status.backup).toMatchObject({ state: 'stale' });
    expect(status.state).toBe('Degraded');
    expect(status.reason).toContain(
      'the last good etcd backup is 30 hours old (more than spec.backup.maxAgeHours 24)',
    );
  });

  it('a recent backup adds no reason', async () => {
    standIn.requestLog.clear();
    const status = await statusWithBackupAge(2);
    expect(
      standIn.requestLog.entries.filter(e =>
        /\/(configmaps|jobs)(\/|$)/.test(e.path),
      ).length,
    ).toBe(3);
    expect(status.backup).toMatchObject({ state: 'fresh' });
    expect(status.reason ?? '').not.toContain('backup');
  });

  it('without spec.backup nothing is read', async () => {
    standIn.requestLog.clear();
    const status = await statusWithBackupAge(undefined, false);
    expect(status.backup).toBeUndefined();
    expect(
      standIn.requestLog.entries.filter(e =>
        /\/(configmaps|jobs)(\/|$)/.test(e.path),
      ),
    ).toEqual([]);
  });
});
