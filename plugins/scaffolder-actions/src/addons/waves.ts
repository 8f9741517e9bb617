import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';
import { isCrdsOnlyAddon } from '@internal/plugin-kpaas-common';
import pLimit from 'p-limit';
import { shellQuote, StepLogger } from '../ssh';
import { AddonCluster, NotReadyError } from './cluster';
import {
  HelmReleaseInfo,
  helmList,
  isReleaseCurrent,
  repoAddCommands,
  uninstallCommand,
  upgradeInstallCommand,
} from './helm';
import { AddonPlan, PlannedAddonInstall } from './plan';
import { RemoteShell } from './remoteShell';
import { SecretTokenRef, fillSecretTokens, htpasswdSha } from './tokens';
import { initializeVault, parseVaultInitialization } from './vaultInit';

/*
 * Runs an add-on plan: each add-on starts as soon as its dependencies are ready (so add-ons of
 * one wave run concurrently, bounded by `concurrency`, and dependants wait), Helm on the first
 * control plane, credentials/manifests/readiness through the Kubernetes API.
 */

export type AddonStatus = 'installed' | 'current' | 'failed' | 'uninstalled';

export interface AddonResult {
  id: string;
  status: AddonStatus;
  chartVersion: string;
  reason?: string;
}

export interface AddonRunHooks {
  /** ctx.checkpoint: a re-run of the task skips what finished */
  checkpoint<T>(opts: { key: string; fn: () => Promise<T> }): Promise<T>;
  /** Timeline write (phase addons); failures only warn */
  timeline?(event: {
    step: string;
    status: 'running' | 'succeeded' | 'failed' | 'skipped';
    startedAt?: string;
    finishedAt?: string;
    summary?: string;
  }): Promise<void>;
  /** Every generated or read secret value is registered here before anything could print it */
  addSecret(value: string): void;
}

