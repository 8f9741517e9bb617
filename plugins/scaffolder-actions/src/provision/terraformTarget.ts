import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, InputError, ResponseError } from '@backstage/errors';
import type { KpaasBackendClient } from '../backendClient';
import { buildChildEnv } from '../process/childEnv';
import { classifyInitFailure } from './initFailure';
import { LockLease, startLockLease } from './lockLease';
import {
  KnownMachine,
  machinesOfState,
  refuseRemovedMachines,
  writeMachineConfig,
} from './machineConfig';
import {
  hasNodesOutput,
  inventoryFromSpec,
  parseTerraformOutputs,
  SshAddressChoice,
} from './outputs';
import { createPhaseRunner, makeRunDir, RunPhase } from './phase';
import { refuseForeignDestroys, refuseUnexpectedDestroys } from './planCheck';
import { formatPlanSummary, PlanSummary, summarizePlan } from './planSummary';
import {
  TerraformInstallSettings,
  terraformInstallEnv,
} from './terraformInstall';
import { resolveTerraformBinary } from './tools';
import { checkpointKey, ProvisionResult, ProvisionRun } from './types';
import { detectBackendType, findTerraformDir } from './workdir';

/** Environment variable names the action sets for Terraform (values never logged). */
export const KAKAO_CREDENTIAL_ENV = {
  id: 'TF_VAR_application_credential_id',
  secret: 'TF_VAR_application_credential_secret',
} as const;

/** What the Terraform targets need besides the run. */
export interface TerraformTargetOptions {
  client: KpaasBackendClient;
  baseEnv: NodeJS.ProcessEnv;
  envPassthrough: string[];
  installSettings: TerraformInstallSettings;
  terraformPath?: string;
  sshAddress: SshAddressChoice;
  /** The public half of the task's SSH key (multipass cloud-init). */
  sshPublicKey?: string;
  /** The run orders a new cluster (state of another order is refused). */
  newCluster: boolean;
  timeoutMinutes: number;
  lockRenewIntervalMs?: number;
}

/** The kpaas-backend state of a cluster, opened for one run. */
interface HttpState {
  env: Record<string, string>;
  lease: LockLease;
  /** The machines the stored state's `nodes` output lists. */
  machines(): Promise<KnownMachine[]>;
}

