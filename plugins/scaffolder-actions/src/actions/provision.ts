import type {
  AuthService,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
} from '../access/authorizeClusterRun';
import { KpaasBackendClient } from '../backendClient';
import { loadClusterRepo } from '../core/loadClusterRepo';
import { RunRecorder } from '../core/runRecorder';
import { passthroughFromConfig } from '../process/childEnv';
import { ToolShutdown } from '../process/shutdown';
import { dryRunProvision } from '../provision/dryRun';
import { provisionExistingMachines } from '../provision/existingMachines';
import { sshPublicKeyOf } from '../provision/sshPublicKey';
import { formatProvisionSummary } from '../provision/summary';
import { readTerraformInstallSettings } from '../provision/terraformInstall';
import { provisionWithTerraform } from '../provision/terraformTarget';
import type {
  ProvisionMode,
  ProvisionResult,
  ProvisionRun,
} from '../provision/types';
import { provisionWithVagrant } from '../provision/vagrantTarget';
import { examples } from './provision.examples';

/** Dependencies of {@link createProvisionAction}. @public */
export interface ProvisionActionOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Authorizes the task's initiator (kpaas.cluster.create / kpaas.cluster.update). */
  permissions: PermissionsService;
  /** Reads `kpaas.terraformState.baseUrl` (URL of kpaas-backend as Terraform reaches it). */
  config?: Config;
  /**
   * The backend environment the tools' allow-listed variables (PATH, proxies, locale,
   * `kpaas.actions.environment.passthrough`) are read from; default `process.env`. It is never
   * handed to a tool whole.
   */
  env?: NodeJS.ProcessEnv;
  /** Grace between SIGINT, SIGTERM and SIGKILL when stopping Terraform; default 60 s. */
  stopGraceMs?: number;
  /**
   * Longest time between renewals of the state lock's lease while Terraform runs; default 60 s
   * (kpaas-backend's lease, kpaas.terraformState.lockLeaseSeconds, defaults to 300 s).
   */
  lockRenewIntervalMs?: number;
  /** Stops Terraform/Vagrant when the backend shuts down (the module passes one per backend). */
  toolShutdown?: ToolShutdown;
  /** The module's kpaas-backend client (default: one built from discovery and auth). */
  client?: KpaasBackendClient;
  /** Values pack whose values/addons.yaml checks cluster.yaml when the repo has none. */
  valuesPackDir?: string;
}

const DEFAULT_STOP_GRACE_MS = 60_000;

/**
 * `kpaas:provision`: runs Terraform (or Vagrant) for the cluster repo's target and reports the
 * node inventory and endpoints for `kpaas:bootstrap`.
 *
 * Secrets (from the template's `secrets`, never inputs): `kakaoCredentialId`,
 * `kakaoCredentialSecret` (Kakao Cloud application credential), `sshPrivateKey`.
 *
 * @public
 */
