import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  backupKeyPrefix,
  ON_DEMAND_PREFIX,
} from '@internal/plugin-kpaas-common';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { adminKubeConfig } from '../etcd/adminKubeConfig';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
  startControlPlaneRun,
} from '../etcd/controlPlanes';
import { runSnapshotTransfer } from '../etcd/s3Transfer';
import { takeEtcdSnapshot } from '../etcd/snapshot';
import { examples } from './etcdSnapshot.examples';

/** Factory options of kpaas:etcd-snapshot (the module's services). */
/** The module passes its kpaas-backend client; the permissions authorize the initiator. */
export type EtcdSnapshotActionOptions = ControlPlaneActionOptions;

/**
 * `kpaas:etcd-snapshot`: one etcd snapshot on demand (before an upgrade, before a restore
 * drill) on a control plane over SSH: `etcdctl snapshot save` with kubeadm's etcd client
 * certificate, verified with `etcdutl snapshot status`, kept on the node under
 * /var/lib/kpaas/etcd-snapshots with FILE.kpaas.json (the cluster ID kpaas:etcd-restore checks).
 * When cluster.yaml sets spec.backup, both files are then uploaded to its S3 target under
 * `<prefix>/on-demand/` by a Job on that node (../etcd/s3Transfer.ts: the keys stay in the
 * cluster's Secret); a failed upload fails the action and says the snapshot is still on the node.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createEtcdSnapshotAction(options: EtcdSnapshotActionOptions) {
  const deps = controlPlaneActionDeps(options);
  return createTemplateAction({
    id: 'kpaas:etcd-snapshot',
    description:
      'Takes one verified etcd snapshot on a control plane of the cluster (etcdctl snapshot save, etcdutl snapshot status) and keeps it on that node',
    examples,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo in the workspace (cluster.yaml)',
            })
            .default('.'),
        repoUrl: z =>
          z
            .string({
              description:
                'The repository the workspace was fetched from; must be the registered one',
            })
            .optional(),
        node: z =>
          z
            .string({
              description:
                'Control plane to take the snapshot on (default: the first of the inventory)',
            })
            .optional(),
        sshUser: z =>
          z.string({ description: 'SSH user on the node' }).default('ubuntu'),
        apiServerUrl: z =>
          z
            .string({
              description:
                'API server URL for the upload Job, when admin.conf names one kpaas cannot reach',
            })
            .optional(),
        uploadMinutes: z =>
          z
            .number({
              description: 'How long the upload to spec.backup may take',
            })
            .int()
            .min(1)
            .max(120)
            .default(15),
      },
      output: {
        node: z =>
          z.string({ description: 'Control plane the snapshot was taken on' }),
        path: z => z.string({ description: 'Snapshot file on that node' }),
        sizeBytes: z => z.number({ description: 'Snapshot size' }),
        revision: z =>
          z.number({ description: 'etcd revision of the snapshot' }),
        totalKeys: z => z.number({ description: 'Keys in the snapshot' }),
        clusterId: z =>
          z.string({
            description: 'etcd cluster ID (checked by kpaas:etcd-restore)',
          }),
        takenAt: z => z.string({ description: 'When (ISO 8601)' }),
        object: z =>
          z
            .string({
              description:
                'The uploaded object, s3://bucket/key (only with spec.backup); kpaas:etcd-restore takes it as snapshotObject',
            })
            .optional(),
      },
    },
    async handler(ctx) {
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath ?? '.',
      });
      const cluster = repo.spec.metadata.name;
      const {
        recorder,
        controlPlanes: [cp],
      } = await startControlPlaneRun(ctx, deps, {
        action: 'kpaas:etcd-snapshot',
        phase: 'etcd',
        cluster,
        only: ctx.input.node,
      });
      try {
        const record = await recorder.phase(
          `etcd snapshot on ${cp.node.name}`,
          () => takeEtcdSnapshot(cp.session, { cluster, node: cp.node.name }),
        );
        recorder.logger.info(
          `etcd snapshot ${record.path} on ${record.node}: revision ${record.revision}, ${record.totalKey} keys, ${record.totalSize} bytes, cluster ID ${record.clusterId}`,
        );
        ctx.output('node', record.node);
        ctx.output('path', record.path);
        ctx.output('sizeBytes', record.totalSize);
        ctx.output('revision', record.revision);
        ctx.output('totalKeys', record.totalKey);
        ctx.output('clusterId', record.clusterId);
        ctx.output('takenAt', record.takenAt);
        const backup = repo.spec.spec.backup;
        if (backup) {
          const file = record.path.split('/').pop()!;
          const key = `${backupKeyPrefix(
            cluster,
            backup,
          )}/${ON_DEMAND_PREFIX}/${file}`;
          const object = `s3://${backup.target.bucket}/${key}`;
          await recorder
            .phase(`upload ${object}`, async () =>
              runSnapshotTransfer(
                await adminKubeConfig(cp.session, ctx.input.apiServerUrl),
                {
                  clusterName: cluster,
                  backup,
                  node: cp.node.name,
                  direction: 'upload',
                  file,
                  key,
                  withRecord: true,
                  name: `kpaas-etcd-upload-${file
                    .replace(/\.db$/, '')
                    .toLowerCase()
                    .replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63),
                },
                { timeoutMs: (ctx.input.uploadMinutes ?? 15) * 60_000 },
              ),
            )
            .catch(e => {
              throw new Error(
                `${
                  (e as Error).message
                }. The snapshot itself is good and stays on ${record.node} at ${
                  record.path
                }`,
              );
            });
          recorder.logger.info(`etcd snapshot uploaded to ${object}`);
          ctx.output('object', object);
        }
      } finally {
        cp.session.close();
      }
    },
  });
}