async function openHttpState(
  run: ProvisionRun,
  options: TerraformTargetOptions,
): Promise<HttpState> {
  const { cluster, logger } = run;
  const startedAt = new Date();
  let credential;
  let addresses;
  try {
    credential = await options.client.issueTerraformStateCredential(cluster, {
      ttlMinutes: Math.min(24 * 60, options.timeoutMinutes + 30),
      // the task shows in the lock info of the state it locks
      taskId: run.taskId,
      ...(options.newCluster ? { newCluster: true } : {}),
    });
    addresses = await options.client.terraformStateAddresses(cluster);
  } catch (e) {
    if (
      options.newCluster &&
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
  // masked from here on: Terraform may quote its environment in an error
  run.recorder.addSecret(credential.password);
  logger.info(
    `Terraform state: kpaas-backend ${addresses.address} (basic auth ${credential.username}, valid until ${credential.expiresAt})`,
  );
  const lease = startLockLease({
    stateAddress: addresses.address,
    username: credential.username,
    password: credential.password,
    intervalMs: options.lockRenewIntervalMs,
    logger,
  });
  await run.recorder.timeline({
    step: 'state',
    status: 'succeeded',
    startedAt,
    summary: 'state credential issued',
  });
  const authorization = `Basic ${Buffer.from(
    `${credential.username}:${credential.password}`,
  ).toString('base64')}`;
  return {
    lease,
    env: {
      TF_HTTP_ADDRESS: addresses.address,
      TF_HTTP_LOCK_ADDRESS: addresses.lockAddress,
      TF_HTTP_UNLOCK_ADDRESS: addresses.unlockAddress,
      TF_HTTP_LOCK_METHOD: 'LOCK',
      TF_HTTP_UNLOCK_METHOD: 'UNLOCK',
      TF_HTTP_USERNAME: credential.username,
      TF_HTTP_PASSWORD: credential.password,
    },
    async machines() {
      const res = await fetch(addresses.address, {
        headers: { Authorization: authorization },
      });
      if (res.status === 204 || res.status === 404) return [];
      if (!res.ok) throw await ResponseError.fromResponse(res);
      return machinesOfState(await res.text());
    },
  };
}

/**
 * kakao-cloud and multipass: the module's variables from cluster.yaml, then Terraform init, plan
 * (`show -json` for the summary), apply of exactly that plan, and the outputs as inventory.
 */
export async function provisionWithTerraform(
  run: ProvisionRun,
  options: TerraformTargetOptions,
): Promise<ProvisionResult> {
  const { spec, mode, logger } = run;
  const target = spec.spec.target.type;
  const terraform = resolveTerraformBinary(
    options.terraformPath,
    options.baseEnv,
  );
  const tfDir = findTerraformDir(run.repo.dir, target);
  const backendType = detectBackendType(tfDir);
  if (!backendType) {
    throw new InputError(
      `${
        path.relative(run.workspacePath, tfDir) || '.'
      } has no Terraform backend block, so the state would be lost with the task workspace; add terraform { backend "http" {} } (kpaas-backend keeps the state) or configure your own backend`,
    );
  }

  // Plan file and Terraform's data dir live outside the repo: the plan holds variable values.
  // The same private folder holds the run's HOME and TMPDIR (buildChildEnv).
  const scratch = makeRunDir();
  let state: HttpState | undefined;
  // workers cluster.yaml no longer lists: the only machines the plan may destroy
  let removable: string[] = [];
  const removedMachines = async (known: KnownMachine[]) => {
    if (mode === 'destroy') return [];
    const leaving = refuseRemovedMachines(spec, known, { mode: 'plan' });
    if (mode === 'plan' || leaving.length === 0) return leaving;
    // apply: only workers kpaas:remove-nodes already took out of the cluster
    return refuseRemovedMachines(spec, known, {
      mode,
      inventoryNames: await storedNodeNames(run, options),
    });
  };
  try {
    // Exactly what this action sets; buildChildEnv adds PATH, proxies and configured extras.
    const env: Record<string, string | undefined> = {
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_DATA_DIR: path.join(scratch, 'data'),
      // provider mirror / CLI configuration and plugin cache (kpaas.terraform)
      ...terraformInstallEnv(options.installSettings, scratch),
    };
    if (options.sshPublicKey) env.TF_VAR_ssh_public_key = options.sshPublicKey;
    if (target === 'kakao-cloud') {
      env[KAKAO_CREDENTIAL_ENV.id] = run.secrets.kakaoCredentialId;
      env[KAKAO_CREDENTIAL_ENV.secret] = run.secrets.kakaoCredentialSecret;
    }
    if (backendType === 'http') {
      state = await openHttpState(run, options);
      Object.assign(env, state.env);
      // before Terraform runs: a lowered count destroys machines (only removed workers)
      removable = await removedMachines(await state.machines());
    } else {
      logger.info(
        `Terraform state: the configuration's own "${backendType}" backend (not kpaas-backend)`,
      );
    }

    const written = writeMachineConfig(spec, tfDir);
    if (written) {
      logger.info(
        `Terraform variables written from cluster.yaml: ${path.relative(
          run.workspacePath,
          written,
        )}`,
      );
    }
    const phase = createPhaseRunner(run.phases, {
      command: terraform,
      cwd: tfDir,
      env: buildChildEnv({
        from: options.baseEnv,
        runDir: scratch,
        passthrough: options.envPassthrough,
        set: env,
      }),
      mask: run.recorder.masker.filter,
    });

    await phase('init', ['init', '-input=false', '-no-color'], {
      explainFailure: output =>
        classifyInitFailure(output, options.installSettings),
    }).then(r =>
      run.recorder.timeline({
        step: r.step,
        status: 'succeeded',
        startedAt: r.startedAt,
      }),
    );
    if (!state && mode !== 'destroy') {
      // another backend: the machines of its state, read before anything is planned
      const current = await readOutputs(phase);
      removable = await removedMachines(machinesOfState(current));
    }

    if (removable.length > 0) {
      logger.info(
        `Workers leaving the cluster, whose machines this run ${
          mode === 'apply' ? 'destroys' : 'plans to destroy'
        }: ${removable.join(', ')}`,
      );
    }
    const planSummary = await planAndApply(run, phase, scratch, removable);
    if (mode === 'destroy') {
      return {
        inventory: [],
        endpoints: inventoryFromSpec(spec).endpoints,
        planSummary,
      };
    }

    const out = await phase('outputs', ['output', '-json', '-no-color'], {
      captureStdout: true,
    });
    let result: Omit<ProvisionResult, 'planSummary'>;
    if (hasNodesOutput(out.result.stdout)) {
      result = parseTerraformOutputs(
        out.result.stdout,
        spec,
        options.sshAddress,
      );
    } else if (mode === 'plan') {
      logger.info(
        'Nothing applied yet: the inventory and endpoints below are planned from cluster.yaml',
      );
      result = inventoryFromSpec(spec);
    } else {
      await run.recorder.timeline({
        step: out.step,
        status: 'failed',
        startedAt: out.startedAt,
        summary: 'no nodes output',
      });
      throw new Error(
        'Terraform applied but has no `nodes` output; the generated Terraform must output nodes = [{ name, role, private_ip, public_ip, ssh_port }]',
      );
    }
    await run.recorder.timeline({
      step: out.step,
      status: 'succeeded',
      startedAt: out.startedAt,
      summary: `${result.inventory.length} nodes`,
    });
    return { ...result, planSummary };
  } finally {
    await state?.lease.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The names of the cluster's nodes in its inventory in kpaas-backend, or undefined when none is
 * stored (a first order). Read only when workers leave.
 */
async function storedNodeNames(
  run: ProvisionRun,
  options: TerraformTargetOptions,
): Promise<Set<string> | undefined> {
  const inventory = await options.client.getInventory(run.cluster, run.taskId);
  return inventory ? new Set(inventory.nodes.map(n => n.name)) : undefined;
}

async function readOutputs(phase: RunPhase): Promise<string> {
  const shown = await phase('state', ['output', '-json', '-no-color'], {
    captureStdout: true,
  });
  if (!hasNodesOutput(shown.result.stdout)) return '';
  const outputs = JSON.parse(shown.result.stdout);
  return JSON.stringify({ outputs });
}

/** plan -out, show -json (the summary), and in apply/destroy mode the apply of that plan. */
async function planAndApply(
  run: ProvisionRun,
  phase: RunPhase,
  scratch: string,
  removable: string[],
): Promise<PlanSummary> {
  const { mode, logger, cluster } = run;
  const planFile = path.join(scratch, 'tfplan');
  const plan = await phase('plan', [
    'plan',
    '-input=false',
    '-no-color',
    ...(mode === 'destroy' ? ['-destroy'] : []),
    `-out=${planFile}`,
  ]);
  const shown = await phase('plan', ['show', '-json', '-no-color', planFile], {
    captureStdout: true,
  });
  const planSummary = summarizePlan(shown.result.stdout);
  const summaryText = formatPlanSummary(planSummary);
  logger.info(summaryText);
  // a destroy plan destroys what the cluster's configuration declares; any other plan destroys
  // only leaving workers
  {
    try {
      if (mode === 'destroy')
        refuseForeignDestroys(shown.result.stdout, cluster);
      else refuseUnexpectedDestroys(shown.result.stdout, removable);
    } catch (e) {
      await run.recorder.timeline({
        step: plan.step,
        status: 'failed',
        startedAt: plan.startedAt,
        summary: `${summaryText}\n${(e as Error).message}`,
      });
      throw e;
    }
  }
  await run.recorder.timeline({
    step: plan.step,
    status: 'succeeded',
    startedAt: plan.startedAt,
    summary: summaryText,
  });

  if (mode === 'plan') return planSummary;
  if (planSummary.resources.length === 0) {
    logger.info(`No changes: nothing to ${mode}`);
    return planSummary;
  }
  // A destroy is the apply of the reviewed destroy plan: exactly what was shown above.
  await run.checkpoint({
    key: checkpointKey(
      mode === 'destroy' ? 'terraform-destroy' : 'terraform-apply',
      cluster,
    ),
    fn: async () => {
      const r = await phase(mode, [
        'apply',
        '-input=false',
        '-no-color',
        planFile,
      ]);
      await run.recorder.timeline({
        step: r.step,
        status: 'succeeded',
        startedAt: r.startedAt,
        summary: summaryText,
      });
      return {
        add: planSummary.add,
        change: planSummary.change,
        destroy: planSummary.destroy,
      };
    },
  });
  return planSummary;
}
