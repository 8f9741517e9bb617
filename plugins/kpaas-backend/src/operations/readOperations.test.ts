import * as k8s from '@kubernetes/client-node';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { ClusterStatus, expiryItem } from '@internal/plugin-kpaas-common';
import { clusterSpec } from '../__testUtils__/rig';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { KubeClusterClient } from '../status/KubeClusterClient';
import { readClusterOperations } from './readOperations';

const networks = new ClusterNetworks(['127.0.0.0/8']);
const now = new Date();
const inDays = (d: number) => new Date(now.getTime() + d * 86400_000);
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3600_000).toISOString();

describe('readClusterOperations against the API stand-in', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
  });
  afterEach(() => standIn.close());

  function record(backup?: Record<string, unknown>): ClusterRecord {
    const spec = clusterSpec('demo');
    return {
      name: 'demo',
      apiServerUrl: standIn.url,
      source: 'config',
      spec: {
        ...spec,
        spec: { ...spec.spec, addons: [], ...(backup ? { backup } : {}) },
      },
    } as unknown as ClusterRecord;
  }
  const client = () =>
    new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      { requestTimeoutMs: 5000, networks },
    );
  const status = {
    api: { reachable: true, version: 'v1.33.5', checks: [] },
    nodes: [
      {
        name: 'demo-cp-1',
        roles: ['control-plane'],
        kubeletVersion: 'v1.33.5',
      },
      { name: 'demo-w-1', roles: [], kubeletVersion: 'v1.32.9' },
    ],
    expiries: [
      expiryItem(
        'kube-apiserver serving certificate',
        'tls-handshake',
        inDays(20),
        now,
      ),
    ],
  } as unknown as ClusterStatus;

  it('without spec.backup and without collectors: says what is missing', async () => {
    const ops = await readClusterOperations({
      client: client(),
      record: record(),
      status,
      now,
    });
    expect(ops.backup.state).toBe('not-configured');
    expect(ops.expiries.map(e => e.name)).toEqual([
      'kube-apiserver serving certificate',
    ]);
    expect(ops.unavailable).toEqual([
      expect.stringContaining(
        'ConfigMap kube-system/kpaas-cert-expiry (key check-expiration.json) is not there',
      ),
      expect.stringContaining(
        'kubelet certificates: no record from 2 node(s) (demo-cp-1, demo-w-1)',
      ),
    ]);
    expect(ops.version).toMatchObject({
      minor: '1.33',
      endOfLife: '2026-06-28',
    });
    expect(ops.skew.map(s => s.state)).toEqual(['ok', 'upgrade-pending']);
  });

  it('reads the backup record, failed jobs, the kubeadm collector and cert-manager', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kpaas-etcd-backup-result' },
        data: {
          lastSuccessAt: hoursAgo(30),
          sizeBytes: '4096',
          object: 's3://etcd/demo/j.db',
          node: 'demo-cp-1',
        },
      },
    });
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kpaas-cert-expiry' },
        data: {
          'check-expiration.json': JSON.stringify({
            certificates: [
              {
                name: 'apiserver-etcd-client',
                expirationDate: inDays(5).toISOString(),
              },
            ],
            certificateAuthorities: [
              { name: 'etcd-ca', expirationDate: inDays(3000).toISOString() },
            ],
          }),
        },
      },
    });
    const job = await kc.makeApiClient(k8s.BatchV1Api).createNamespacedJob({
      namespace: 'kube-system',
      body: {
        metadata: {
          name: 'kpaas-etcd-backup-29400000',
          labels: { 'app.kubernetes.io/name': 'kpaas-etcd-backup' },
        },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'record', image: 'x' }],
            },
          },
        },
      },
    });
    await kc.makeApiClient(k8s.BatchV1Api).replaceNamespacedJobStatus({
      namespace: 'kube-system',
      name: 'kpaas-etcd-backup-29400000',
      body: {
        ...job,
        status: {
          failed: 1,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'container upload exited 1',
              lastTransitionTime: new Date(hoursAgo(2)),
            },
          ],
        },
      },
    });
    // cert-manager: its CRD and one Certificate with status.notAfter (the platform UI's TLS)
    await kc
      .makeApiClient(k8s.ApiextensionsV1Api)
      .createCustomResourceDefinition({
        body: {
          metadata: { name: 'certificates.cert-manager.io' },
          spec: {
            group: 'cert-manager.io',
            scope: 'Namespaced',
            names: {
              plural: 'certificates',
              singular: 'certificate',
              kind: 'Certificate',
            },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object' } },
              },
            ],
          },
        },
      });
    await core.createNamespace({ body: { metadata: { name: 'monitoring' } } });
    await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace: 'monitoring',
      plural: 'certificates',
      body: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'grafana-tls', namespace: 'monitoring' },
        spec: { secretName: 'grafana-tls', dnsNames: ['grafana.k.test'] },
        status: { notAfter: inDays(12).toISOString() },
      },
    });
    // the kubelet collector's record of each node (certificate blocks; see kubeletCertificates.test.ts)
    await core.createNamespace({
      body: { metadata: { name: 'kpaas-node-certs' } },
    });
    for (const node of ['demo-cp-1', 'demo-w-1']) {
      await core.createNamespacedConfigMap({
        namespace: 'kpaas-node-certs',
        body: {
          metadata: {
            name: `kubelet-certs-${node}`,
            labels: { 'app.kubernetes.io/name': 'kpaas-kubelet-certs' },
          },
          data: {
            node,
            collectedAt: now.toISOString(),
            'client.pem': standIn.caPem,
          },
        },
      });
    }
    const ops = await readClusterOperations({
      client: client(),
      record: record({
        target: {
          endpoint: 'http://minio.minio:9000',
          bucket: 'etcd',
          credentialsSecret: 's3',
        },
      }),
      status,
      now,
      // a bound token's exp, 3 days out
      tokenExpiresAt: inDays(3),
    });
    expect(ops.backup).toMatchObject({
      state: 'failing',
      sizeBytes: 4096,
      failures: [
        {
          job: 'kpaas-etcd-backup-29400000',
          reason: 'BackoffLimitExceeded: container upload exited 1',
        },
      ],
    });
    expect(ops.expiries.map(e => [e.name, e.source, e.state])).toEqual([
      [
        "kpaas-backend's ServiceAccount token",
        'service-account-token',
        'critical',
      ],
      ['apiserver-etcd-client', 'kubeadm-collector', 'critical'],
      ['monitoring/grafana-tls', 'cert-manager', 'warning'],
      ['kube-apiserver serving certificate', 'tls-handshake', 'warning'],
      ['etcd-ca (CA)', 'kubeadm-collector', 'ok'],
      // the stand-in's CA as both nodes' client certificate: ten years out
      [
        'kubelet client certificate (demo-cp-1, soonest of 2 nodes)',
        'kubelet-collector',
        'ok',
      ],
    ]);
    expect(ops.unavailable).toEqual([]);
  });
});
