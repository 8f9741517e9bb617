import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  DerivedEndpoints,
  deriveEndpoints,
  deriveInventory,
  formatSpecErrors,
  InventoryNode,
  parseClusterSpec,
  RegisterClusterRequest,
} from '@internal/plugin-kpaas-common';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  connectAll,
  KnownHosts,
  NodeFailuresError,
  readTaskPrivateKey,
  runOnNodes,
  shellQuote,
  SshExecutorOptions,
  SshNodeSession,
  StepLogger,
} from '../ssh';
import type { ClusterRunDecision } from '../access/authorizeClusterRun';
import { KpaasBackendClient, readClusterInventory } from '../backendClient';
import { PhaseTiming, RunRecorder } from '../core/runRecorder';
import { resolveRepoPath } from '../workspace/resolveRepoPath';
import { missingPin, NodeDownloads, readNodeDownloads } from './downloads';
import {
  adminKubeConfig,
  ensureReaderToken,
  waitForNodesReady,
  ReadyNode,
} from './kube';
import {
  checkInventory,
  CNI_CHART_VERSIONS,
  HELM_VERSION,
  judgePreflight,
  kubeadmInitConfig,
  parseKeyValues,
} from './plan';
import { oidcCaEnv } from './apiServerOidc';
import {
  checkKpaasCpInventory,
  checkKpaasCpSpec,
  CP_DEPLOYMENT_VERSION,
  kpaasCpInventory,
  kpaasCpVars,
  verifiedKnownHosts,
} from './kpaasCp';

/** Kubespray behind cp-deployment runs far longer than one kubeadm step. */
const KPAAS_CP_MIN_TIMEOUT_SECONDS = 3600;

/** Scripts (from the cluster repo's scripts/) that are uploaded to every node. */
export const NODE_SCRIPTS = [
  'lib.sh',
  'preflight.sh',
  'node-prep.sh',
  'lb.sh',
  'kubeadm-init.sh',
  'join-credentials.sh',
  'kubeadm-join.sh',
  'cni.sh',
  'kpaas-cp.sh',
];
/** Where the scripts land on a node, relative to the SSH user's home. */
const REMOTE_SCRIPT_DIR = '.kpaas/scripts';

export interface BootstrapInput {
  repoPath: string;
  sshUser: string;
  knownHosts?: string;
  /** Default: true for machines kpaas created (every target but `existing`). */
  trustOnFirstUse?: boolean;
  concurrency: number;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  nodeReadyTimeoutSeconds: number;
}

export interface BootstrapOutput {
  apiServerUrl: string;
  clusterName: string;
  nodes: ReadyNode[];
  hostKeys: Array<{ name: string; fingerprint: string }>;
  phaseTimings: PhaseTiming[];
}

export interface BootstrapContext {
  input: BootstrapInput;
  workspacePath: string;
  secrets?: Record<string, string>;
  logger: StepLogger;
  signal?: AbortSignal;
  isDryRun?: boolean;
  taskId?: string;
  checkpoint<T>(opts: { key: string; fn: () => Promise<T> }): Promise<T>;
  /** kpaas-backend: registration and timeline. */
  client: KpaasBackendClient;
  /**
   * The initiator's permission and the cluster's repository (ClusterRunGuard), checked once
   * cluster.yaml is read and before any node is contacted.
   */
  authorize(cluster: string): Promise<ClusterRunDecision>;
  /** The node scripts' pinned downloads (readNodeDownloads), checked in loadPlan. */
  downloads: ReturnType<typeof readNodeDownloads>;
}

/**
 * Endpoint type host without a written address (Multipass: DHCP) is only known once the machines
 * exist: the API is the first control-plane node of the inventory kpaas:provision produced, the
 * same host kpaas:provision put into its apiServerUrl.
 */
