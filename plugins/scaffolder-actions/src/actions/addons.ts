import type {
  AuthService,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
} from '../access/authorizeClusterRun';
import { AddonsRunOptions, runAddons } from '../addons/run';
import { KpaasBackendClient } from '../backendClient';
import { examples } from './addons.examples';

/** Factory options of kpaas:addons. */
export interface AddonsActionOptions extends AddonsRunOptions {
  /** kpaas-backend access: registration (repo check), inventory and timeline writes */
  discovery: DiscoveryService;
  auth: AuthService;
  /** Authorizes the task's initiator (kpaas.cluster.create / kpaas.cluster.update). */
  permissions: PermissionsService;
  /** Reads `kpaas.actions.servicePrincipals`. */
  config?: Config;
  /** The module's one kpaas-backend client (built in its init); default: one of its own. */
  client?: KpaasBackendClient;
}

export { verifyAddons } from '../addons/verify';
export type { AddonVerification } from '../addons/verify';

/**
 * `kpaas:addons`: installs the cluster's add-ons with pinned Helm charts in dependency waves
 * and proves each one ready through the Kubernetes API.
 *
 * Secrets: `sshPrivateKey` (+ optional `sshPassphrase`).
 *
 * @public
 */
export function createAddonsAction(options: AddonsActionOptions) {
  const client =
    options.client ??
    new KpaasBackendClient({
      discovery: options.discovery,
      auth: options.auth,
    });
  const guard = new ClusterRunGuard({
    permissions: options.permissions,
    client,
    servicePrincipals: actionServicePrincipalsFromConfig(options.config),
  });
  return createTemplateAction({
    id: 'kpaas:addons',
    description:
      "Brings the cluster's add-ons to what cluster.yaml lists: installs new ones in dependency waves, upgrades (helm upgrade --atomic) those whose pinned chart version or values changed, uninstalls those it installed that cluster.yaml no longer lists (dependants first), and checks readiness through the Kubernetes API",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo in the workspace (cluster.yaml and values/)',
            })
            .default('.'),
        repoUrl: z =>
          z
            .string({
              description:
                'The repository the workspace was fetched from (RepoUrlPicker value or https URL). A run on a registered cluster is refused unless this is its registered repository.',
            })
            .optional(),
        clusterName: z =>
          z
            .string({
              description:
                'Cluster name as registered by kpaas:bootstrap; must be the name in cluster.yaml. Helm runs over SSH on the first control plane of its inventory in kpaas-backend',
            })
            .optional(),
        apiServerUrl: z =>
          z
            .string({
              description: 'API server URL, when the cluster is not registered',
            })
            .optional(),
        sshUser: z =>
          z.string({ description: 'SSH user on the node' }).default('ubuntu'),
        concurrency: z =>
          z
            .number({
              description: 'Add-ons installed at once within one wave',
            })
            .int()
            .min(1)
            .max(20)
            .default(4),
        timeoutMinutes: z =>
          z
            .number({ description: 'Timeout per add-on (Helm and readiness)' })
            .int()
            .min(1)
            .max(120)
            .default(15),
        uninstall: z =>
          z
            .boolean({
              description:
                "Tear down: uninstall all of cluster.yaml's add-ons in reverse dependency order (a day-2 removal needs no flag: drop the add-on from spec.addons)",
            })
            .default(false),
      },
      output: {
        plan: z =>
          z.array(
            z.object({
              wave: z.number(),
              id: z.string(),
              chart: z.string(),
              version: z.string(),
              namespace: z.string(),
              action: z
                .enum(['install', 'upgrade', 'current', 'uninstall'])
                .optional(),
              from: z.string().optional(),
            }),
            {
              description:
                'The plan: waves of add-ons with pinned charts and, once the cluster was read, what happens to each (install, upgrade from a chart version, current, uninstall; uninstalls last, dependants first)',
            },
          ),
        changes: z =>
          z
            .string({
              description:
                'The add-on change in Markdown: installs, upgrades (chart version and values diff; values from Secrets show as their tokens), uninstalls',
            })
            .optional(),
        addons: z =>
          z.array(
            z.object({
              id: z.string(),
              status: z.enum(['installed', 'current', 'failed', 'uninstalled']),
              chartVersion: z.string(),
              reason: z.string().optional(),
            }),
            { description: 'Result per add-on' },
          ),
        endpoints: z =>
          z.array(z.object({ host: z.string(), address: z.string() }), {
            description: 'UI host names and the address they resolve to',
          }),
        hostsSnippet: z =>
          z.string({
            description:
              'Lines to add to a local hosts file (append, never overwrite)',
          }),
      },
    },
    async handler(ctx) {
      // The scaffolder validates the input against the JSON schema but does not apply the zod
      // defaults, so a template that leaves a field out passes undefined: default it here.
      const i = ctx.input;
      const input = {
        ...i,
        repoPath: i.repoPath ?? '.',
        sshUser: i.sshUser ?? 'ubuntu',
        concurrency: i.concurrency ?? 4,
        timeoutMinutes: i.timeoutMinutes ?? 15,
        uninstall: i.uninstall ?? false,
      };
      const output = await runAddons(
        {
          input,
          workspacePath: ctx.workspacePath,
          secrets: ctx.secrets,
          logger: ctx.logger,
          signal: ctx.signal,
          isDryRun: ctx.isDryRun,
          taskId: ctx.task?.id,
          checkpoint: opts => ctx.checkpoint(opts as any) as any,
          client,
          authorize: async cluster =>
            guard.authorize({
              action: 'kpaas:addons',
              cluster,
              newCluster: false,
              repoUrl: i.repoUrl,
              taskId: ctx.task?.id,
              isDryRun: ctx.isDryRun,
              credentials: await ctx.getInitiatorCredentials(),
            }),
        },
        options,
      );
      ctx.output('plan', output.plan);
      if (output.changes !== undefined) ctx.output('changes', output.changes);
      ctx.output('addons', output.addons);
      ctx.output('endpoints', output.endpoints);
      ctx.output('hostsSnippet', output.hostsSnippet);
      const failed = output.addons.filter(a => a.status === 'failed');
      if (failed.length > 0) {
        throw new Error(
          `kpaas:addons: ${failed.length} add-on(s) failed: ${failed
            .map(f => `${f.id} (${f.reason})`)
            .join(
              '; ',
            )}. Fix the cause and run the step again: ready add-ons are kept ("current")`,
        );
      }
    },
  });
}
