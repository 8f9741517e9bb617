import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { renewKubeadmCertificates } from '../certs/renew';
import { loadClusterRepo } from '../core/loadClusterRepo';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
  startControlPlaneRun,
} from '../etcd/controlPlanes';
import { examples } from './certsRenew.examples';

/** Factory options of kpaas:certs-renew (the module's services). */
/** The module passes its kpaas-backend client; the permissions authorize the initiator. */
export type CertsRenewActionOptions = ControlPlaneActionOptions;

/**
 * `kpaas:certs-renew`: renews kubeadm's certificates one control plane at a time (`kubeadm
 * certs renew all`, static pods restarted, expiry verified), each node on the timeline. Every
 * control plane is connected before the first is touched, so a node that is down stops the run
 * before anything changes.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createCertsRenewAction(options: CertsRenewActionOptions) {
  const deps = controlPlaneActionDeps(options);
  return createTemplateAction({
    id: 'kpaas:certs-renew',
    description:
      "Renews the cluster's kubeadm certificates one control plane at a time (kubeadm certs renew all, static pods restarted, expiry verified)",
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
        sshUser: z =>
          z.string({ description: 'SSH user on the nodes' }).default('ubuntu'),
        waitSeconds: z =>
          z
            .number({
              description:
                'How long to wait for the static pods to stop and come back, per node',
            })
            .int()
            .min(10)
            .max(1800)
            .default(180),
      },
      output: {
        renewed: z =>
          z.array(
            z.object({
              node: z.string(),
              before: z.string(),
              after: z.string(),
            }),
            {
              description:
                'Per control plane: the soonest leaf certificate expiry before and after',
            },
          ),
      },
    },
    async handler(ctx) {
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath ?? '.',
      });
      const cluster = repo.spec.metadata.name;
      const { recorder, controlPlanes } = await startControlPlaneRun(
        ctx,
        deps,
        {
          action: 'kpaas:certs-renew',
          phase: 'certs',
          cluster,
        },
      );
      try {
        const renewed = await recorder.phase('renew kubeadm certificates', () =>
          renewKubeadmCertificates({
            controlPlanes,
            waitMs: (ctx.input.waitSeconds ?? 180) * 1000,
            onNode: done =>
              recorder.timeline({
                step: `renew certificates on ${done.node}`,
                status: 'succeeded',
                summary: `soonest leaf certificate expiry ${done.before} -> ${done.after}`,
              }),
          }),
        );
        ctx.output('renewed', renewed);
      } finally {
        for (const cp of controlPlanes) cp.session.close();
      }
    },
  });
}