export function endpointsWithInventory(
  endpoints: DerivedEndpoints,
  inventory: InventoryNode[],
): DerivedEndpoints {
  if (endpoints.apiServerHost || endpoints.apiEndpointType !== 'host') {
    return endpoints;
  }
  const firstCp = inventory.find(n => n.role === 'control-plane');
  if (!firstCp?.address) return endpoints;
  return {
    ...endpoints,
    apiServerHost: firstCp.address,
    apiServerUrl: `https://${firstCp.address}:${endpoints.apiServerPort}`,
    pending: [],
  };
}

/** Reads and validates everything that can be checked before connecting. */
async function loadPlan(ctx: BootstrapContext) {
  const { input } = ctx;
  const repo = resolveRepoPath(ctx.workspacePath, input.repoPath);
  let specText: string;
  try {
    specText = await fs.readFile(path.join(repo, 'cluster.yaml'), 'utf8');
  } catch {
    throw new InputError(
      `repoPath: no cluster.yaml in "${input.repoPath}"; point repoPath at the cluster repo (fetch it first)`,
    );
  }
  const parsed = parseClusterSpec(specText);
  if (!parsed.ok) throw new InputError(formatSpecErrors(parsed.errors));
  const spec: ClusterSpec = parsed.spec;
  const { downloads } = ctx.downloads;
  const downloadProblems = [
    ...ctx.downloads.problems,
    ...(spec.spec.kubernetes.installer === 'kpaas-cp'
      ? [missingPin(downloads.cpDeployment, 'cpDeployment')]
      : [
          missingPin(downloads.helm.amd64, 'helm.amd64'),
          missingPin(downloads.helm.arm64, 'helm.arm64'),
        ]),
  ].filter((p): p is string => Boolean(p));
  if (downloadProblems.length) {
    throw new InputError(
      `the node downloads are not pinned:\n${downloadProblems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
  }
  if (spec.spec.kubernetes.installer === 'kpaas-cp') {
    const problems = checkKpaasCpSpec(spec);
    if (problems.length) throw kpaasCpNotReady(problems);
  }
  const scripts: Array<{ name: string; content: Buffer; mode: number }> = [];
  for (const name of NODE_SCRIPTS) {
    try {
      scripts.push({
        name,
        content: await fs.readFile(path.join(repo, 'scripts', name)),
        mode: 0o755,
      });
    } catch {
      throw new InputError(
        `repoPath: scripts/${name} is missing in "${input.repoPath}"; the cluster repo must contain the kpaas node scripts (templates/kpaas-cluster/skeleton/scripts)`,
      );
    }
  }
  // the scaffolder's Secret field is a single-line input: readTaskPrivateKey restores the lines
  const privateKey = readTaskPrivateKey(ctx.secrets);
  let knownHosts: KnownHosts | undefined;
  try {
    knownHosts = new KnownHosts(input.knownHosts);
  } catch (e) {
    throw new InputError(`knownHosts: ${(e as Error).message}`);
  }
  return { spec, scripts, privateKey, knownHosts, downloads };
}

function kpaasCpNotReady(problems: string[]): InputError {
  return new InputError(
    `cluster.yaml is not ready for installer kpaas-cp:\n${problems
      .map(p => `  - ${p}`)
      .join('\n')}`,
  );
}

/**
 * The machines to bootstrap, from their one home in kpaas-backend (kpaas:provision stored them),
 * checked against cluster.yaml, and the API endpoint they give. A dry run contacts nothing: it
 * shows the machines cluster.yaml plans, addresses only Terraform knows as "assigned at apply".
 */
async function loadNodes(ctx: BootstrapContext, spec: ClusterSpec) {
  const { input } = ctx;
  if (ctx.isDryRun) {
    const planned: InventoryNode[] = deriveInventory(spec).map(n => ({
      name: n.name,
      role: n.role,
      address: n.address ?? 'assigned at apply',
      port: n.port,
    }));
    const endpoints = endpointsWithInventory(deriveEndpoints(spec), []);
    return {
      inventory: planned,
      endpoints,
      apiServerUrl:
        endpoints.apiServerUrl ??
        `https://<assigned at apply>:${endpoints.apiServerPort}`,
    };
  }
  const inventory = await readClusterInventory(ctx.client, spec.metadata.name, {
    taskId: ctx.taskId,
    signal: ctx.signal,
    action: 'kpaas:bootstrap',
  });
  checkInventory(inventory, spec);
  if (spec.spec.kubernetes.installer === 'kpaas-cp') {
    const problems = checkKpaasCpInventory(inventory, input.sshUser);
    if (problems.length) throw kpaasCpNotReady(problems);
  }
  const endpoints = endpointsWithInventory(deriveEndpoints(spec), inventory);
  if (!endpoints.apiServerUrl || !endpoints.apiServerHost) {
    throw new InputError(
      `spec.controlPlane.endpoint: the API address is not known yet (${endpoints.pending.join(
        '; ',
      )}); set spec.controlPlane.endpoint.address`,
    );
  }
  return { inventory, endpoints, apiServerUrl: endpoints.apiServerUrl };
}

