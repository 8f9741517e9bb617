import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthService,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError, ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ClusterSpec,
  formatSpecErrors,
  parseClusterSpec,
} from '@internal/plugin-kpaas-common';
import {
  actionServicePrincipalsFromConfig,
  ClusterRunGuard,
} from '../access/authorizeClusterRun';
import { KpaasBackendClient } from '../backendClient';
import { createMasker } from '../provision/mask';
import {
  hasNodesOutput,
  inventoryFromSpec,
  parseTerraformOutputs,
  ProvisionedEndpoints,
  ProvisionedNode,
} from '../provision/outputs';
import {
  formatPlanSummary,
  PlanSummary,
  summarizePlan,
} from '../provision/planSummary';
import { classifyInitFailure } from '../provision/initFailure';
import { LockLease, startLockLease } from '../provision/lockLease';
import { ToolShutdown } from '../process/shutdown';
import { runProcess } from '../provision/runProcess';
import { sshPublicKeyOf } from '../provision/sshPublicKey';
import {
  readTerraformInstallSettings,
  terraformInstallEnv,
} from '../provision/terraformInstall';
import { ProvisionTimeline } from '../provision/timeline';
import {
  resolveTerraformBinary,
  resolveVagrantBinary,
} from '../provision/tools';
import {
  detectBackendType,
  findTerraformDir,
  findVagrantDir,
} from '../provision/workdir';
import { resolveRepoPath } from '../workspace/resolveRepoPath';
import { examples } from './provision.examples';
import {
  buildChildEnv,
  ChildEnv,
  passthroughFromConfig,
} from '../process/childEnv';

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
}

/** Environment variable names the action sets for Terraform (values never logged). */
const KAKAO_CREDENTIAL_ENV = {
  id: 'TF_VAR_application_credential_id',
  secret: 'TF_VAR_application_credential_secret',
} as const;

const DEFAULT_STOP_GRACE_MS = 60_000;

