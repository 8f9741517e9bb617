import {
  backupKeyPrefix,
  ETCD_BACKUP_NAMESPACE,
  EtcdBackupSpec,
} from './backupSpec';
import { ETCD_BACKUP_IMAGES, s3ClientEnv } from './etcdBackupManifests';

/*
 * Moving one etcd snapshot between a control plane's snapshot directory and spec.backup's S3
 * target: a Job pinned to that node (hostPath of the directory, the same mc image and
 * credentials-Secret environment as the backup CronJob). The keys stay in the cluster: the
 * action creates the Job and reads its outcome, it never holds them. In-cluster endpoints
 * (http://minio.minio:9000) resolve from the Job (ClusterFirstWithHostNet), not from the node.
 */

/** Where kpaas:etcd-snapshot keeps snapshots on a control plane (and restores fetch them to). @public */
export const ETCD_SNAPSHOT_DIR = '/var/lib/kpaas/etcd-snapshots';
/** The key prefix, under the cluster's prefix, of snapshots kpaas:etcd-snapshot uploads. @public */
export const ON_DEMAND_PREFIX = 'on-demand';
/** The companion record of a snapshot (cluster name and etcd cluster ID). @public */
export const SNAPSHOT_RECORD_SUFFIX = '.kpaas.json';

/** `s3://<bucket>/<prefix>/`: every snapshot of this cluster lives under it. @public */
export function clusterSnapshotUrlPrefix(
  clusterName: string,
  backup: EtcdBackupSpec,
): string {
  return `s3://${backup.target.bucket}/${backupKeyPrefix(
    clusterName,
    backup,
  )}/`;
}

/**
 * The object key (below the bucket) of an `s3://bucket/key` URL of this cluster's snapshots;
 * throws naming the field and the fix when it is another bucket or cluster, or not a .db file.
 * @public
 */
export function snapshotObjectKey(
  clusterName: string,
  backup: EtcdBackupSpec,
  url: string,
  field = 'snapshotObject',
): string {
  const prefix = clusterSnapshotUrlPrefix(clusterName, backup);
  const rest = url.startsWith(prefix) ? url.slice(prefix.length) : undefined;
  if (
    !rest ||
    !/^[A-Za-z0-9._/-]+\.db$/.test(rest) ||
    rest.split('/').includes('..')
  ) {
    throw new Error(
      `${field}: "${url}" is not a snapshot of cluster "${clusterName}"; use an object under ${prefix} ending in .db (the backup result's object, or kpaas:etcd-snapshot's object output)`,
    );
  }
  return `${prefix.slice(
    's3://'.length + backup.target.bucket.length + 1,
  )}${rest}`;
}

/** @public */
export interface SnapshotTransfer {
  clusterName: string;
  backup: EtcdBackupSpec;
  /** The control plane the Job runs on (its snapshot directory). */
  node: string;
  direction: 'upload' | 'download';
  /** File name in ETCD_SNAPSHOT_DIR. */
  file: string;
  /** Object key below the bucket. */
  key: string;
  /** Also move `<file>.kpaas.json`; on download a missing record is not an error. */
  withRecord: boolean;
  /** Job name (DNS label). */
  name: string;
}

/** The Job of one transfer; each copy its own container, so a failure names the step. @public */
export function renderSnapshotTransferJob(
  t: SnapshotTransfer,
): Record<string, unknown> {
  const local = (suffix = '') => `/snapshots/${t.file}${suffix}`;
  const remote = (suffix = '') =>
    `backup/${t.backup.target.bucket}/${t.key}${suffix}`;
  const mc = (name: string, from: string, to: string, optional = false) => ({
    name,
    image: ETCD_BACKUP_IMAGES.mc,
    command: optional
      ? [
          'sh',
          '-c',
          // the CronJob's snapshots have no record: its absence is reported, not a failure
          `mc --config-dir=/tmp/mc stat "${from}" >/dev/null 2>&1 || { echo "no ${from}"; exit 0; }; mc --config-dir=/tmp/mc cp "${from}" "${to}"`,
        ]
      : ['mc', '--config-dir=/tmp/mc', 'cp', from, to],
    env: s3ClientEnv(t.backup),
    volumeMounts: [{ name: 'snapshots', mountPath: '/snapshots' }],
  });
  const steps =
    t.direction === 'upload'
      ? [
          mc('upload', local(), remote()),
          ...(t.withRecord
            ? [
                mc(
                  'upload-record',
                  local(SNAPSHOT_RECORD_SUFFIX),
                  remote(SNAPSHOT_RECORD_SUFFIX),
                ),
              ]
            : []),
        ]
      : [
          mc('download', remote(), local()),
          ...(t.withRecord
            ? [
                mc(
                  'download-record',
                  remote(SNAPSHOT_RECORD_SUFFIX),
                  local(SNAPSHOT_RECORD_SUFFIX),
                  true,
                ),
              ]
            : []),
          {
            // the snapshot holds every Secret of the cluster: root-only, like kpaas:etcd-snapshot's
            name: 'protect',
            image: ETCD_BACKUP_IMAGES.busybox,
            command: ['sh', '-c', `chmod 600 "${local()}"*`],
            volumeMounts: [{ name: 'snapshots', mountPath: '/snapshots' }],
          },
        ];
  const labels = {
    'app.kubernetes.io/name': 'kpaas-etcd-snapshot-transfer',
    'app.kubernetes.io/managed-by': 'kpaas',
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: t.name, namespace: ETCD_BACKUP_NAMESPACE, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 1800,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          nodeName: t.node,
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          tolerations: [{ operator: 'Exists' }],
          volumes: [
            {
              name: 'snapshots',
              hostPath: { path: ETCD_SNAPSHOT_DIR, type: 'DirectoryOrCreate' },
            },
          ],
          // in order; the last one is the Job's container
          initContainers: steps.slice(0, -1),
          containers: steps.slice(-1),
        },
      },
    },
  };
}
