import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';
import { loadClusterRepo } from '../core/loadClusterRepo';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
  startControlPlaneRun,
} from '../etcd/controlPlanes';
import { restoreEtcd } from '../etcd/restore';
import { examples } from './etcdRestore.examples';

/** Factory options of kpaas:etcd-restore (the module's services). */
/** The module passes its kpaas-backend client; the permissions authorize the initiator. */
export type EtcdRestoreActionOptions = ControlPlaneActionOptions;

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/**
 * `kpaas:etcd-restore`: restores the cluster's etcd from a snapshot kpaas:etcd-snapshot took,
 * on every control plane (the runbook in ../etcd/restore.ts). The cluster is down during the
 * restore; `confirm` must repeat the cluster name.
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
          z.string({
            description:
              'Control plane the snapshot file is on (kpaas:etcd-snapshot output node)',
          }),
        snapshotPath: z =>
          z.string({
            description:
              'Snapshot file on that node (kpaas:etcd-snapshot output path)',
          }),
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
      if (!ctx.input.snapshotPath?.startsWith('/')) {
        throw new InputError(
          `snapshotPath: "${ctx.input.snapshotPath}" is not an absolute path on ${ctx.input.snapshotNode}; pass kpaas:etcd-snapshot's path output`,
        );
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
          const doc = yaml.parse(
            (await first.session.readFile(ADMIN_CONF)).toString(),
          );
          if (ctx.input.apiServerUrl) {
            for (const c of doc?.clusters ?? [])
              if (c?.cluster) c.cluster.server = ctx.input.apiServerUrl;
          }
          const kc = new k8s.KubeConfig();
          kc.loadFromString(yaml.stringify(doc));
          await kc.makeApiClient(k8s.VersionApi).getCode();
        };
        const result = await recorder.phase('etcd restore', () =>
          restoreEtcd({
            cluster,
            controlPlanes,
            sourceNode: ctx.input.snapshotNode,
            snapshotPath: ctx.input.snapshotPath,
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
