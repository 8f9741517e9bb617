import type { EtcdBackupSpec } from './backupSpec';
import {
  clusterSnapshotUrlPrefix,
  renderSnapshotTransferJob,
  snapshotObjectKey,
} from './snapshotTransfer';

const backup: EtcdBackupSpec = {
  schedule: '0 */6 * * *',
  retentionDays: 14,
  maxAgeHours: 26,
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    prefix: 'clusters/demo',
    region: 'us-east-1',
    credentialsSecret: 'etcd-backup-s3',
  },
};

describe('snapshot objects of a cluster', () => {
  it('accepts only .db objects under the cluster prefix', () => {
    expect(clusterSnapshotUrlPrefix('demo', backup)).toBe(
      's3://etcd/clusters/demo/',
    );
    expect(
      snapshotObjectKey(
        'demo',
        backup,
        's3://etcd/clusters/demo/kpaas-etcd-backup-29400000-abcde.db',
      ),
    ).toBe('clusters/demo/kpaas-etcd-backup-29400000-abcde.db');
    for (const bad of [
      's3://etcd/clusters/other/x.db',
      's3://other/clusters/demo/x.db',
      's3://etcd/clusters/demo/../other/x.db',
      's3://etcd/clusters/demo/x.tar',
    ]) {
      expect(() => snapshotObjectKey('demo', backup, bad)).toThrow(
        `snapshotObject: "${bad}" is not a snapshot of cluster "demo"; use an object under s3://etcd/clusters/demo/ ending in .db`,
      );
    }
  });
});

describe('renderSnapshotTransferJob', () => {
  const base = {
    clusterName: 'demo',
    backup,
    node: 'cp-1',
    file: 'demo-20261203T120000Z.db',
    key: 'clusters/demo/on-demand/demo-20261203T120000Z.db',
    withRecord: true,
    name: 'kpaas-etcd-upload-20261203t120000z',
  };
  const pod = (job: any) => job.spec.template.spec;
  const steps = (job: any) =>
    [...pod(job).initContainers, ...pod(job).containers].map(
      (c: any) => `${c.name}: ${c.command.join(' ')}`,
    );

  it('uploads the snapshot and its record from the node, keys from the Secret only', () => {
    const job = renderSnapshotTransferJob({ ...base, direction: 'upload' });
    expect(pod(job).nodeName).toBe('cp-1');
    expect(pod(job).volumes[0].hostPath.path).toBe(
      '/var/lib/kpaas/etcd-snapshots',
    );
    expect(steps(job)).toEqual([
      'upload: mc --config-dir=/tmp/mc cp /snapshots/demo-20261203T120000Z.db backup/etcd/clusters/demo/on-demand/demo-20261203T120000Z.db',
      'upload-record: mc --config-dir=/tmp/mc cp /snapshots/demo-20261203T120000Z.db.kpaas.json backup/etcd/clusters/demo/on-demand/demo-20261203T120000Z.db.kpaas.json',
    ]);
    const env = JSON.stringify(pod(job).containers[0].env);
    expect(env).toContain(
      '{"name":"AWS_ACCESS_KEY_ID","valueFrom":{"secretKeyRef":{"name":"etcd-backup-s3","key":"AWS_ACCESS_KEY_ID"}}}',
    );
    expect(env).toContain(
      '"MC_HOST_backup","value":"http://$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@minio.minio:9000"',
    );
  });

  it('downloads into the node, the record when there is one, root-only', () => {
    const job = renderSnapshotTransferJob({
      ...base,
      direction: 'download',
      key: 'clusters/demo/kpaas-etcd-backup-1-x.db',
      file: 'kpaas-etcd-backup-1-x.db',
    });
    expect(steps(job)).toEqual([
      'download: mc --config-dir=/tmp/mc cp backup/etcd/clusters/demo/kpaas-etcd-backup-1-x.db /snapshots/kpaas-etcd-backup-1-x.db',
      'download-record: sh -c mc --config-dir=/tmp/mc stat "backup/etcd/clusters/demo/kpaas-etcd-backup-1-x.db.kpaas.json" >/dev/null 2>&1 || { echo "no backup/etcd/clusters/demo/kpaas-etcd-backup-1-x.db.kpaas.json"; exit 0; }; mc --config-dir=/tmp/mc cp "backup/etcd/clusters/demo/kpaas-etcd-backup-1-x.db.kpaas.json" "/snapshots/kpaas-etcd-backup-1-x.db.kpaas.json"',
      'protect: sh -c chmod 600 "/snapshots/kpaas-etcd-backup-1-x.db"*',
    ]);
  });
});
