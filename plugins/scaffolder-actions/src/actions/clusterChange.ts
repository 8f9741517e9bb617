import fs from 'node:fs';
import path from 'node:path';
import type {
  AuthService,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  applyClusterChange,
  changeSummary,
  editClusterYaml,
  formatSpecErrors,
  parseAddonValuesInput,
} from '@internal/plugin-kpaas-common';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
} from '../access/authorizeClusterRun';
import { KpaasBackendClient } from '../backendClient';
import { loadClusterRepo, writeDerivedFiles } from '../core/loadClusterRepo';
import { RunRecorder } from '../core/runRecorder';
import { examples } from './clusterChange.examples';

/** Factory options of kpaas:cluster-change (the module's services). */
export interface ClusterChangeActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Authorizes the initiator (kpaas.cluster.update on the cluster). */
  permissions: PermissionsService;
  config?: Config;
  client?: KpaasBackendClient;
  /** Folder holding values/addons.yaml when the cluster repo has none (tests). */
  valuesPackDir?: string;
}

/**
 * `kpaas:cluster-change`: a day-2 change of an existing cluster as an edit of its cluster.yaml,
 * for a pull request on the cluster's repository. Loads the fetched repository
 * (loadClusterRepo), authorizes the initiator (kpaas.cluster.update on the cluster, from the
 * cluster's registered repository), applies the change with kpaas-common's applyClusterChange
 * (refusals name the field and the fix, before anything is written), writes cluster.yaml through
 * the yaml Document API (comments kept) and outputs the change summary in Markdown.
 *
 * It changes nothing but the workspace's cluster.yaml: the pull request, its review and the
 * apply after the merge do the rest.
 *
 * @public
 */