export interface AddonRunOptions {
  plan: AddonPlan;
  shell: RemoteShell;
  cluster: AddonCluster;
  logger: StepLogger;
  hooks: AddonRunHooks;
  concurrency: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Private directory (relative to the node user's home) for uploaded values files */
  workDir: string;
  /**
   * Add-ons whose chart version or values changed (./changes.ts): `helm upgrade --atomic` even
   * when the release is deployed and healthy
   */
  upgrades?: ReadonlySet<string>;
  /** Uninstall: namespaces add-ons that stay still use (never deleted) */
  keepNamespaces?: ReadonlySet<string>;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Resolved secret tokens of one add-on (values of its own credentials Secret). */
async function secretLookup(
  addon: PlannedAddonInstall,
  cluster: AddonCluster,
  data: Record<string, string> | undefined,
  refs: SecretTokenRef[],
): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  for (const ref of refs) {
    const cred = addon.credentialsRef;
    if (!cred || cred.secretName !== ref.secret || !data) {
      throw new Error(
        `${addon.id}: \${KPAAS_SECRET…:${ref.secret}/${ref.key}} names a Secret that is not the add-on's own credentials`,
      );
    }
    const plain = data[ref.key];
    let value = plain;
    if (ref.bcrypt) value = await cluster.ensureBcrypt(cred, data, ref.key);
    else if (ref.sha && plain !== undefined) value = htpasswdSha(plain);
    if (value === undefined) {
      throw new Error(
        `${addon.id}: Secret ${cred.namespace}/${cred.secretName} has no key "${ref.key}"`,
      );
    }
    resolved.set(secretKey(ref), value);
  }
  return resolved;
}

/** Key of a resolved secret token: the value, its bcrypt or its SHA form. */
function secretKey(ref: SecretTokenRef): string {
  let form = 'p';
  if (ref.bcrypt) form = 'b';
  else if (ref.sha) form = 's';
  return `${form}:${ref.secret}/${ref.key}`;
}

function fillSecrets(text: string, resolved: Map<string, string>): string {
  return fillSecretTokens(text, ref => resolved.get(secretKey(ref)) ?? '');
}

/** Installs (or keeps) every add-on of the plan. Never throws for one add-on's failure. */
export async function installAddons(
  opts: AddonRunOptions,
): Promise<AddonResult[]> {
  const { plan, shell, cluster, logger, hooks, signal } = opts;
  const timeoutSeconds = Math.ceil(opts.timeoutMs / 1000);

  const releases: HelmReleaseInfo[] = await helmList(shell);
  // `helm repo add` once per repository, when the first add-on from it needs it (an add-on
  // waits for its own repository only; OCI charts need none)
  const repoAdds = new Map<string, Promise<unknown>>();
  const ensureRepo = (addon: PlannedAddonInstall): Promise<unknown> => {
    const name = addon.chart?.repoName;
    if (!name) return Promise.resolve();
    let pending = repoAdds.get(name);
    if (!pending) {
      const [cmd] = repoAddCommands([addon]);
      pending = shell.exec(cmd, { step: 'helm repo add', quiet: true });
      repoAdds.set(name, pending);
    }
    return pending;
  };

  const limit = pLimit(opts.concurrency);
  const done = new Map<string, Promise<AddonResult>>();
  const byId = new Map(plan.addons.map(a => [a.id, a]));
  const upgrading = (addon: PlannedAddonInstall) =>
    opts.upgrades?.has(addon.id) ?? false;
  const verb = (addon: PlannedAddonInstall) =>
    upgrading(addon) ? 'upgrade' : 'install';

  const installOne = async (
    addon: PlannedAddonInstall,
  ): Promise<AddonResult> => {
    const started = new Date();
    const deadline = started.getTime() + opts.timeoutMs;
    const base = { id: addon.id, chartVersion: addon.version };

    // current: the pinned chart is deployed with the same values and its workloads are healthy
    // → no Helm call
    const releaseCurrent =
      !upgrading(addon) &&
      (addon.type === 'script' || isReleaseCurrent(addon, releases));
    const current =
      releaseCurrent && (await cluster.readiness(addon)).state === 'Healthy';
    if (current) {
      // a run that stopped between the chart and its manifests left some missing, or the
      // routing changed (an HTTPRoute instead of an Ingress): add those, and wait for its routes
      await runInstructions(addon, deadline, true);
      await applyManifests(addon, deadline, true);
      if (addon.gatewayApiObjects.length > 0) {
        await cluster.waitReady(addon, deadline, { routes: true });
      }
      logger.info(
        `${addon.id}: ${addon.chart?.name ?? addon.script?.path}@${
          addon.version
        } is current; nothing to do`,
      );
      return { ...base, status: 'current' };
    }

    await hooks.timeline?.({
      step: `${verb(addon)}:${addon.id}`,
      status: 'running',
      startedAt: started.toISOString(),
    });
    logger.info(
      `${addon.id}: ${upgrading(addon) ? 'upgrading to' : 'installing'} ${
        addon.chart ? `${addon.chart.ref}@${addon.version}` : addon.script?.path
      } in ${addon.namespace}`,
    );

    // A CRDs-only add-on (istio-base) installs its requiresCrds itself: waitReady judges them.
    if (addon.requiresCrds.length > 0 && !isCrdsOnlyAddon(addon.definition)) {
      await cluster.waitCrdsEstablished(addon.requiresCrds, deadline);
    }
    await cluster.ensureNamespace(addon.namespace);
    let credentialData: Record<string, string> | undefined;
    if (addon.credentials) {
      await cluster.ensureNamespace(addon.credentials.namespace);
      const { data, created } = await cluster.ensureCredentials(
        addon.credentials,
      );
      Object.values(data).forEach(v => hooks.addSecret(v));
      credentialData = data;
      logger.info(
        `${addon.id}: credentials ${
          created ? 'generated in' : 'kept from'
        } Secret ${addon.credentials.namespace}/${
          addon.credentials.secretName
        }`,
      );
    }
    const secretRefs = [
      ...addon.valuesFiles.flatMap(f => f.secretTokens),
      ...addon.manifests.flatMap(m => m.secretTokens),
    ];
    const resolved = await secretLookup(
      addon,
      cluster,
      credentialData,
      secretRefs,
    );
    resolved.forEach(v => hooks.addSecret(v));

    // Helm (or the script) with a concurrent observer: with --atomic a failed release is rolled
    // back, so the pods that explain the failure must be seen while Helm waits.
    let lastCause: string | undefined;
    let observing = true;
    const observer = (async () => {
      while (observing && !signal?.aborted) {
        lastCause =
          (await cluster.diagnose(addon).catch(() => undefined)) ?? lastCause;
        await new Promise(r => setTimeout(r, 500).unref());
      }
    })();
    try {
      const plain = addon.valuesFiles.filter(f => f.secretTokens.length === 0);
      const secret = addon.valuesFiles.filter(f => f.secretTokens.length > 0);
      const paths: string[] = [];
      for (const f of plain) {
        paths.push(
          await shell.upload(`${opts.workDir}/${f.name}`, f.content, 0o600),
        );
      }
      const secretEnv: Record<string, string> = {};
      secret.forEach((f, i) => {
        secretEnv[`KPAAS_VALUES_${i}`] = fillSecrets(f.content, resolved);
      });
      if (addon.type === 'helm') {
        await ensureRepo(addon);
        await shell.exec(
          upgradeInstallCommand(
            addon,
            paths,
            Object.keys(secretEnv),
            timeoutSeconds,
          ),
          {
            step: `helm ${addon.id}`,
            secretEnv,
            timeoutMs: opts.timeoutMs + 30_000,
          },
        );
      } else if (addon.script) {
        const scriptPath = await shell.upload(
          `${opts.workDir}/${addon.id}.sh`,
          addon.script.content,
          0o700,
        );
        const valuesArgs = [
          ...paths.map(p => `-f ${shellQuote(p)}`),
          ...Object.keys(secretEnv).map(v => `-f <(printf '%s' "$${v}")`),
        ];
        await shell.exec(
          [
            'bash',
            shellQuote(scriptPath),
            ...addon.script.args.map(shellQuote),
            ...valuesArgs,
          ].join(' '),
          { step: `script ${addon.id}`, secretEnv, timeoutMs: opts.timeoutMs },
        );
      }
    } catch (e) {
      observing = false;
      await observer;
      const cause =
        lastCause ?? (await cluster.diagnose(addon).catch(() => undefined));
      throw new NotReadyError(addon.id, cause ?? `${errorMessage(e)}`);
    }
    observing = false;
    await observer;

    await cluster.waitReady(addon, deadline);
    await runInstructions(addon, deadline, false);
    await applyManifests(addon, deadline, false, resolved);
    if (addon.gatewayApiObjects.length > 0) {
      // its Gateway Programmed / HTTPRoute Accepted with ResolvedRefs (Gateway API conditions)
      await cluster.waitReady(addon, deadline, { routes: true });
      logger.info(
        `${addon.id}: ${addon.gatewayApiObjects
          .map(o => `${o.kind} ${o.namespace}/${o.name}`)
          .join(', ')} ready`,
      );
    }
    return { ...base, status: 'installed' };
  };

  /**
   * kpaas instructions from postInstall (apiVersion kpaas.io/…). VaultInitialization initialises
   * once and unseals sealed pods, so it also runs for a current add-on (pods restarted sealed).
   */
  async function runInstructions(
    addon: PlannedAddonInstall,
    deadline: number,
    onlyIdempotent: boolean,
  ) {
    const manual: string[] = [];
    for (const instruction of addon.instructions) {
      if (instruction.kind === 'VaultInitialization') {
        await initializeVault({
          addonId: addon.id,
          namespace: addon.namespace,
          spec: parseVaultInitialization(addon.id, instruction.text),
          kubeConfig: cluster.kubeConfig,
          logger,
          addSecret: v => hooks.addSecret(v),
          deadline,
          signal: signal ?? cluster.signal,
        });
      } else {
        manual.push(instruction.kind);
      }
    }
    if (manual.length > 0 && !onlyIdempotent) {
      logger.warn(
        `${addon.id}: ${manual.join(
          ', ',
        )} is not automated by kpaas:addons yet; run it by hand (values/README.md)`,
      );
    }
  }

  async function applyManifests(
    addon: PlannedAddonInstall,
    deadline: number,
    onlyMissing: boolean,
    resolved = new Map<string, string>(),
  ) {
    for (const m of addon.manifests) {
      if (m.secretTokens.length > 0 && resolved.size === 0) {
        if (onlyMissing) {
          const probe = yaml.parse(m.text) as k8s.KubernetesObject;
          if (await cluster.exists(probe)) continue;
          // missing and needs secrets: resolve them now
          const data = addon.credentialsRef
            ? (await cluster.ensureCredentials(addon.credentialsRef)).data
            : undefined;
          Object.values(data ?? {}).forEach(v => hooks.addSecret(v));
          resolved = await secretLookup(addon, cluster, data, m.secretTokens);
          resolved.forEach(v => hooks.addSecret(v));
        }
      }
      const obj = yaml.parse(
        fillSecrets(m.text, resolved),
      ) as k8s.KubernetesObject;
      if (onlyMissing && (await cluster.exists(obj))) continue;
      await cluster.apply(obj, deadline);
      logger.info(
        `${addon.id}: applied ${m.kind} ${obj.metadata?.name} (server-side, field manager kpaas)`,
      );
    }
  }

  const run = (addon: PlannedAddonInstall): Promise<AddonResult> => {
    const existing = done.get(addon.id);
    if (existing) return existing;
    const promise = (async (): Promise<AddonResult> => {
      const deps = await Promise.all(
        addon.dependsOn.map(d => run(byId.get(d)!)),
      );
      const failedDep = deps.find(d => d.status === 'failed');
      if (failedDep) {
        const reason = `not run: dependency ${failedDep.id} failed`;
        await hooks.timeline?.({
          step: `${verb(addon)}:${addon.id}`,
          status: 'skipped',
          summary: reason,
        });
        return {
          id: addon.id,
          status: 'failed',
          chartVersion: addon.version,
          reason,
        };
      }
      // a slot only once everything it waits on is done (dependsOn includes the Gateway or
      // ingress controller serving its route): slots are never all held by add-ons waiting for
      // one that has no slot yet
      return limit(async () => {
        const started = new Date().toISOString();
        try {
          if (signal?.aborted) throw new Error('cancelled');
          const result = await hooks.checkpoint({
            key: `addons.${verb(addon)}.${addon.id}.${addon.version}`,
            fn: () => installOne(addon),
          });
          if (result.status === 'installed') {
            await hooks.timeline?.({
              step: `${verb(addon)}:${addon.id}`,
              status: 'succeeded',
              startedAt: started,
              finishedAt: new Date().toISOString(),
              summary: `${addon.id} ${addon.version} ready`,
            });
          }
          return result;
        } catch (e) {
          const reason =
            e instanceof NotReadyError ? e.reason : errorMessage(e);
          logger.error(`${addon.id}: failed: ${reason}`);
          await hooks.timeline?.({
            step: `${verb(addon)}:${addon.id}`,
            status: 'failed',
            startedAt: started,
            finishedAt: new Date().toISOString(),
            summary: reason,
          });
          return {
            id: addon.id,
            status: 'failed',
            chartVersion: addon.version,
            reason,
          };
        }
      });
    })();
    done.set(addon.id, promise);
    return promise;
  };

  const results = await Promise.all(plan.addons.map(run));
  return results;
}

/**
 * Uninstalls in reverse dependency order (an add-on after everything that depends on it).
 * Namespaces are deleted only when kpaas:addons created them and no planned add-on is left in
 * them; Secrets and namespaces it did not create stay.
 */
export async function uninstallAddons(
  opts: AddonRunOptions,
): Promise<AddonResult[]> {
  const { plan, shell, cluster, logger, hooks } = opts;
  const releases = await helmList(shell);
  const limit = pLimit(opts.concurrency);
  const results: AddonResult[] = [];
  for (const wave of [...plan.waves].reverse()) {
    const waveResults = await Promise.all(
      wave.map(id =>
        limit(async (): Promise<AddonResult> => {
          const addon = plan.addons.find(a => a.id === id)!;
          const base = { id, chartVersion: addon.version };
          try {
            // a Helm add-on's release; a script add-on's are the releases it made in its
            // namespace (its namespace then goes too, when kpaas:addons created it)
            if (
              addon.definition.type === 'script' &&
              !addon.definition.script.namespace
            ) {
              return {
                ...base,
                status: 'failed',
                reason: `script add-on without script.namespace in the catalog: kpaas cannot tell its releases from others; set script.namespace, or uninstall it by hand`,
              };
            }
            const own = releases.filter(r =>
              addon.type === 'helm'
                ? r.name === addon.release && r.namespace === addon.namespace
                : r.namespace === addon.namespace,
            );
            if (own.length > 0) {
              await hooks.checkpoint({
                key: `addons.uninstall.${id}.${addon.version}`,
                fn: async () => {
                  for (const r of own) {
                    await shell.exec(
                      uninstallCommand(
                        { ...addon, release: r.name },
                        Math.ceil(opts.timeoutMs / 1000),
                      ),
                      {
                        step: `helm uninstall ${r.name}`,
                        timeoutMs: opts.timeoutMs,
                      },
                    );
                  }
                  return true;
                },
              });
            }
            logger.info(
              `${id}: ${
                own.length > 0
                  ? `uninstalled (${own.map(r => r.name).join(', ')})`
                  : 'not installed'
              }`,
            );
            await hooks.timeline?.({
              step: `uninstall:${id}`,
              status: 'succeeded',
            });
            return { ...base, status: 'uninstalled' };
          } catch (e) {
            return { ...base, status: 'failed', reason: errorMessage(e) };
          }
        }),
      ),
    );
    results.push(...waveResults);
  }
  // namespaces: only ours, only when every add-on in them is gone
  const namespaces = new Set(plan.addons.map(a => a.namespace));
  for (const ns of namespaces) {
    if (opts.keepNamespaces?.has(ns)) continue;
    const inNs = plan.addons.filter(a => a.namespace === ns).map(a => a.id);
    if (
      results
        .filter(r => inNs.includes(r.id))
        .every(r => r.status === 'uninstalled')
    ) {
      if (await cluster.deleteNamespaceIfCreatedByKpaas(ns)) {
        logger.info(`namespace ${ns} deleted (created by kpaas:addons)`);
      }
    }
  }
  return plan.addons.map(a => results.find(r => r.id === a.id)!);
}

/** UI endpoints (host → address) and the hosts-file lines to append. */
export async function uiEndpoints(
  plan: AddonPlan,
  cluster: AddonCluster | undefined,
): Promise<{
  endpoints: Array<{ host: string; address: string }>;
  hostsSnippet: string;
}> {
  let address = plan.ingressIp;
  const gatewayObject = plan.addons
    .flatMap(a => a.gatewayApiObjects)
    .find(o => o.kind === 'Gateway');
  if (!address && cluster && gatewayObject) {
    // the Gateway reports the address its proxies' LoadBalancer got
    const [gateway] = await cluster
      .observeGatewayApi([gatewayObject])
      .catch(() => []);
    address = gateway?.addresses[0];
  } else if (!address && cluster) {
    const nginx = plan.addons.find(a => a.id === 'ingress-nginx');
    if (nginx)
      address = (await cluster.loadBalancers(nginx).catch(() => []))[0]?.ip;
  }
  const hosts = plan.addons.flatMap(a => (a.ui ? [a.ui.host] : []));
  if (!address || hosts.length === 0) {
    return { endpoints: [], hostsSnippet: '' };
  }
  return {
    endpoints: hosts.map(host => ({ host, address: address! })),
    hostsSnippet: [
      `# kpaas cluster ${plan.clusterName}: platform UIs. APPEND to /etc/hosts (never replace it), e.g.`,
      `#   sudo tee -a /etc/hosts < hosts.snippet`,
      `${address} ${hosts.join(' ')}`,
      '',
    ].join('\n'),
  };
}
