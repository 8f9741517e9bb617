import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import yaml from 'yaml';
import type { ClusterRunDecision } from '../access/authorizeClusterRun';
import { KpaasBackendClient, readClusterInventory } from '../backendClient';
import { RunEvent, RunRecorder } from '../core/runRecorder';
import { loadAddonPlan, loadAddonsRepo } from './load';
import {
  readTaskPrivateKey,
  SshNodeSession,
  connectNode,
  shellQuote,
} from '../ssh';
import { applyEtcdBackup } from '../etcd/backupStep';
import { applyCertExpiryCollector } from '../etcd/certCollectorStep';
import { runAddonChange } from './changeRun';
import { AddonCluster } from './cluster';
import { formatPlanTable, PlanRow, planRows } from './plan';
import { catalogRefsLookup, checkAccessGroups } from './rbacCatalog';
import { runClusterAccess } from './rbacStep';
import { SshRemoteShell } from './remoteShell';
import { AddonResult, uiEndpoints, uninstallAddons } from './waves';

/** What the run takes from the action's factory options. */
export interface AddonsRunOptions {
  /**
   * Directory holding the values pack (`values/addons.yaml`, `values/<id>/…`) when the cluster
   * repo does not carry one. Default: the kpaas repository's own `values/`.
   */
  valuesPackDir?: string;
  /** Readiness poll ceiling (default 2 s); benchmarks lower it. */
  readinessPollMaxMs?: number;
  /** The catalog check of spec.access.groups[] (skipped without them). */
  discovery?: DiscoveryService;
  auth?: AuthService;
}

export interface AddonsInput {
  repoPath: string;
  repoUrl?: string;
  clusterName?: string;
  apiServerUrl?: string;
  sshUser: string;
  concurrency: number;
  timeoutMinutes: number;
  uninstall: boolean;
}

export interface AddonsOutput {
  plan: PlanRow[];
  /** The add-on change in Markdown (install, upgrade with values diffs, uninstall) */
  changes?: string;
  addons: AddonResult[];
  endpoints: Array<{ host: string; address: string }>;
  hostsSnippet: string;
}

export interface AddonsContext {
  input: AddonsInput;
  workspacePath: string;
  secrets?: Record<string, string>;
  logger: LoggerService;
  signal?: AbortSignal;
  isDryRun?: boolean;
  taskId?: string;
  checkpoint<T>(opts: { key: string; fn: () => Promise<T> }): Promise<T>;
  /** kpaas-backend: timeline writes. */
  client: KpaasBackendClient;
  /**
   * The initiator's permission and the cluster's repository (ClusterRunGuard), checked once
   * cluster.yaml is read and before the control plane is contacted.
   */
  authorize(cluster: string): Promise<ClusterRunDecision>;
}

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/**
 * kpaas:addons (see ../actions/addons.ts), as the steps a person would run: read cluster.yaml and
 * the values pack, check who asks, find the first control plane in the cluster's inventory,
 * connect, install (or uninstall) the add-ons in dependency waves (./waves.ts), set up sign-in,
 * report the UI endpoints.
 */
