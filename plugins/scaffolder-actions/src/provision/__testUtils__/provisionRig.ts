import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import os from 'node:os';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  ClusterTargetType,
  defaultClusterSpec,
} from '@internal/plugin-kpaas-common';
import {
  findRealTerraform,
  readTerraformCalls,
  realTerraformTitle,
  RigTargetVariables,
  writeRigTarget,
  writeTerraformRecorder,
} from '@internal/kpaas-testkit';
// Test-only: the real state router of kpaas-backend (its testUtils entry).
import {
  ReceivedTimelineEvent,
  startStateServer,
  StateServer,
} from '@internal/plugin-kpaas-backend/testUtils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { ConfigReader, JsonObject } from '@backstage/config';
import { createProvisionAction } from '../../actions/provision';

/*
 * Shared rig of the kpaas:provision tests: a workspace with a rendered cluster repo (the
 * testkit's rig target: built-in resources only, the real targets' outputs), the real terraform
 * behind a call recorder first on PATH, an empty provider mirror so nothing is downloaded, and
 * kpaas-backend's real state router (SQLite) plus a recording timeline route on 127.0.0.1.
 */

// A real key (the multipass/vagrant targets derive its public half), generated once per run.
function generateCanaryKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-canary-key-'));
  try {
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      '',
      '-f',
      path.join(dir, 'id'),
    ]);
    return fs.readFileSync(path.join(dir, 'id'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const canaryKey = generateCanaryKey();

export const CANARY = {
  kakaoCredentialId: 'CANARYID-4f1d9a7c2e',
  kakaoCredentialSecret: 'CANARYSECRET-8b3e6d0f5a91',
  sshPrivateKey: canaryKey,
};
export const canaryValues = [
  CANARY.kakaoCredentialId,
  CANARY.kakaoCredentialSecret,
  // a line of the key's base64 body
  canaryKey.split('\n')[1],
];

/** The real terraform of this machine, or why the tests that need it are skipped. */
export const realTerraform = findRealTerraform();
if (!realTerraform.available) {
  // also in non-verbose runs, where jest lists no test names
  // eslint-disable-next-line no-console
  console.warn(
    `kpaas:provision tests that run terraform are skipped: ${realTerraform.reason}`,
  );
}

/** Names a test block after the terraform that runs it, or the reason it is skipped. */
export const describeRealTerraform = (title: string, fn: () => void) =>
  (realTerraform.available ? describe : describe.skip)(
    realTerraformTitle(realTerraform, title),
    fn,
  );

/*
 * kpaas:provision writes the real target's variables from cluster.yaml on every run
 * (cluster.auto.tfvars.json, loaded after terraform.tfvars.json): `cluster_name` and `nodes` come
 * from there. terraform.tfvars.json carries only what the rig plays the cloud for: addresses
 * the tool assigns (public IPs, DHCP), the load balancer, and the failure knobs.
 */

/** The rig's cloud for a 3 + 3 Kakao cluster in 172.16.0.0/24 (workers have public IPs). */
export function kakaoRigVariables(): RigTargetVariables {
  return {
    cluster_name: 'demo',
    nodes: [],
    public_ips: Object.fromEntries(
      [1, 2, 3, 4].map(n => [`demo-worker-${n}`, `203.0.113.${20 + n}`]),
    ),
    api_lb_vip: '172.16.0.200',
    api_lb_public_ip: '203.0.113.10',
    ingress_ip: '172.16.0.201',
  };
}

/** Multipass-like: DHCP addresses by node name, no load balancer. */
export function multipassRigVariables(): RigTargetVariables {
  return {
    cluster_name: 'demo',
    nodes: [],
    dhcp_addresses: Object.fromEntries([
      ...[1, 2, 3].map(n => [`demo-cp-${n}`, `192.168.64.${10 + n}`]),
      ...[1, 2, 3, 4].map(n => [`demo-worker-${n}`, `192.168.64.${20 + n}`]),
    ]),
  };
}

/** Resources of the Kakao rig: network, 6 nodes, API load balancer. */
export const KAKAO_RIG_RESOURCES = 8;

/** What each real target declares without a default (kpaas:provision must pass them). */
const REQUIRED_VARIABLES: Partial<Record<ClusterTargetType, string[]>> = {
  'kakao-cloud': ['application_credential_id', 'application_credential_secret'],
  multipass: ['ssh_public_key'],
};

export interface Rig {
  server: StateServer;
  timeline: ReceivedTimelineEvent[];
  /** Clusters kpaas-backend answers `GET /clusters/:name` for (empty: none registered). */
  registrations: Map<string, Record<string, unknown>>;
  /** Bodies of `PUT /clusters/:name/inventory` (kpaas:provision stores the machines), by cluster. */
  inventories: Map<string, { taskId?: string; nodes: any[] }>;
  /** From now on the inventory route fails with this status (undefined: it works again). */
  failInventory(status: number | undefined): void;
  /** Scratch root of this rig (workspace, mirror, calls log). */
  root: string;
  workspace: string;
  callsFile: string;
  /** The empty provider mirror the action is configured with (nothing can be downloaded). */
  mirrorDir: string;
  /** PATH: the terraform recorder (calls log, then the real binary) first. */
  env: NodeJS.ProcessEnv;
  /**
   * Renders cluster.yaml, and for Terraform targets the rig target into terraform/ with the
   * variables the real target would get (`variables` patches them); `tf` replaces it.
   */
  renderRepo(
    target: ClusterTargetType,
    options?: {
      repo?: string;
      tf?: string;
      variables?: Partial<RigTargetVariables>;
    },
  ): string;
  /** Rewrites terraform.tfvars.json of a rendered repo: `patch` over the target's defaults. */
  setVariables(patch: Partial<RigTargetVariables>, repo?: string): void;
  /** Calls of terraform so far (argv, pid, names of TF_* variables). */
  calls(): ReturnType<typeof readTerraformCalls>;
  action(overrides?: {
    env?: NodeJS.ProcessEnv;
    stopGraceMs?: number;
    /** Decides the initiator's kpaas permissions (default: allow). */
    permissions?: PermissionsService;
    /** `kpaas.terraform` (default: providerMirror.filesystem = mirrorDir and a plugin cache). */
    terraform?: JsonObject;
    /** `kpaas.actions.environment.passthrough` */
    passthrough?: string[];
  }): ReturnType<typeof createProvisionAction>;
  context(
    input: Record<string, unknown>,
    extra?: {
      signal?: AbortSignal;
      isDryRun?: boolean;
      secrets?: Record<string, string>;
      /** The task's checkpoint store, kept across runs like a retried task's. */
      checkpoints?: Map<string, unknown>;
    },
  ): any;
  logText(ctx: any): string;
  close(): Promise<void>;
}

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

export async function startRig(
  options: { timelineFailStatus?: number } = {},
): Promise<Rig> {
  const timeline: ReceivedTimelineEvent[] = [];
  const registrations = new Map<string, Record<string, unknown>>();
  const server = await startStateServer(await databases.init('SQLITE_3'), {
    timeline: { events: timeline, failWithStatus: options.timelineFailStatus },
    registrations,
  });
  // a recording stand-in of kpaas-backend's inventory route (the real one is in its router)
  const inventories = new Map<string, { taskId?: string; nodes: any[] }>();
  let inventoryFailStatus: number | undefined;
  server.app.get('/clusters/:name/inventory', (req, res) => {
    const stored = inventories.get(req.params.name);
    if (!stored) {
      res
        .status(404)
        .json({ error: { name: 'NotFoundError', message: 'none' } });
      return;
    }
    res.json({
      cluster: req.params.name,
      ...stored,
      updatedAt: new Date().toISOString(),
    });
  });
  server.app.put('/clusters/:name/inventory', async (req, res) => {
    if (inventoryFailStatus) {
      res.status(inventoryFailStatus).json({ error: { message: 'down' } });
      return;
    }
    let body = req.body;
    if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) {
      let text = '';
      for await (const chunk of req) text += chunk;
      body = JSON.parse(text);
    }
    inventories.set(req.params.name, body);
    res.json({
      cluster: req.params.name,
      ...body,
      updatedAt: new Date().toISOString(),
    });
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-provision-test-'));
  const resolve = (p: string) => path.join(root, p);
  const workspace = resolve('workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const callsFile = resolve('calls/terraform-calls.jsonl');
  const mirrorDir = resolve('provider-mirror');
  fs.mkdirSync(mirrorDir);
  const binDir = resolve('bin');
  if (realTerraform.available) {
    writeTerraformRecorder(binDir, realTerraform.path, callsFile);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: [binDir, process.env.PATH].join(path.delimiter),
  };
  const discovery = {
    getBaseUrl: async () => server.baseUrl,
    getExternalBaseUrl: async () => server.baseUrl,
  };
  const auth = mockServices.auth({ pluginId: 'scaffolder' });
  const targets = new Map<string, ClusterTargetType>();

  const rig: Rig = {
    server,
    timeline,
    registrations,
    inventories,
    failInventory(status) {
      inventoryFailStatus = status;
    },
    root,
    workspace,
    callsFile,
    mirrorDir,
    env,
    renderRepo(target, opts = {}) {
      const repo = path.join(workspace, opts.repo ?? '.');
      fs.mkdirSync(repo, { recursive: true });
      const spec = defaultClusterSpec('demo', target, {
        owner: 'group:default/platform',
      });
      fs.writeFileSync(path.join(repo, 'cluster.yaml'), yaml.stringify(spec));
      if (target === 'kakao-cloud' || target === 'multipass') {
        targets.set(opts.repo ?? '.', target);
        const tfDir = path.join(repo, 'terraform');
        if (opts.tf !== undefined) {
          fs.mkdirSync(tfDir, { recursive: true });
          fs.writeFileSync(path.join(tfDir, 'main.tf'), opts.tf);
        } else {
          rig.setVariables(opts.variables ?? {}, opts.repo);
        }
      }
      return repo;
    },
    setVariables(patch, repo = '.') {
      const target = targets.get(repo) ?? 'kakao-cloud';
      writeRigTarget(path.join(workspace, repo, 'terraform'), {
        variables: {
          ...(target === 'kakao-cloud'
            ? kakaoRigVariables()
            : multipassRigVariables()),
          ...patch,
        },
        requiredVariables: REQUIRED_VARIABLES[target],
      });
    },
    calls: () => readTerraformCalls(callsFile),
    action(overrides = {}) {
      return createProvisionAction({
        discovery,
        auth,
        permissions: overrides.permissions ?? mockServices.permissions(),
        config: new ConfigReader({
          kpaas: {
            terraform: overrides.terraform ?? {
              providerMirror: { filesystem: mirrorDir },
              pluginCacheDir: resolve('plugin-cache'),
            },
            actions: {
              environment: { passthrough: overrides.passthrough ?? [] },
            },
          },
        }),
        env: overrides.env ?? env,
        stopGraceMs: overrides.stopGraceMs ?? 5_000,
      });
    },
    context(input, extra = {}) {
      const ctx = createMockActionContext({
        input: input as any,
        workspacePath: workspace,
        secrets: extra.secrets ?? { ...CANARY },
        logger: mockServices.logger.mock(),
        task: { id: 'task-1' },
      });
      const store = extra.checkpoints;
      return {
        ...ctx,
        signal: extra.signal,
        isDryRun: extra.isDryRun,
        ...(store
          ? {
              async checkpoint(opts: {
                key: string;
                fn: () => Promise<unknown>;
              }) {
                if (store.has(opts.key)) return store.get(opts.key);
                const value = await opts.fn();
                store.set(opts.key, value);
                return value;
              },
            }
          : {}),
      };
    },
    logText(ctx) {
      const logger = ctx.logger as any;
      return ['info', 'warn', 'error', 'debug']
        .flatMap(level =>
          (logger[level].mock.calls as unknown[][]).map(args =>
            args.map(String).join(' '),
          ),
        )
        .join('\n');
    },
    async close() {
      await server.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Every file under dir, recursively (contents as text). */
export function readTree(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...readTree(full));
    else if (entry.isFile())
      out.push({ file: full, text: fs.readFileSync(full, 'latin1') });
  }
  return out;
}
