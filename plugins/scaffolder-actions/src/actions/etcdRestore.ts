import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import * as k8s from '@kubernetes/client-node';
import {
  ETCD_SNAPSHOT_DIR,
  snapshotObjectKey,
} from '@internal/plugin-kpaas-common';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { adminKubeConfig } from '../etcd/adminKubeConfig';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
  startControlPlaneRun,
} from '../etcd/controlPlanes';
import { restoreEtcd } from '../etcd/restore';
import { runSnapshotTransfer } from '../etcd/s3Transfer';
import { examples } from './etcdRestore.examples';

/** Factory options of kpaas:etcd-restore (the module's services). */
/** The module passes its kpaas-backend client; the permissions authorize the initiator. */
export type EtcdRestoreActionOptions = ControlPlaneActionOptions;

/**
 * `kpaas:etcd-restore`: restores the cluster's etcd from a snapshot kpaas:etcd-snapshot took,
 * or one of spec.backup's S3 objects (the backup CronJob's or an uploaded on-demand one), on
 * every control plane (the runbook in ../etcd/restore.ts). An S3 object is first fetched to a
 * control plane by a Job there (../etcd/s3Transfer.ts), so the cluster's API must answer for
 * that step. The cluster is down during the restore; `confirm` must repeat the cluster name.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createEtcdRestoreAction(options: EtcdRestoreActionOptions) {
  const deps = controlPlaneActionDeps(options);
  return createTemplateAction({
    id: 'kpaas:etcd-restore',
    description:
      'Restores etcd on every control plane from a kpaas etcd snapshot: static pods off, etcdutl snapshot restore per member, swap, restart, quorum and API verified',
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
        snapshotNode: z =>
          z
            .string({
              description:
                'Control plane the snapshot file is on (kpaas:etcd-snapshot output node); with snapshotObject, the one to fetch it to (default: the first)',
            })
            .optional(),
        snapshotPath: z =>
          z
            .string({
              description:
                'Snapshot file on that node (kpaas:etcd-snapshot output path); or give snapshotObject',
            })
            .optional(),
        snapshotObject: z =>
          z
            .string({
              description:
                "A snapshot in spec.backup's bucket, s3://bucket/<prefix>/....db (the backup result's object or kpaas:etcd-snapshot's object output); or give snapshotNode and snapshotPath",
            })
            .optional(),
        confirm: z =>
          z.string({
            description:
              'The cluster name, typed again: the cluster is down during the restore',
          }),
        apiServerUrl: z =>
          z
            .string({
              description:
                'API server URL for the final check, when admin.conf names one kpaas cannot reach',
            })
            .optional(),
        sshUser: z =>
          z.string({ description: 'SSH user on the nodes' }).default('ubuntu'),
        waitSeconds: z =>
          z
            .number({
              description:
                'How long to wait for etcd to stop, reach quorum and for the API',
            })
            .int()
            .min(10)
            .max(1800)
            .default(180),
      },
      output: {
        restoreId: z =>
          z.string({
            description: 'Suffix of the holding directories on the nodes',
          }),
        newClusterId: z =>
          z.string({ description: 'etcd cluster ID after the restore' }),
        previousDataDir: z =>
          z.string({
            description:
              'Where each control plane keeps its previous etcd data',
          }),
        steps: z =>
          z.array(z.object({ step: z.string(), node: z.string() }), {
            description: 'Every step, in order',
          }),
      },
    },
    async handler(ctx) {
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath ?? '.',
      });
      const cluster = repo.spec.metadata.name;
      if (ctx.input.confirm !== cluster) {
        throw new InputError(
          `confirm: type the cluster name "${cluster}" to restore its etcd; the cluster is down while it runs`,
        );
      }
      const { snapshotObject } = ctx.input;
      const backup = repo.spec.spec.backup;
      let objectKey: string | undefined;
      if (snapshotObject) {
        if (ctx.input.snapshotPath) {
          throw new InputError(
            'snapshotObject and snapshotPath: give one of them, the S3 object or the file on a node',
          );
        }
        if (!backup) {
          throw new InputError(
            `snapshotObject: cluster "${cluster}" has no spec.backup in cluster.yaml, so there is no S3 target to fetch "${snapshotObject}" from; add spec.backup or pass snapshotNode and snapshotPath`,
          );
        }
        try {
          objectKey = snapshotObjectKey(cluster, backup, snapshotObject);
        } catch (e) {
          throw new InputError((e as Error).message);
        }
      } else {
        if (!ctx.input.snapshotNode) {
          throw new InputError(
            "snapshotNode: name the control plane the snapshot is on (kpaas:etcd-snapshot's node output), or give snapshotObject",
          );
        }
        if (!ctx.input.snapshotPath?.startsWith('/')) {
          throw new InputError(
            `snapshotPath: "${ctx.input.snapshotPath}" is not an absolute path on ${ctx.input.snapshotNode}; pass kpaas:etcd-snapshot's path output`,
          );
        }
      }
      const { recorder, controlPlanes } = await startControlPlaneRun(
        ctx,
        deps,
        {
          action: 'kpaas:etcd-restore',
          phase: 'etcd',
          cluster,
        },
      );
      try {
        const first = controlPlanes[0];
        const verifyApi = async () => {
          const kc = await adminKubeConfig(
            first.session,
            ctx.input.apiServerUrl,
          );
          await kc.makeApiClient(k8s.VersionApi).getCode();
        };
        let sourceNode = ctx.input.snapshotNode ?? first.node.name;
        let snapshotPath = ctx.input.snapshotPath ?? '';
        if (snapshotObject && backup && objectKey) {
          const target = controlPlanes.find(cp => cp.node.name === sourceNode);
          if (!target) {
            throw new InputError(
              `snapshotNode: "${sourceNode}" is not a control plane of cluster "${cluster}"; use one of ${controlPlanes
                .map(cp => cp.node.name)
                .join(', ')}`,
            );
          }
          const file = objectKey.split('/').pop()!;
          snapshotPath = `${ETCD_SNAPSHOT_DIR}/${file}`;
          await recorder.phase(`fetch ${snapshotObject}`, async () =>
            runSnapshotTransfer(
              await adminKubeConfig(target.session, ctx.input.apiServerUrl),
              {
                clusterName: cluster,
                backup,
                node: target.node.name,
                direction: 'download',
                file,
                key: objectKey!,
                withRecord: true,
                name: `kpaas-etcd-fetch-${Date.now().toString(36)}`,
              },
              { timeoutMs: (ctx.input.waitSeconds ?? 180) * 1000 },
            ).catch(e => {
              throw new Error(
                `${
                  (e as Error).message
                }. Nothing was restored; the cluster runs on its current data`,
              );
            }),
          );
          sourceNode = target.node.name;
        }
        const result = await recorder.phase('etcd restore', () =>
          restoreEtcd({
            cluster,
            controlPlanes,
            sourceNode,
            snapshotPath,
            fetchedFrom: snapshotObject,
            logger: recorder.logger,
            waitMs: (ctx.input.waitSeconds ?? 180) * 1000,
            verifyApi,
          }),
        );
        ctx.output('restoreId', result.restoreId);
        ctx.output('newClusterId', result.newClusterId);
        ctx.output('previousDataDir', result.previousDataDir);
        ctx.output('steps', result.steps);
      } finally {
        for (const cp of controlPlanes) cp.session.close();
      }
    },
  });
}