function formatElapsed(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A private folder (0700) for one run: plan file, TF_DATA_DIR, HOME and TMPDIR. */
function makeRunDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-provision-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** A phase that failed or was stopped; carries the tail of the tool's error output. */
class PhaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionPhaseError';
  }
}

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
  const client = new KpaasBackendClient({
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
      },
    },
    async handler(ctx) {
      // Defaults applied here too: the handler may be called without the schema's parsing.
      const repoPath = ctx.input.repoPath ?? '.';
      const mode = ctx.input.mode ?? 'plan';
      const timeoutMinutes = ctx.input.timeoutMinutes ?? 60;
      const sshAddress = ctx.input.sshAddress ?? 'private';
      if (!['plan', 'apply', 'destroy'].includes(mode)) {
        throw new InputError(
          `mode "${mode}" is not supported; use plan, apply or destroy`,
        );
      }
      const deadline = Date.now() + timeoutMinutes * 60_000;
      // Read for the allow-listed names only (buildChildEnv), never handed on whole.
      const baseEnv = options.env ?? process.env;

      // 1. Read and validate everything before anything runs.
      const repoDir = resolveRepoPath(ctx.workspacePath, repoPath);
      const specPath = path.join(repoDir, 'cluster.yaml');
      if (!fs.existsSync(specPath)) {
        throw new InputError(
          `repoPath "${repoPath}" has no cluster.yaml; point repoPath at the folder of the rendered cluster repo`,
        );
      }
      const parsed = parseClusterSpec(fs.readFileSync(specPath, 'utf8'));
      if (!parsed.ok) {
        throw new InputError(
          formatSpecErrors(
            parsed.errors,
            path.posix.join(repoPath, 'cluster.yaml'),
          ),
        );
      }
      const spec = parsed.spec;
      const cluster = spec.metadata.name;
      const target = spec.spec.target.type;
      const secrets = ctx.secrets ?? {};

      // Before anything runs: the initiator's permission and the cluster's own repository.
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
      const mask = createMasker([
        secrets.kakaoCredentialId,
        secrets.kakaoCredentialSecret,
        secrets.sshPrivateKey,
      ]);

      // The machines get the public half of the task's SSH key (multipass cloud-init, Vagrantfile);
      // it is not secret, the private key never leaves the action.
      const sshPublicKey =
        secrets.sshPrivateKey &&
        (target === 'multipass' || target === 'vagrant')
          ? sshPublicKeyOf(secrets.sshPrivateKey, secrets.sshPassphrase)
          : undefined;

      if (target === 'existing' && mode === 'destroy') {
        throw new InputError(
          'mode destroy with spec.target.type existing: kpaas does not destroy machines it did not create; remove the cluster from the hosts yourself, or use mode plan/apply',
        );
      }
      if (target === 'vagrant' && mode === 'plan') {
        throw new InputError(
          'mode plan with spec.target.type vagrant: Vagrant has no plan step; use mode apply (vagrant up) or destroy (vagrant destroy -f)',
        );
      }
      if (
        target === 'kakao-cloud' &&
        (!secrets.kakaoCredentialId || !secrets.kakaoCredentialSecret) &&
        !ctx.isDryRun
      ) {
        throw new InputError(
          "spec.target.type kakao-cloud needs the secrets kakaoCredentialId and kakaoCredentialSecret (a Kakao Cloud application credential); add them to the template's secrets",
        );
      }

      const emit = (
        inventory: ProvisionedNode[],
        endpoints: ProvisionedEndpoints,
        planSummary?: PlanSummary,
      ) => {
        ctx.output('clusterName', cluster);
        ctx.output('target', target);
        if (planSummary) ctx.output('planSummary', planSummary);
        ctx.output('inventory', inventory);
        ctx.output('endpoints', endpoints);
      };

      if (ctx.isDryRun) {
        reportDryRun(ctx.logger, spec, mode, repoDir, ctx.workspacePath);
        const planned = inventoryFromSpec(spec);
        emit(mode === 'destroy' ? [] : planned.inventory, planned.endpoints);
        ctx.logger.info('Dry run complete: nothing was run or changed');
        return;
      }

      const timeline = new ProvisionTimeline(
        client,
        cluster,
        ctx.logger,
        ctx.task?.id,
      );

      // 2. existing: nothing to create; the validated host list is the inventory.
      if (target === 'existing') {
        const startedAt = new Date();
        const planned = inventoryFromSpec(spec);
        ctx.logger.info(
          `spec.target.type existing: ${
            planned.inventory.length
          } hosts checked, no machines to create:\n${planned.inventory
            .map(n => `  ${n.role.padEnd(13)} ${n.name} ${n.address}:${n.port}`)
            .join('\n')}`,
        );
        await timeline.record(
          'inventory',
          'succeeded',
          startedAt,
          `${planned.inventory.length} existing hosts`,
        );
        emit(planned.inventory, planned.endpoints);
        return;
      }

      const phaseRunner =
        (
          command: string,
          cwd: string,
          env: ChildEnv,
          phaseMask: (t: string) => string,
        ) =>
        async (
          phase: string,
          args: string[],
          opts: {
            captureStdout?: boolean;
            timelineStep?: string;
            /** A known cause of the failure, from the error output: replaces the generic message. */
            explainFailure?: (
              errorOutput: string,
            ) => { message: string; rerunHelps: boolean } | undefined;
          } = {},
        ) => {
          const startedAt = new Date();
          const shown = `${path.basename(command)} ${args.join(' ')}`;
          ctx.logger.info(`==> [${phase}] ${shown}`);
          const run = runProcess({
            command,
            args,
            cwd,
            env,
            logger: ctx.logger,
            mask: phaseMask,
            signal: toolShutdown.combine(ctx.signal),
            deadline,
            stopGraceMs,
            captureStdout: opts.captureStdout,
          });
          const result = await toolShutdown.track(run);
          const elapsed = formatElapsed(Date.now() - startedAt.getTime());
          const step = opts.timelineStep ?? phase;
          if (result.stoppedBy || result.exitCode !== 0) {
            let why = `failed (exit ${result.exitCode ?? result.exitSignal})`;
            if (result.stoppedBy === 'cancel') why = 'was cancelled';
            if (result.stoppedBy === 'timeout') {
              why = `was stopped: the timeout of ${timeoutMinutes} minutes was reached`;
            }
            ctx.logger.error(`<== [${phase}] ${why} after ${elapsed}`);
            await timeline.record(step, 'failed', startedAt, `${shown} ${why}`);
            const tail = result.errorTail.map(phaseMask).join('\n');
            const known = result.stoppedBy
              ? undefined
              : opts.explainFailure?.(tail);
            let hint = '';
            if (known) hint = `\n${known.message}`;
            else if (!result.stoppedBy) {
              hint = '\nRe-run the task to continue from the stored state.';
            }
            throw new PhaseError(
              `kpaas:provision phase "${phase}" (${shown}) ${why}.${hint}${
                tail ? `\nLast lines of its output:\n${tail}` : ''
              }`,
            );
          }
          ctx.logger.info(`<== [${phase}] done in ${elapsed}`);
          return { result, startedAt, step };
        };

      // 3. vagrant
      if (target === 'vagrant') {
        const vagrant = resolveVagrantBinary(baseEnv);
        const dir = findVagrantDir(repoDir);
        const runDir = makeRunDir();
        try {
          const run = phaseRunner(
            vagrant,
            dir,
            buildChildEnv({
              from: baseEnv,
              runDir,
              passthrough: envPassthrough,
              set: {
                // VirtualBox/libvirt keep their VM registry under the user's HOME: Vagrant
                // must see the same HOME on every run, or destroy cannot find the machines.
                HOME: baseEnv.HOME,
                VAGRANT_NO_COLOR: '1',
                KPAAS_SSH_PUBLIC_KEY: sshPublicKey,
              },
            }),
            mask,
          );
          if (mode === 'destroy') {
            const done = await ctx.checkpoint({
              key: `kpaas.provision.vagrant.destroy.v1.${cluster}`,
              fn: async () => {
                const r = await run('destroy', ['destroy', '-f']);
                await timeline.record(
                  r.step,
                  'succeeded',
                  r.startedAt,
                  'vagrant destroy -f',
                );
                return { destroyed: true };
              },
            });
            ctx.logger.info(
              `Vagrant machines of ${cluster} destroyed: ${done.destroyed}`,
            );
            emit([], inventoryFromSpec(spec).endpoints);
            return;
          }
          await ctx.checkpoint({
            key: `kpaas.provision.vagrant.up.v1.${cluster}`,
            fn: async () => {
              const r = await run('apply', ['up']);
              await timeline.record(
                r.step,
                'succeeded',
                r.startedAt,
                'vagrant up',
              );
              return { up: true };
            },
          });
          const planned = inventoryFromSpec(spec);
          emit(planned.inventory, planned.endpoints);
          return;
        } finally {
          fs.rmSync(runDir, { recursive: true, force: true });
        }
      }

      // 4. Terraform: kakao-cloud, multipass
      const terraform = resolveTerraformBinary(
        ctx.input.terraformPath,
        baseEnv,
      );
      const tfDir = findTerraformDir(repoDir, target);
      const backendType = detectBackendType(tfDir);
      if (!backendType) {
        throw new InputError(
          `${
            path.relative(ctx.workspacePath, tfDir) || '.'
          } has no Terraform backend block, so the state would be lost with the task workspace; add terraform { backend "http" {} } (kpaas-backend keeps the state) or configure your own backend`,
        );
      }

      // Plan file and Terraform's data dir live outside the repo: the plan holds variable values.
      // The same private folder holds the run's HOME and TMPDIR (buildChildEnv).
      const scratch = makeRunDir();
      // renews the state lock's lease while Terraform runs (kpaas "http" backend only)
      let lease: LockLease | undefined;
      try {
        // Exactly what this action sets; buildChildEnv adds PATH, proxies and configured extras.
        const env: Record<string, string | undefined> = {
          TF_IN_AUTOMATION: '1',
          TF_INPUT: '0',
          CHECKPOINT_DISABLE: '1',
          TF_DATA_DIR: path.join(scratch, 'data'),
          // provider mirror / CLI configuration and plugin cache (kpaas.terraform)
          ...terraformInstallEnv(installSettings, scratch),
        };
        if (sshPublicKey) env.TF_VAR_ssh_public_key = sshPublicKey;
        const extraSecrets: string[] = [];
        if (target === 'kakao-cloud') {
          env[KAKAO_CREDENTIAL_ENV.id] = secrets.kakaoCredentialId;
          env[KAKAO_CREDENTIAL_ENV.secret] = secrets.kakaoCredentialSecret;
        }
        if (backendType === 'http') {
          const stateStartedAt = new Date();
          let credential;
          let addresses;
          try {
            credential = await client.issueTerraformStateCredential(cluster, {
              ttlMinutes: Math.min(24 * 60, timeoutMinutes + 30),
              // the task shows in the lock info of the state it locks
              taskId: ctx.task?.id,
              ...(newCluster ? { newCluster: true } : {}),
            });
            addresses = await client.terraformStateAddresses(cluster);
          } catch (e) {
            if (
              newCluster &&
              e instanceof ResponseError &&
              e.response.status === 409
            ) {
              throw new ConflictError(
                `cluster "${cluster}" already has Terraform state in kpaas-backend from an earlier order, so this new order was refused before Terraform ran (${
                  e.body?.error?.message ?? e.message
                }); choose another cluster name (spec.metadata.name), or run the kpaas-cluster-apply template on that cluster's repository to repair or update it`,
              );
            }
            throw new Error(
              `Could not get a Terraform state credential for ${cluster} from kpaas-backend (POST /api/kpaas/clusters/${cluster}/terraform/credentials): ${e}`,
            );
          }
          extraSecrets.push(credential.password);
          Object.assign(env, {
            TF_HTTP_ADDRESS: addresses.address,
            TF_HTTP_LOCK_ADDRESS: addresses.lockAddress,
            TF_HTTP_UNLOCK_ADDRESS: addresses.unlockAddress,
            TF_HTTP_LOCK_METHOD: 'LOCK',
            TF_HTTP_UNLOCK_METHOD: 'UNLOCK',
            TF_HTTP_USERNAME: credential.username,
            TF_HTTP_PASSWORD: credential.password,
          });
          ctx.logger.info(
            `Terraform state: kpaas-backend ${addresses.address} (basic auth ${credential.username}, valid until ${credential.expiresAt})`,
          );
          lease = startLockLease({
            stateAddress: addresses.address,
            username: credential.username,
            password: credential.password,
            intervalMs: options.lockRenewIntervalMs,
            logger: ctx.logger,
          });
          await timeline.record(
            'state',
            'succeeded',
            stateStartedAt,
            'state credential issued',
          );
        } else {
          ctx.logger.info(
            `Terraform state: the configuration's own "${backendType}" backend (not kpaas-backend)`,
          );
        }
        const fullMask = createMasker([
          secrets.kakaoCredentialId,
          secrets.kakaoCredentialSecret,
          secrets.sshPrivateKey,
          ...extraSecrets,
        ]);
        const run = phaseRunner(
          terraform,
          tfDir,
          buildChildEnv({
            from: baseEnv,
            runDir: scratch,
            passthrough: envPassthrough,
            set: env,
          }),
          fullMask,
        );
        const planFile = path.join(scratch, 'tfplan');

        await run('init', ['init', '-input=false', '-no-color'], {
          explainFailure: output =>
            classifyInitFailure(output, installSettings),
        }).then(r => timeline.record(r.step, 'succeeded', r.startedAt));

        const plan = await run('plan', [
          'plan',
          '-input=false',
          '-no-color',
          ...(mode === 'destroy' ? ['-destroy'] : []),
          `-out=${planFile}`,
        ]);
        const shown = await run(
          'plan',
          ['show', '-json', '-no-color', planFile],
          {
            captureStdout: true,
          },
        );
        const planSummary = summarizePlan(shown.result.stdout);
        const summaryText = formatPlanSummary(planSummary);
        ctx.logger.info(summaryText);
        await timeline.record(
          plan.step,
          'succeeded',
          plan.startedAt,
          summaryText,
        );

        const changes = planSummary.resources.length > 0;
        if (mode !== 'plan') {
          if (!changes) {
            ctx.logger.info(`No changes: nothing to ${mode}`);
          } else {
            // A destroy is the apply of the reviewed destroy plan: exactly what was shown above.
            await ctx.checkpoint({
              key: `kpaas.provision.${mode}.v1.${cluster}`,
              fn: async () => {
                const r = await run(mode, [
                  'apply',
                  '-input=false',
                  '-no-color',
                  planFile,
                ]);
                await timeline.record(
                  r.step,
                  'succeeded',
                  r.startedAt,
                  summaryText,
                );
                return {
                  add: planSummary.add,
                  change: planSummary.change,
                  destroy: planSummary.destroy,
                };
              },
            });
          }
        }

        if (mode === 'destroy') {
          emit([], inventoryFromSpec(spec).endpoints, planSummary);
          return;
        }

        const out = await run('outputs', ['output', '-json', '-no-color'], {
          captureStdout: true,
        });
        let result: {
          inventory: ProvisionedNode[];
          endpoints: ProvisionedEndpoints;
        };
        if (hasNodesOutput(out.result.stdout)) {
          result = parseTerraformOutputs(out.result.stdout, spec, sshAddress);
        } else if (mode === 'plan') {
          ctx.logger.info(
            'Nothing applied yet: the inventory and endpoints below are planned from cluster.yaml',
          );
          result = inventoryFromSpec(spec);
        } else {
          await timeline.record(
            out.step,
            'failed',
            out.startedAt,
            'no nodes output',
          );
          throw new Error(
            'Terraform applied but has no `nodes` output; the generated Terraform must output nodes = [{ name, role, private_ip, public_ip, ssh_port }]',
          );
        }
        ctx.logger.info(
          `Inventory of ${cluster}:\n${result.inventory
            .map(n => `  ${n.role.padEnd(13)} ${n.name} ${n.address}:${n.port}`)
            .join('\n')}\nAPI: ${result.endpoints.apiServerUrl}`,
        );
        await timeline.record(
          out.step,
          'succeeded',
          out.startedAt,
          `${result.inventory.length} nodes`,
        );
        emit(result.inventory, result.endpoints, planSummary);
      } finally {
        await lease?.stop();
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    },
  });
}