export function createProvisionAction(options: ProvisionActionOptions) {
  const client =
    options.client ??
    new KpaasBackendClient({
      discovery: options.discovery,
      auth: options.auth,
      stateBaseUrl: options.config?.getOptionalString(
        'kpaas.terraformState.baseUrl',
      ),
    });
  const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const toolShutdown = options.toolShutdown ?? new ToolShutdown();
  const installSettings = readTerraformInstallSettings(options.config);
  const envPassthrough = passthroughFromConfig(options.config);
  const guard = new ClusterRunGuard({
    permissions: options.permissions,
    client,
    servicePrincipals: actionServicePrincipalsFromConfig(options.config),
  });

  return createTemplateAction({
    id: 'kpaas:provision',
    description:
      'Provisions the machines of a kpaas cluster with Terraform (Kakao Cloud, Multipass), Vagrant, or checks an existing host list, and outputs the node inventory and endpoints',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo inside the task workspace (the folder holding cluster.yaml)',
            })
            .default('.'),
        mode: z =>
          z
            .enum(['plan', 'apply', 'destroy'], {
              description:
                'plan: init + plan only (for review); apply: plan then apply that plan; destroy: tear the machines down',
            })
            .default('plan'),
        terraformPath: z =>
          z
            .string({
              description:
                'Terraform (or OpenTofu) binary to run; defaults to `terraform`, then `tofu`, on the PATH',
            })
            .optional(),
        timeoutMinutes: z =>
          z
            .number({
              description:
                'Upper bound for the whole run; on expiry Terraform is stopped and its state lock released',
            })
            .int()
            .min(1)
            .max(600)
            .default(60),
        sshAddress: z =>
          z
            .enum(['private', 'public'], {
              description:
                'Which Terraform node address the inventory uses for SSH: private (inside the VPC/VM network) or public (floating IP)',
            })
            .default('private'),
        newCluster: z =>
          z
            .boolean({
              description:
                'The run orders a new cluster: fail before anything runs when kpaas-backend already has a cluster (or Terraform state) of this name from another task. A retry of the same task may continue.',
            })
            .default(false),
        repoUrl: z =>
          z
            .string({
              description:
                'The repository the workspace was fetched from (RepoUrlPicker value or https URL). A run on a registered cluster is refused unless this is its registered repository.',
            })
            .optional(),
      },
      output: {
        clusterName: z =>
          z.string({ description: 'Cluster name from cluster.yaml' }),
        target: z =>
          z.string({
            description: 'kakao-cloud, multipass, vagrant or existing',
          }),
        planSummary: z =>
          z
            .object(
              {
                add: z.number(),
                change: z.number(),
                destroy: z.number(),
                resources: z.array(
                  z.object({ address: z.string(), action: z.string() }),
                ),
              },
              {
                description:
                  'Terraform plan summary: N to add, M to change, K to destroy, and the resource list',
              },
            )
            .optional(),
        inventory: z =>
          z.array(
            z.object({
              name: z.string(),
              role: z.enum(['control-plane', 'worker', 'lb']),
              address: z.string(),
              privateAddress: z.string().optional(),
              publicAddress: z.string().optional(),
              port: z.number(),
              hostKeyFingerprint: z.string().optional(),
            }),
            {
              description:
                'Node inventory, ready to pass to kpaas:bootstrap as its `inventory` input',
            },
          ),
        endpoints: z =>
          z.object(
            {
              apiServerUrl: z.string(),
              apiVip: z.string().optional(),
              apiPublicAddress: z.string().optional(),
              ingressAddress: z.string().optional(),
            },
            { description: 'API server (VIP/LB) and ingress endpoints' },
          ),
        summary: z =>
          z.string({
            description:
              'Markdown for a review: the machines (addresses only the tool knows read "assigned at apply"), the endpoints and the plan figures',
          }),
      },
    },
    async handler(ctx) {
      // Defaults applied here too: the handler may be called without the schema's parsing.
      const mode: ProvisionMode = ctx.input.mode ?? 'plan';
      const timeoutMinutes = ctx.input.timeoutMinutes ?? 60;
      if (!['plan', 'apply', 'destroy'].includes(mode)) {
        throw new InputError(
          `mode "${mode}" is not supported; use plan, apply or destroy`,
        );
      }
      const secrets = ctx.secrets ?? {};

      // 1. The cluster repo: cluster.yaml with the add-on catalog, every problem at once.
      const repo = loadClusterRepo({
        workspacePath: ctx.workspacePath,
        repoPath: ctx.input.repoPath,
        valuesPackDir: options.valuesPackDir,
      });
      const { spec } = repo;
      const cluster = spec.metadata.name;
      const target = spec.spec.target.type;

      refuseModeForTarget(mode, target);

      // 2. The initiator's permission and the cluster's own repository.
      const newCluster = Boolean(ctx.input.newCluster) && mode !== 'destroy';
      await guard.authorize({
        action: 'kpaas:provision',
        cluster,
        newCluster,
        repoUrl: ctx.input.repoUrl,
        taskId: ctx.task?.id,
        isDryRun: ctx.isDryRun,
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (
        target === 'kakao-cloud' &&
        (!secrets.kakaoCredentialId || !secrets.kakaoCredentialSecret) &&
        !ctx.isDryRun
      ) {
        throw new InputError(
          "spec.target.type kakao-cloud needs the secrets kakaoCredentialId and kakaoCredentialSecret (a Kakao Cloud application credential); add them to the template's secrets",
        );
      }
      const emit = (result: ProvisionResult) => {
        ctx.output('clusterName', cluster);
        ctx.output('target', target);
        if (result.planSummary) ctx.output('planSummary', result.planSummary);
        ctx.output('inventory', result.inventory);
        ctx.output('endpoints', result.endpoints);
        ctx.output(
          'summary',
          formatProvisionSummary({
            spec,
            mode,
            result,
            dryRun: Boolean(ctx.isDryRun),
          }),
        );
      };

      if (ctx.isDryRun) {
        emit(
          dryRunProvision({
            repo,
            mode,
            workspacePath: ctx.workspacePath,
            logger: ctx.logger,
          }),
        );
        ctx.logger.info('Dry run complete: nothing was run or changed');
        return;
      }

      // 3. The target's provisioner.
      const recorder = new RunRecorder({
        phase: 'provision',
        cluster,
        client,
        logger: ctx.logger,
        taskId: ctx.task?.id,
        secrets: [
          secrets.kakaoCredentialId,
          secrets.kakaoCredentialSecret,
          secrets.sshPrivateKey,
          secrets.sshPassphrase,
        ],
      });
      const run: ProvisionRun = {
        repo,
        spec,
        cluster,
        mode,
        workspacePath: ctx.workspacePath,
        taskId: ctx.task?.id,
        secrets,
        recorder,
        logger: ctx.logger,
        phases: {
          logger: ctx.logger,
          recorder,
          toolShutdown,
          signal: ctx.signal,
          deadline: Date.now() + timeoutMinutes * 60_000,
          timeoutMinutes,
          stopGraceMs,
        },
        checkpoint: ctx.checkpoint,
      };
      // Read for the allow-listed names only (buildChildEnv), never handed on whole.
      const baseEnv = options.env ?? process.env;
      // The machines get the public half of the task's SSH key (multipass cloud-init,
      // Vagrantfile); it is not secret, the private key never leaves the action.
      const sshPublicKey =
        secrets.sshPrivateKey &&
        (target === 'multipass' || target === 'vagrant')
          ? sshPublicKeyOf(secrets.sshPrivateKey, secrets.sshPassphrase)
          : undefined;

      let result: ProvisionResult;
      if (target === 'existing') {
        result = await provisionExistingMachines(run);
      } else if (target === 'vagrant') {
        result = await provisionWithVagrant(run, {
          baseEnv,
          envPassthrough,
          sshPublicKey,
        });
      } else {
        result = await provisionWithTerraform(run, {
          client,
          baseEnv,
          envPassthrough,
          installSettings,
          terraformPath: ctx.input.terraformPath,
          sshAddress: ctx.input.sshAddress ?? 'private',
          sshPublicKey,
          newCluster,
          timeoutMinutes,
          lockRenewIntervalMs: options.lockRenewIntervalMs,
        });
      }

      // 4. Record: the machines in kpaas-backend (their one home, read by bootstrap and
      // addons), the log and the outputs.
      if (mode !== 'destroy') {
        ctx.logger.info(
          `Inventory of ${cluster}:\n${result.inventory
            .map(n => `  ${n.role.padEnd(13)} ${n.name} ${n.address}:${n.port}`)
            .join('\n')}\nAPI: ${result.endpoints.apiServerUrl}`,
        );
      }
      if (mode === 'apply') {
        await storeInventory(client, cluster, result, ctx.task?.id);
      }
      emit(result);
    },
  });
}

/**
 * Stores the machines with the cluster in kpaas-backend (`PUT /clusters/:name/inventory`):
 * kpaas:bootstrap and kpaas:addons read them by cluster name. Machines that stay keep the host
 * keys bootstrap recorded.
 */
async function storeInventory(
  client: KpaasBackendClient,
  cluster: string,
  result: ProvisionResult,
  taskId: string | undefined,
): Promise<void> {
  try {
    await client.putInventory(cluster, { taskId, nodes: result.inventory });
  } catch (e) {
    throw new Error(
      `kpaas:provision: the machines of ${cluster} exist, but kpaas-backend did not store them (PUT /api/kpaas/clusters/${cluster}/inventory), so kpaas:bootstrap cannot find them; re-run the task (nothing is created twice): ${e}`,
    );
  }
}

/** Modes a target cannot run, refused before anything runs. */
function refuseModeForTarget(mode: ProvisionMode, target: string): void {
  if (target === 'existing' && mode === 'destroy') {
    throw new InputError(
      'mode destroy with spec.target.type existing: kpaas does not destroy machines it did not create; remove the cluster from the hosts yourself, or use mode plan/apply',
    );
  }
}