export async function runAddons(
  ctx: AddonsContext,
  options: AddonsRunOptions = {},
): Promise<AddonsOutput> {
  const { input, logger } = ctx;
  const repo = loadAddonsRepo(ctx, options);
  const planned = loadAddonPlan(ctx, options, undefined, repo);
  if (input.clusterName && input.clusterName !== planned.clusterName) {
    throw new InputError(
      `clusterName "${input.clusterName}" is not the cluster of ${input.repoPath}/cluster.yaml ("${planned.clusterName}"); pass that repository's cluster name, or leave clusterName out`,
    );
  }
  await ctx.authorize(planned.clusterName);
  // spec.access.groups[] must name catalog groups; checked before anything is contacted
  if (options.discovery && options.auth) {
    await checkAccessGroups(
      repo.spec,
      catalogRefsLookup({ discovery: options.discovery, auth: options.auth }),
    );
  }
  // Helm runs on the first control plane, found in the cluster's inventory (kpaas:provision
  // stored it, kpaas:bootstrap added the host key it verified); dry runs contact nothing
  const cp = ctx.isDryRun
    ? undefined
    : (
        await readClusterInventory(ctx.client, planned.clusterName, {
          taskId: ctx.taskId,
          signal: ctx.signal,
          action: 'kpaas:addons',
        })
      ).find(n => n.role === 'control-plane');
  if (!ctx.isDryRun && !cp) {
    throw new InputError(
      `kpaas:addons: the inventory of cluster "${planned.clusterName}" has no control-plane node; run kpaas:provision again`,
    );
  }
  const plan = cp
    ? loadAddonPlan(ctx, options, cp.privateAddress ?? cp.address, repo)
    : planned;
  // uninstall runs the waves backwards (dependants first): show that order
  const rows = input.uninstall ? planRows(plan).reverse() : planRows(plan);
  logger.info(
    `kpaas:addons ${input.uninstall ? 'uninstall' : 'install'} plan for ${
      plan.clusterName
    } (${plan.waves.length} waves):\n${formatPlanTable(rows)}`,
  );

  // the scaffolder's Secret field is a single-line input: readTaskPrivateKey restores the lines
  const privateKey = readTaskPrivateKey(ctx.secrets);

  if (ctx.isDryRun) {
    const { endpoints, hostsSnippet } = await uiEndpoints(plan, undefined);
    logger.info('dry run: nothing was contacted or installed');
    return { plan: rows, addons: [], endpoints, hostsSnippet };
  }

  // one masker and the timeline (phase "addons"), written only for a cluster kpaas:bootstrap
  // registered (clusterName given)
  const recorder = new RunRecorder({
    phase: 'addons',
    cluster: plan.clusterName,
    client: input.clusterName ? ctx.client : undefined,
    logger,
    taskId: ctx.taskId,
    secrets: [
      privateKey,
      ctx.secrets?.sshPrivateKey,
      ctx.secrets?.sshPassphrase,
    ],
  });
  const { masker } = recorder;
  const maskedLogger = recorder.logger;

  let session: SshNodeSession | undefined;
  let workDirAbsolute: string | undefined;
  const workDir = `.kpaas/addons-${randomBytes(6).toString('hex')}`;
  try {
    session = await connectNode(
      {
        name: cp!.name,
        host: cp!.address,
        port: cp!.port,
        user: cp!.user ?? input.sshUser,
        hostKeyFingerprint: cp!.hostKeyFingerprint,
      },
      {
        privateKey,
        passphrase: ctx.secrets?.sshPassphrase,
        logger: maskedLogger,
        masker,
        signal: ctx.signal,
        commandTimeoutMs: input.timeoutMinutes * 60_000 + 60_000,
      },
    );
    const shell = new SshRemoteShell(session);
    // the private directory (mode 0700) for values files, removed at the end
    workDirAbsolute = await session.uploadFiles(workDir, []);

    // admin.conf: in memory only (the reader ServiceAccount kpaas-backend holds cannot install)
    const adminConf = (await session.readFile(ADMIN_CONF)).toString();
    const doc = yaml.parse(adminConf);
    if (input.apiServerUrl) {
      for (const c of doc?.clusters ?? [])
        if (c?.cluster) c.cluster.server = input.apiServerUrl;
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromString(yaml.stringify(doc));
    const cluster = new AddonCluster(kc, {
      signal: ctx.signal,
      pollMaxMs: options.readinessPollMaxMs,
    });

    const runOptions = {
      plan,
      shell,
      cluster,
      logger: maskedLogger,
      concurrency: input.concurrency,
      timeoutMs: input.timeoutMinutes * 60_000,
      signal: ctx.signal,
      workDir,
      hooks: {
        checkpoint: ctx.checkpoint,
        timeline: (event: RunEvent) => recorder.timeline(event),
        addSecret: (v: string) => masker.add(v),
      },
    };
    // a teardown uninstalls everything; otherwise the cluster's releases are compared with the
    // plan: install, upgrade, uninstall what cluster.yaml no longer lists (./changeRun.ts)
    const change = input.uninstall
      ? undefined
      : await runAddonChange(runOptions, { catalog: repo.catalog });
    const addons = change ? change.results : await uninstallAddons(runOptions);
    // sign-in (spec.access): Keycloak realm and client, RBAC bindings; after a clean install
    if (!input.uninstall && addons.every(a => a.status !== 'failed')) {
      await runClusterAccess({
        spec: repo.spec,
        plan,
        kubeConfig: kc,
        connect: (host, port) => session!.forwardOut(host, port),
        logger: maskedLogger,
        addSecret: v => masker.add(v),
        signal: ctx.signal,
      });
      // spec.backup: the etcd snapshot CronJob (../etcd/backupStep.ts)
      await applyEtcdBackup({
        spec: repo.spec,
        cluster,
        logger: maskedLogger,
        deadline: Date.now() + input.timeoutMinutes * 60_000,
      });
      // kubeadm certificates' expiry for the cluster page (../etcd/certCollectorStep.ts)
      await applyCertExpiryCollector({
        spec: repo.spec,
        cluster,
        logger: maskedLogger,
        deadline: Date.now() + input.timeoutMinutes * 60_000,
      });
    }
    const { endpoints, hostsSnippet } = input.uninstall
      ? { endpoints: [], hostsSnippet: '' }
      : await uiEndpoints(plan, cluster);
    for (const a of plan.addons) {
      if (a.credentialsRef && !input.uninstall) {
        maskedLogger.info(
          `${a.id}: credentials in Secret ${a.credentialsRef.namespace}/${
            a.credentialsRef.secretName
          } (keys ${a.credentialsRef.keys.join(', ')})`,
        );
      }
    }
    return {
      plan: change?.rows ?? rows,
      ...(change ? { changes: change.report } : {}),
      addons: addons.map(r =>
        r.reason ? { ...r, reason: masker.mask(r.reason) } : r,
      ),
      endpoints,
      hostsSnippet,
    };
  } finally {
    if (session) {
      if (workDirAbsolute) {
        await session
          .exec('cleanup', `rm -rf -- ${shellQuote(workDirAbsolute)}`, {
            quiet: true,
            allowFailure: true,
          })
          .catch(() => undefined);
      }
      session.close();
    }
  }
}