/** kpaas:bootstrap, see ../actions/bootstrap.ts. */
export async function runBootstrap(
  ctx: BootstrapContext,
): Promise<BootstrapOutput> {
  const { input, logger, signal } = ctx;
  const { spec, scripts, privateKey, knownHosts, downloads } = await loadPlan(
    ctx,
  );
  const clusterName = spec.metadata.name;
  const { repoUrl } = await ctx.authorize(clusterName);
  const { inventory, endpoints, apiServerUrl } = await loadNodes(ctx, spec);
  const byRole = (role: InventoryNode['role']) =>
    inventory.filter(n => n.role === role);
  const [firstCp, ...otherCps] = byRole('control-plane');
  const workers = byRole('worker');
  const lbs = byRole('lb');

  if (ctx.isDryRun) {
    logger.info(
      `dry run: would bootstrap ${clusterName} (${inventory.length} nodes: ${
        1 + otherCps.length
      } control planes, ${workers.length} workers, ${
        lbs.length
      } lb) behind ${apiServerUrl}; nothing was contacted`,
    );
    return {
      apiServerUrl,
      clusterName,
      nodes: [...byRole('control-plane'), ...workers].map(n => ({
        name: n.name,
        roles: [n.role],
        kubeletVersion: spec.spec.kubernetes.version,
      })),
      hostKeys: [],
      phaseTimings: [],
    };
  }

  // one masker, the phase timings and the timeline (phase "bootstrap") for the whole run
  const recorder = new RunRecorder({
    phase: 'bootstrap',
    cluster: clusterName,
    client: ctx.client,
    logger,
    taskId: ctx.taskId,
    secrets: [
      privateKey,
      ctx.secrets?.sshPrivateKey,
      ctx.secrets?.sshPassphrase,
    ],
  });
  const { masker, phaseTimings } = recorder;
  const maskedLogger = recorder.logger;
  const phase = recorder.phase.bind(recorder);
  const options: SshExecutorOptions = {
    privateKey,
    passphrase: ctx.secrets?.sshPassphrase,
    knownHosts,
    trustOnFirstUse:
      input.trustOnFirstUse ?? spec.spec.target.type !== 'existing',
    connectTimeoutMs: input.connectTimeoutSeconds * 1000,
    commandTimeoutMs: input.commandTimeoutSeconds * 1000,
    logger: maskedLogger,
    masker,
    signal,
  };

  // per-node step with timing
  const step = async (
    s: SshNodeSession,
    name: string,
    command: string,
    opts: Parameters<SshNodeSession['exec']>[2] = {},
  ) => {
    const start = Date.now();
    const r = await s.exec(name, command, opts);
    maskedLogger.info(
      `[${s.name}] ${name} done in ${((Date.now() - start) / 1000).toFixed(
        1,
      )} s`,
    );
    return r;
  };

  const sessions = await phase('connect', () =>
    connectAll(
      inventory.map(n => ({
        name: n.name,
        host: n.address,
        port: n.port,
        user: n.user ?? input.sshUser,
        hostKeyFingerprint: n.hostKeyFingerprint,
      })),
      options,
      input.concurrency,
    ),
  );
  const session = (n: InventoryNode) => sessions.get(n.name)!;
  const all = inventory.map(session);
  const hostKeys = all.map(s => ({
    name: s.name,
    fingerprint: s.hostKey.fingerprint,
  }));
  // keys verified against known_hosts or trusted on first use go into the inventory, where
  // kpaas:addons and the next runs find them
  const newKeys = hostKeys.filter(
    k => !inventory.find(n => n.name === k.name)?.hostKeyFingerprint,
  );
  const scriptDirs = new Map<string, string>();
  const script = (s: SshNodeSession, name: string) =>
    `bash ${scriptDirs.get(s.name)}/${name}`;

  try {
    if (newKeys.length > 0) {
      await phase('record host keys', () =>
        ctx.client.recordHostKeys(
          clusterName,
          { taskId: ctx.taskId, hostKeys: newKeys },
          signal,
        ),
      );
    }
    await phase('upload scripts', () =>
      runOnNodes(
        all,
        input.concurrency,
        async s => {
          scriptDirs.set(
            s.name,
            await s.uploadFiles(REMOTE_SCRIPT_DIR, scripts),
          );
        },
        'upload scripts',
      ),
    );

    await phase('preflight', async () => {
      const facts = new Map<string, Record<string, string>>();
      const failures: string[] = [];
      const results = await Promise.allSettled(
        inventory.map(async n => {
          const r = await session(n).exec(
            'preflight',
            script(session(n), 'preflight.sh'),
            {
              env: { ROLE: n.role },
              quiet: true,
            },
          );
          facts.set(n.name, parseKeyValues(r.stdout));
        }),
      );
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          failures.push(`${inventory[i].name}: ${(r.reason as Error).message}`);
      });
      const hostnames = new Map<string, string[]>();
      for (const n of inventory) {
        const f = facts.get(n.name);
        if (!f) continue;
        const verdict = judgePreflight(n, f);
        for (const w of verdict.warnings)
          maskedLogger.warn(`[${n.name}] preflight: ${w}`);
        for (const p of verdict.failures) failures.push(`${n.name}: ${p}`);
        maskedLogger.info(
          `[${n.name}] preflight: ${f.os} ${f.os_version} ${f.arch}, ${f.cpus} CPU, ${f.memory_mib} MiB, hostname ${f.hostname}`,
        );
        if (f.hostname)
          hostnames.set(f.hostname, [
            ...(hostnames.get(f.hostname) ?? []),
            n.name,
          ]);
      }
      for (const [h, nodes] of hostnames) {
        if (nodes.length > 1)
          failures.push(
            `${nodes.join(
              ', ',
            )}: share the hostname "${h}"; give every node its own hostname`,
          );
      }
      if (failures.length) {
        throw new InputError(
          `preflight failed on ${
            failures.length
          } check(s); nothing was changed:\n${failures
            .map(f => `  - ${f}`)
            .join('\n')}`,
        );
      }
    });

    const k8sNodes = [firstCp, ...otherCps, ...workers];
    const kpaasCp = spec.spec.kubernetes.installer === 'kpaas-cp';
    // cp-deployment's Kubespray prepares the nodes itself (CRI-O, kubelet, kernel settings)
    if (!kpaasCp)
      await phase('node prep', () =>
        runOnNodes(
          k8sNodes.map(session),
          input.concurrency,
          s =>
            step(s, 'node prep', script(s, 'node-prep.sh'), {
              env: {
                K8S_VERSION: spec.spec.kubernetes.version,
                CONTAINER_RUNTIME: spec.spec.kubernetes.containerRuntime,
              },
            }),
          'node prep',
        ),
      );

    if (lbs.length > 0 && endpoints.apiEndpointType === 'vip') {
      await phase('load balancers', async () => {
        // reuse the VRRP password of a configured pair, so a re-run changes nothing
        let password: string | undefined;
        for (const n of lbs) {
          const r = await session(n).exec(
            'read vrrp password',
            "sed -n 's/^ *auth_pass //p' /etc/keepalived/keepalived.conf 2>/dev/null || true",
            { quiet: true },
          );
          password ||= r.stdout.trim() || undefined;
        }
        password ||= randomBytes(6).toString('base64url'); // VRRP PASS auth uses 8 characters
        masker.add(password);
        const backends = byRole('control-plane')
          .map(cp => `${cp.name}=${cp.privateAddress ?? cp.address}:6443`)
          .join(' ');
        await runOnNodes(
          lbs.map(session),
          input.concurrency,
          s =>
            step(s, 'load balancer', script(s, 'lb.sh'), {
              env: {
                VIP: endpoints.apiVip!,
                API_PORT: String(endpoints.apiServerPort),
                BACKENDS: backends,
                VRRP_PRIORITY: s.name === lbs[0].name ? '150' : '100',
                VRRP_ROUTER_ID: String(51),
              },
              secretEnv: { VRRP_PASSWORD: password! },
            }),
          'load balancers',
        );
      });
    }

    const cp1 = session(firstCp);
    if (kpaasCp) {
      await phase('kpaas-cp', () =>
        runKpaasCp({
          ctx,
          spec,
          endpoints,
          cp1,
          firstCp,
          k8sNodes,
          session,
          privateKey,
          downloads,
          step,
          script,
          logger: maskedLogger,
        }),
      );
    } else {
      await phase('kubeadm init', () =>
        ctx.checkpoint({
          key: `kpaas-bootstrap.${clusterName}.kubeadm-init`,
          fn: async () => {
            const dir = await cp1.uploadFiles('.kpaas', [
              {
                name: 'kubeadm-config.yaml',
                content: kubeadmInitConfig(spec, endpoints, firstCp),
                mode: 0o600,
              },
            ]);
            await step(cp1, 'kubeadm init', script(cp1, 'kubeadm-init.sh'), {
              env: {
                KUBEADM_CONFIG: `${dir}/kubeadm-config.yaml`,
                ...oidcCaEnv(spec),
              },
            });
          },
        }),
      );

      await phase('cni', () =>
        step(cp1, `cni ${spec.spec.kubernetes.cni}`, script(cp1, 'cni.sh'), {
          env: {
            CNI: spec.spec.kubernetes.cni,
            CNI_VERSION: CNI_CHART_VERSIONS[spec.spec.kubernetes.cni],
            POD_CIDR: spec.spec.network.podCidr,
            HELM_VERSION,
            HELM_URL_AMD64: downloads.helm.amd64.url,
            HELM_SHA256_AMD64: downloads.helm.amd64.sha256!,
            HELM_URL_ARM64: downloads.helm.arm64.url,
            HELM_SHA256_ARM64: downloads.helm.arm64.sha256!,
          },
        }),
      );

      // which nodes still have to join (real state: /etc/kubernetes/kubelet.conf)
      const joined = new Set<string>();
      await Promise.all(
        [...otherCps, ...workers].map(async n => {
          const r = await session(n).exec(
            'join state',
            'test -s /etc/kubernetes/kubelet.conf && echo joined || echo pending',
            { quiet: true },
          );
          if (r.stdout.trim() === 'joined') joined.add(n.name);
        }),
      );
      const pendingCps = otherCps.filter(n => !joined.has(n.name));
      const pendingWorkers = workers.filter(n => !joined.has(n.name));
      for (const n of [...otherCps, ...workers]) {
        if (joined.has(n.name))
          maskedLogger.info(`[${n.name}] already joined; skipped`);
      }

      if (pendingCps.length + pendingWorkers.length > 0) {
        const creds = await phase('join credentials', async () => {
          const r = await cp1.exec(
            'join credentials',
            script(cp1, 'join-credentials.sh'),
            {
              env: {
                TOKEN_TTL: '15m',
                WITH_CERTIFICATE_KEY: pendingCps.length ? 'yes' : 'no',
              },
              quiet: true,
            },
          );
          const kv = parseKeyValues(r.stdout);
          masker.add(kv.token);
          masker.add(kv.certificate_key);
          if (!kv.token || !kv.ca_cert_hash)
            throw new Error(
              `${firstCp.name}: join credentials were not printed`,
            );
          maskedLogger.info(
            `[${firstCp.name}] join token (TTL 15m)${
              kv.certificate_key ? ' and certificate key' : ''
            } created`,
          );
          return kv;
        });
        const endpoint = `${endpoints.apiServerHost}:${endpoints.apiServerPort}`;
        const joinEnv = (n: InventoryNode) => ({
          ENDPOINT: endpoint,
          CA_CERT_HASH: creds.ca_cert_hash,
          ROLE: n.role,
          NODE_NAME: n.name,
          ADVERTISE_ADDRESS: n.privateAddress ?? n.address,
          ...(n.role === 'control-plane' ? oidcCaEnv(spec) : {}),
        });
        await phase('join control planes', async () => {
          // one at a time: each join adds an etcd member, and etcd must keep quorum in between
          for (const n of pendingCps) {
            await step(
              session(n),
              'kubeadm join (control plane)',
              script(session(n), 'kubeadm-join.sh'),
              {
                env: joinEnv(n),
                secretEnv: {
                  KPAAS_JOIN_TOKEN: creds.token,
                  KPAAS_CERTIFICATE_KEY: creds.certificate_key,
                },
              },
            );
          }
        });
        await phase('join workers', () =>
          runOnNodes(
            pendingWorkers.map(session),
            input.concurrency,
            s => {
              const n = inventory.find(x => x.name === s.name)!;
              return step(
                s,
                'kubeadm join (worker)',
                script(s, 'kubeadm-join.sh'),
                {
                  env: joinEnv(n),
                  secretEnv: { KPAAS_JOIN_TOKEN: creds.token },
                },
              );
            },
            'join workers',
          ),
        );
      } else {
        maskedLogger.info('every node has already joined; nothing to do');
      }
    }

    const adminConf = (
      await cp1.readFile('/etc/kubernetes/admin.conf')
    ).toString();
    const { kc, caPem } = adminKubeConfig(adminConf, apiServerUrl);
    for (const u of kc.getUsers()) {
      masker.add(u.token);
      masker.add(u.keyData);
    }

    const reader = await phase('read-only access', () =>
      ensureReaderToken(kc, 60_000, signal),
    );
    masker.add(reader.token);
    maskedLogger.info(
      reader.created.length
        ? `created ${reader.created.join(', ')} kpaas-reader (read-only)`
        : 'read-only ServiceAccount kpaas-reader already exists',
    );

    await phase('register', () =>
      ctx.checkpoint({
        key: `kpaas-bootstrap.${clusterName}.register`,
        fn: () =>
          registerCluster(ctx, {
            name: clusterName,
            apiServerUrl,
            caData: caPem,
            serviceAccountToken: reader.token,
            spec,
            taskId: ctx.taskId,
            ...(repoUrl ? { repoUrl } : {}),
          }),
      }),
    );

    const nodes = await phase('verify nodes', () =>
      waitForNodesReady(
        kc,
        k8sNodes.map(n => n.name),
        input.nodeReadyTimeoutSeconds * 1000,
        signal,
      ),
    );
    maskedLogger.info(
      `${clusterName}: ${nodes.length} nodes Ready behind ${apiServerUrl}`,
    );
    return { apiServerUrl, clusterName, nodes, hostKeys, phaseTimings };
  } finally {
    for (const s of all) s.close();
  }
}

