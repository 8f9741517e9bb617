import { InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { runAddons } from '../addons/run';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { RunRecorder } from '../core/runRecorder';
import {
  controlPlaneActionDeps,
  ControlPlaneActionOptions,
} from '../etcd/controlPlanes';
import { ToolShutdown } from '../process/shutdown';
import { createProvisionAction } from './provision';
import { examples } from './retire.examples';
import { removeRetiredClusterEntity } from './retireCatalogEntity';

/** Factory options of kpaas:retire (the module's services). */
export interface RetireActionOptions extends ControlPlaneActionOptions {
  /** Stops Terraform when the backend shuts down (the module passes one per backend). */
  toolShutdown?: ToolShutdown;
  /** The environment Terraform's allow-listed variables are read from (tests). */
  env?: NodeJS.ProcessEnv;
  /**
   * The catalog (catalogServiceRef): the retired cluster's entity is removed with the
   * initiator's credentials. Without it the entity stays and the task links to it.
   */
  catalog?: CatalogService;
}

/**
 * `kpaas:retire`: takes a cluster down for good, in the order that leaves nothing behind:
 * the name typed again (`confirm`) and kpaas.cluster.delete on the cluster, checked before
 * anything runs; the add-ons uninstalled through kpaas:addons' uninstall path (reverse
 * dependency order), so LoadBalancer addresses and volumes they hold outside the cluster are
 * released while the cluster can still release them; the machines destroyed through
 * kpaas:provision's destroy (exactly this cluster's Terraform state, refused when the state
 * holds resources its configuration does not declare); then kpaas-backend retires the entry
 * (registration and machines kept, state and timeline archived), and the cluster's catalog
 * entity goes with its catalog location when the initiator may delete it
 * (retireCatalogEntity.ts). Each step is a phase on the cluster's timeline, which is archived
 * with it.
 *
 * Secrets: `sshPrivateKey` (+ `sshPassphrase`), and for kakao-cloud `kakaoCredentialId` and
 * `kakaoCredentialSecret`.
 *
 * @public
 */
export function createRetireAction(options: RetireActionOptions) {
  const { client, guard } = controlPlaneActionDeps(options);
  const provision = createProvisionAction({
    ...options,
    client,
    toolShutdown: options.toolShutdown,
  });
  return createTemplateAction({
    id: 'kpaas:retire',
    description:
      'Retires a cluster: uninstalls its add-ons (releasing LoadBalancer addresses and volumes), destroys exactly its Terraform state, and archives its registry entry, state and timeline in kpaas-backend',
    examples,
    supportsDryRun: true,
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
        confirm: z =>
          z.string({
            description:
              "The cluster's name typed again; must equal metadata.name of cluster.yaml",
          }),
        sshUser: z =>
          z
            .string({ description: 'SSH user on the control plane (Helm)' })
            .default('ubuntu'),
        uninstallAddons: z =>
          z
            .boolean({
              description:
                'Uninstall the add-ons first (default). Off only when the cluster is unreachable already: what its add-ons hold outside it (LoadBalancer addresses, volumes) must then be released by hand',
            })
            .default(true),
        timeoutMinutes: z =>
          z
            .number({
              description:
                'Upper bound of the add-on uninstall and of the destroy each',
            })
            .int()
            .min(1)
            .max(600)
            .default(60),
      },
      output: {
        clusterName: z => z.string({ description: 'metadata.name' }),
        uninstalled: z =>
          z.array(z.string(), {
            description: 'Add-ons uninstalled, in the order they went',
          }),
        destroyed: z =>
          z.number({
            description: 'Terraform resources destroyed (0 for existing hosts)',
          }),
        archivedStateVersions: z =>
          z.number({ description: 'Terraform state versions archived' }),
        archivedTimelineEntries: z =>
          z.number({ description: 'Timeline entries archived' }),
        entityRef: z =>
          z
            .string({
              description:
                'The catalog entity of the cluster (registered with kpaas)',
            })
            .optional(),
        catalogRemoved: z =>
          z.boolean({
            description:
              "True when the cluster's catalog entity is gone (its catalog location removed with the initiator's catalog.location.delete); false when it stays, see catalogNote",
          }),
        catalogNote: z =>
          z.string({
            description:
              'What became of the catalog entity, or why it stays and how to unregister it',
          }),
        phaseTimings: z =>
          z.array(z.object({ phase: z.string(), seconds: z.number() }), {
            description: 'Wall time of each step',
          }),
      },
    },
    async handler(ctx) {
      const input = {
        repoPath: ctx.input.repoPath ?? '.',
        sshUser: ctx.input.sshUser ?? 'ubuntu',
        uninstallAddons: ctx.input.uninstallAddons ?? true,
        timeoutMinutes: ctx.input.timeoutMinutes ?? 60,
      };
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: input.repoPath,
      });
      const cluster = repo.spec.metadata.name;
      if ((ctx.input.confirm ?? '').trim() !== cluster) {
        throw new InputError(
          `confirm: type the cluster's name "${cluster}" again to retire it (got "${
            ctx.input.confirm ?? ''
          }"); nothing was run`,
        );
      }
      const taskId = ctx.task?.id;
      const decision = await guard.authorize({
        action: 'kpaas:retire',
        cluster,
        newCluster: false,
        deletes: true,
        repoUrl: ctx.input.repoUrl,
        taskId,
        isDryRun: ctx.isDryRun,
        credentials: await ctx.getInitiatorCredentials(),
      });
      const addons = repo.spec.spec.addons.map(a => a.id);
      const target = repo.spec.spec.target.type;
      ctx.output('clusterName', cluster);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `dry run: retiring "${cluster}" would uninstall ${
            input.uninstallAddons && addons.length
              ? `its add-ons (${addons.join(', ')})`
              : 'no add-on'
          }, ${
            target === 'existing'
              ? 'leave its existing hosts as they are'
              : `destroy its ${target} machines (Terraform state of "${cluster}")`
          } and archive its registry entry, state and timeline; nothing was run`,
        );
        ctx.output('uninstalled', []);
        ctx.output('destroyed', 0);
        ctx.output('archivedStateVersions', 0);
        ctx.output('archivedTimelineEntries', 0);
        ctx.output('catalogRemoved', false);
        ctx.output(
          'catalogNote',
          'dry run: the catalog entity stays; a real run removes its catalog location if you may delete it',
        );
        ctx.output('phaseTimings', []);
        return;
      }
      const entityRef = decision.registration?.entityRef;
      const recorder = new RunRecorder({
        phase: 'retire',
        cluster,
        client,
        logger: ctx.logger,
        taskId,
        secrets: Object.values(ctx.secrets ?? {}),
      });

      // 1. add-ons: their outside resources go while the cluster can still release them
      let uninstalled: string[] = [];
      if (input.uninstallAddons && addons.length > 0) {
        uninstalled = await ctx.checkpoint({
          key: `kpaas.retire.v1.${cluster}.addons`,
          fn: () =>
            recorder.phase('uninstall add-ons', async () => {
              const out = await runAddons({
                input: {
                  repoPath: input.repoPath,
                  repoUrl: ctx.input.repoUrl,
                  clusterName: cluster,
                  sshUser: input.sshUser,
                  concurrency: 4,
                  timeoutMinutes: input.timeoutMinutes,
                  uninstall: true,
                },
                workspacePath: ctx.workspacePath,
                secrets: ctx.secrets,
                logger: ctx.logger,
                signal: ctx.signal,
                taskId,
                checkpoint: opts => ctx.checkpoint(opts as any) as any,
                client,
                authorize: async () => decision,
              });
              const failed = out.addons.filter(a => a.status === 'failed');
              if (failed.length > 0) {
                throw new Error(
                  `kpaas:retire: ${
                    failed.length
                  } add-on(s) could not be uninstalled, so nothing was destroyed: ${failed
                    .map(f => `${f.id} (${f.reason})`)
                    .join('; ')}`,
                );
              }
              return out.addons
                .filter(a => a.status === 'uninstalled')
                .map(a => a.id);
            }),
        });
      } else if (addons.length > 0) {
        recorder.logger.warn(
          `add-ons left installed (uninstallAddons is false): ${addons.join(
            ', ',
          )}; release their LoadBalancer addresses and volumes by hand`,
        );
      }

      // 2. the machines: exactly this cluster's Terraform state
      let destroyed = 0;
      if (target !== 'existing') {
        destroyed = await recorder.phase('destroy machines', async () => {
          const outputs: Record<string, any> = {};
          await provision.handler({
            ...ctx,
            input: {
              repoPath: input.repoPath,
              repoUrl: ctx.input.repoUrl,
              mode: 'destroy',
              timeoutMinutes: input.timeoutMinutes,
            },
            output: (name: string, value: unknown) => {
              outputs[name] = value;
            },
          } as any);
          return outputs.planSummary?.destroy ?? 0;
        });
      } else {
        recorder.logger.info(
          `existing hosts of "${cluster}" are left as they are: kpaas did not create them (run kubeadm reset -f on them to reuse them)`,
        );
      }

      // 3. kpaas-backend: registration kept, state and timeline archived, entry gone
      await recorder.timeline({
        step: 'retire registry entry',
        status: 'succeeded',
        summary: `uninstalled ${uninstalled.length} add-on(s), destroyed ${destroyed} resource(s); the timeline is archived next`,
      });
      const retired = await client.retireCluster(cluster, {
        confirm: cluster,
        taskId,
      });
      ctx.logger.info(
        `cluster "${cluster}" retired: ${retired.archivedStateVersions} state version(s) and ${retired.archivedTimelineEntries} timeline entries archived, registration kept`,
      );

      // 4. the catalog entity, as far as the initiator may remove it (never fails the retire)
      const cleanup =
        entityRef && options.catalog
          ? await removeRetiredClusterEntity({
              catalog: options.catalog,
              credentials: await ctx.getInitiatorCredentials(),
              entityRef,
              cluster,
            })
          : {
              removed: false,
              message: entityRef
                ? `unregister ${entityRef} from the catalog (its page: ⋮ > Unregister entity)`
                : 'kpaas knew no catalog entity of the cluster',
            };
      if (cleanup.removed) ctx.logger.info(cleanup.message);
      else ctx.logger.warn(cleanup.message);
      ctx.output('uninstalled', uninstalled);
      ctx.output('destroyed', destroyed);
      ctx.output('archivedStateVersions', retired.archivedStateVersions);
      ctx.output('archivedTimelineEntries', retired.archivedTimelineEntries);
      if (entityRef) ctx.output('entityRef', entityRef);
      ctx.output('catalogRemoved', cleanup.removed);
      ctx.output('catalogNote', cleanup.message);
      ctx.output('phaseTimings', recorder.phaseTimings);
    },
  });
}