export function createClusterChangeAction(options: ClusterChangeActionOptions) {
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
    id: 'kpaas:cluster-change',
    description:
      "Applies a day-2 change (workers, add-ons and their values, Kubernetes version) to the cluster repository's cluster.yaml after checking it, keeping the file's comments, and outputs the change in Markdown for the pull request",
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
        cluster: z =>
          z
            .string({
              description:
                'The cluster the form named (entity ref or name); must be the metadata.name of cluster.yaml',
            })
            .optional(),
        workers: z =>
          z.number({ description: 'New spec.workers.count' }).int().optional(),
        addAddons: z =>
          z
            .array(z.string(), {
              description: 'Catalog ids to add (their dependencies come along)',
            })
            .optional(),
        removeAddons: z =>
          z
            .array(z.string(), { description: 'Add-on ids to remove' })
            .optional(),
        kubernetesVersion: z =>
          z
            .string({
              description:
                'New spec.kubernetes.version: one minor at a time, never lower',
            })
            .optional(),
        addonValues: z =>
          z
            .union([z.record(z.record(z.unknown())), z.string()], {
              description:
                'New spec.addons[].values by add-on id ({} clears them); applied with helm upgrade --atomic. The change form gives it as YAML text',
            })
            .optional(),
      },
      output: {
        clusterName: z => z.string({ description: 'metadata.name' }),
        target: z =>
          z.string({
            description:
              'spec.target.type (vagrant and existing have no Terraform plan)',
          }),
        branchName: z =>
          z.string({
            description:
              'Branch for the pull request, named after the change (the same change again updates it)',
          }),
        changed: z =>
          z.boolean({ description: 'False when cluster.yaml stays as it is' }),
        title: z => z.string({ description: 'Pull request title' }),
        summary: z =>
          z.string({
            description:
              'The change in Markdown (words and the diff of cluster.yaml) for the pull request body',
          }),
        removeNodes: z =>
          z.array(z.string(), {
            description:
              'Nodes a scale-down removes, newest first: on apply kpaas:remove-nodes drains, resets and deletes them before Terraform destroys their machines',
          }),
      },
    },
    async handler(ctx) {
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath ?? '.',
        valuesPackDir: options.valuesPackDir,
      });
      const cluster = repo.spec.metadata.name;
      const named = ctx.input.cluster?.replace(/^(?:[^:]+:)?(?:[^/]+\/)?/, '');
      if (named && named !== cluster) {
        throw new InputError(
          `cluster: the form names cluster "${named}", but the fetched cluster.yaml is cluster "${cluster}"; pick the cluster whose repository you fetch (repoUrl), or fetch that cluster's repository`,
        );
      }
      const decision = await guard.authorize({
        action: 'kpaas:cluster-change',
        cluster,
        newCluster: false,
        repoUrl: ctx.input.repoUrl,
        taskId: ctx.task?.id,
        isDryRun: ctx.isDryRun,
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (!ctx.isDryRun && !decision.registration) {
        throw new NotFoundError(
          `kpaas:cluster-change: cluster "${cluster}" is not registered in kpaas, so there is nothing to change; order it with the kpaas-cluster template, or build its repository with kpaas-cluster-apply first`,
        );
      }

      // the cluster's timeline: the change as one phase with its time (not in a dry run)
      const startedAt = new Date();
      const recorder = ctx.isDryRun
        ? undefined
        : new RunRecorder({
            phase: 'change',
            cluster,
            client,
            logger: ctx.logger,
            taskId: ctx.task?.id,
          });
      const addonValues = parseAddonValuesInput(ctx.input.addonValues);
      const result = addonValues.ok
        ? applyClusterChange(
            repo.spec,
            {
              workers: ctx.input.workers,
              addAddons: ctx.input.addAddons,
              removeAddons: ctx.input.removeAddons,
              kubernetesVersion: ctx.input.kubernetesVersion,
              addonValues: addonValues.value,
            },
            repo.catalog,
          )
        : addonValues;
      if (!result.ok) {
        const message = formatSpecErrors(
          result.errors,
          `the change to cluster "${cluster}"`,
        );
        await recorder?.timeline({
          step: 'change cluster.yaml',
          status: 'failed',
          startedAt,
          summary: message,
        });
        throw new InputError(message);
      }
      const file = path.join(repo.dir, 'cluster.yaml');
      const before = fs.readFileSync(file, 'utf8');
      const after = editClusterYaml(before, repo.spec, result.spec);
      if (after !== before) fs.writeFileSync(file, after, 'utf8');
      // hosts.snippet and any other file derived from cluster.yaml follow the change
      writeDerivedFiles(repo.dir, result.spec, repo.catalog);

      const { plan } = result;
      const parts = [
        plan.workers && `workers ${plan.workers.from} → ${plan.workers.to}`,
        plan.addons.install.length > 0 &&
          `add ${plan.addons.install.join(', ')}`,
        plan.addons.uninstall.length > 0 &&
          `remove ${plan.addons.uninstall.join(', ')}`,
        plan.addons.upgrade.length > 0 &&
          `upgrade ${plan.addons.upgrade.map(u => u.id).join(', ')}`,
        plan.kubernetes && `Kubernetes ${plan.kubernetes.to}`,
      ].filter(Boolean);
      const summary = changeSummary(
        { spec: repo.spec, text: before },
        { spec: result.spec, text: after },
        { plan, catalog: repo.catalog },
      );
      ctx.logger.info(
        plan.unchanged
          ? `cluster "${cluster}": nothing to change`
          : `cluster "${cluster}": ${parts.join('; ')}`,
      );
      await recorder?.timeline({
        step: 'change cluster.yaml',
        status: 'succeeded',
        startedAt,
        summary: plan.unchanged
          ? 'nothing to change'
          : `${parts.join(
              '; ',
            )} (pull request for review; applied after the merge)`,
      });
      ctx.output('clusterName', cluster);
      ctx.output('target', repo.spec.spec.target.type);
      ctx.output(
        'branchName',
        `kpaas/change-${cluster}-${
          parts
            .join('-')
            .toLowerCase()
            .replace(/[^a-z0-9.]+/g, '-')
            .replace(/^-+|-+$/g, '')
            .slice(0, 80) || 'none'
        }`,
      );
      ctx.output('changed', !plan.unchanged);
      ctx.output(
        'title',
        `kpaas: ${cluster}: ${parts.join('; ') || 'no change'}`,
      );
      ctx.output('summary', summary);
      ctx.output('removeNodes', plan.workers?.remove ?? []);
    },
  });
}