async function registerCluster(
  ctx: BootstrapContext,
  body: RegisterClusterRequest & { repoUrl?: string },
): Promise<void> {
  try {
    await ctx.client.registerCluster(body, ctx.signal);
  } catch (e) {
    throw new Error(`registering ${body.name} with kpaas-backend failed: ${e}`);
  }
  ctx.logger.info(`registered ${body.name} with kpaas-backend`);
}

/**
 * installer kpaas-cp: K-PaaS cp-deployment on the first control plane (scripts/kpaas-cp.sh),
 * skipped when the cluster is already complete (admin.conf on the first control plane, every
 * other node joined).
 */
async function runKpaasCp(args: {
  ctx: BootstrapContext;
  spec: ClusterSpec;
  endpoints: ReturnType<typeof deriveEndpoints>;
  cp1: SshNodeSession;
  firstCp: InventoryNode;
  k8sNodes: InventoryNode[];
  session: (n: InventoryNode) => SshNodeSession;
  privateKey: string;
  downloads: NodeDownloads;
  step: (
    s: SshNodeSession,
    name: string,
    command: string,
    opts?: Parameters<SshNodeSession['exec']>[2],
  ) => Promise<unknown>;
  script: (s: SshNodeSession, name: string) => string;
  logger: StepLogger;
}): Promise<void> {
  const { ctx, spec, endpoints, cp1, firstCp, k8sNodes, session, logger } =
    args;
  const { input } = ctx;
  const pending: string[] = [];
  await Promise.all(
    k8sNodes.map(async n => {
      const file =
        n === firstCp
          ? '/etc/kubernetes/admin.conf'
          : '/etc/kubernetes/kubelet.conf';
      const r = await session(n).exec(
        'install state',
        `test -s ${file} && echo done || echo pending`,
        { quiet: true },
      );
      if (r.stdout.trim() !== 'done') pending.push(n.name);
    }),
  );
  if (pending.length === 0) {
    logger.info(
      `kpaas-cp: ${firstCp.name} has /etc/kubernetes/admin.conf and every node has joined; skipped`,
    );
    return;
  }
  logger.info(
    `kpaas-cp: not installed yet on ${pending.join(
      ', ',
    )}; running cp-deployment ${CP_DEPLOYMENT_VERSION} on ${firstCp.name}`,
  );
  const ansibleTargets = k8sNodes.map(n => ({
    name: n.name,
    host: n.privateAddress ?? n.address,
    port: n.port,
    fingerprint: session(n).hostKey.fingerprint,
  }));
  // the keys as the first control plane sees them, kept only where they match the verified ones
  const scan = await cp1.exec(
    'scan host keys',
    ansibleTargets
      .map(
        t =>
          `ssh-keyscan -T 10 -p ${t.port} ${shellQuote(
            t.host,
          )} 2>/dev/null || true`,
      )
      .join('\n'),
    { quiet: true },
  );
  const knownHostsText = verifiedKnownHosts(scan.stdout, ansibleTargets);
  const timeoutSeconds = Math.max(
    input.commandTimeoutSeconds,
    KPAAS_CP_MIN_TIMEOUT_SECONDS,
  );
  await ctx.checkpoint({
    key: `kpaas-bootstrap.${spec.metadata.name}.kpaas-cp`,
    fn: async () => {
      const dir = await cp1.uploadFiles('.kpaas/cp', [
        {
          name: 'inventory.ini',
          content: kpaasCpInventory(k8sNodes, input.sshUser),
        },
        {
          name: 'cp-cluster-vars.sh',
          content: kpaasCpVars(spec, endpoints, k8sNodes, input.sshUser),
        },
        { name: 'known_hosts', content: knownHostsText },
      ]);
      const passphrase = ctx.secrets?.sshPassphrase;
      await args.step(cp1, 'kpaas-cp deploy', args.script(cp1, 'kpaas-cp.sh'), {
        env: {
          CP_DEPLOYMENT_VERSION,
          CP_DEPLOYMENT_URL: args.downloads.cpDeployment.url,
          CP_DEPLOYMENT_SHA256: args.downloads.cpDeployment.sha256!,
          CP_DIR: `${dir.replace(/\/\.kpaas\/cp$/, '')}/cp-deployment`,
          KPAAS_CP_FILES: dir,
          KEY_LIFETIME_SECONDS: String(timeoutSeconds),
        },
        secretEnv: {
          KPAAS_SSH_PRIVATE_KEY: args.privateKey,
          ...(passphrase ? { KPAAS_SSH_PASSPHRASE: passphrase } : {}),
        },
        timeoutMs: timeoutSeconds * 1000,
      });
    },
  });
}

export { NodeFailuresError };