/** What a real run would do, for dry runs: commands, folders and the names of env variables. */
function reportDryRun(
  logger: { info(message: string): void },
  spec: ClusterSpec,
  mode: 'plan' | 'apply' | 'destroy',
  repoDir: string,
  workspacePath: string,
) {
  const target = spec.spec.target.type;
  const rel = (dir: string) => path.relative(workspacePath, dir) || '.';
  const lines = [
    `Dry run of kpaas:provision for ${spec.metadata.name} (${target}, mode ${mode}); cluster.yaml is valid.`,
  ];
  if (target === 'existing') {
    lines.push('Would run nothing: the existing hosts are the inventory.');
  } else if (target === 'vagrant') {
    let dir = path.join(rel(repoDir), 'vagrant');
    try {
      dir = rel(findVagrantDir(repoDir));
    } catch {
      // not rendered in the dry run: report the default location
    }
    lines.push(
      `Would run in ${dir}: vagrant ${
        mode === 'destroy' ? 'destroy -f' : 'up'
      }`,
    );
  } else {
    let dir = path.join(rel(repoDir), 'terraform', target);
    try {
      dir = rel(findTerraformDir(repoDir, target));
    } catch {
      // not rendered in the dry run: report the default location
    }
    lines.push(
      `Would run in ${dir}:`,
      '  terraform init -input=false',
      `  terraform plan -input=false${
        mode === 'destroy' ? ' -destroy' : ''
      } -out=<scratch>/tfplan`,
      '  terraform show -json <scratch>/tfplan',
      ...(mode === 'plan'
        ? []
        : ['  terraform apply -input=false <scratch>/tfplan']),
      ...(mode === 'destroy' ? [] : ['  terraform output -json']),
      `With environment variables: ${[
        'TF_IN_AUTOMATION',
        'TF_INPUT',
        'TF_DATA_DIR',
        ...(target === 'kakao-cloud'
          ? Object.values(KAKAO_CREDENTIAL_ENV)
          : []),
        'TF_HTTP_ADDRESS',
        'TF_HTTP_LOCK_ADDRESS',
        'TF_HTTP_UNLOCK_ADDRESS',
        'TF_HTTP_USERNAME',
        'TF_HTTP_PASSWORD',
      ].join(', ')} (TF_HTTP_* only with the kpaas "http" state backend)`,
    );
  }
  logger.info(lines.join('\n'));
}
