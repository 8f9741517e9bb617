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
  readTerraformCalls,
  terraformStandInEnv,
  TerraformFixture,
  writeTerraformFixture,
} from '@internal/kpaas-testkit';
// Test-only: the real state router of kpaas-backend (not exported from its package entry).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  ReceivedTimelineEvent,
  startStateServer,
  StateServer,
} from '../../../../kpaas-backend/src/state/__testUtils__/stateServer';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { createProvisionAction } from '../../actions/provision';

/*
 * Shared rig of the kpaas:provision tests: a workspace with a rendered cluster repo, the
 * terraform stand-in first on PATH, and kpaas-backend's real state router (SQLite) plus a
 * recording timeline route on 127.0.0.1.
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

export const TF_MAIN = `terraform {
  required_version = ">= 1.6"
  backend "http" {}
}

variable "application_credential_id" {
  type      = string
  sensitive = true
}
variable "application_credential_secret" {
  type      = string
  sensitive = true
}
`;

export const TF_MAIN_MULTIPASS = `terraform {
  backend "http" {}
}
`;

/** Terraform outputs following the kpaas contract for a 3 + 3 cluster in 172.16.0.0/24. */
export function kakaoOutputs(): TerraformFixture['outputs'] {
  const nodes = [
    ...[1, 2, 3].map(n => ({
      name: `demo-cp-${n}`,
      role: 'control-plane',
      private_ip: `172.16.0.${100 + n}`,
      public_ip: null,
      ssh_port: 22,
    })),
    ...[1, 2, 3].map(n => ({
      name: `demo-worker-${n}`,
      role: 'worker',
      private_ip: `172.16.0.${110 + n}`,
      public_ip: `203.0.113.${20 + n}`,
      ssh_port: 22,
    })),
  ];
  return {
    nodes: { value: nodes },
    api_lb_vip: { value: '172.16.0.200' },
    api_lb_public_ip: { value: '203.0.113.10' },
    ingress_ip: { value: '172.16.0.201' },
  };
}

export function kakaoResources(): NonNullable<TerraformFixture['resources']> {
  return [
    { address: 'openstack_networking_network_v2.vpc' },
    { address: 'openstack_networking_subnet_v2.nodes' },
    ...[0, 1, 2].map(i => ({
      address: `openstack_compute_instance_v2.control_plane[${i}]`,
    })),
    ...[0, 1, 2].map(i => ({
      address: `openstack_compute_instance_v2.worker[${i}]`,
    })),
    { address: 'openstack_lb_loadbalancer_v2.api' },
  ];
}

export interface Rig {
  server: StateServer;
  timeline: ReceivedTimelineEvent[];
  /** Clusters kpaas-backend answers `GET /clusters/:name` for (empty: none registered). */
  registrations: Map<string, Record<string, unknown>>;
  /** Scratch root of this rig (workspace, fixtures, calls log). */
  root: string;
  workspace: string;
  callsFile: string;
  env: NodeJS.ProcessEnv;
  /** Renders cluster.yaml (+ terraform/main.tf and fixture for Terraform targets). */
  renderRepo(
    target: ClusterTargetType,
    options?: { fixture?: TerraformFixture; repo?: string; tf?: string },
  ): string;
  setFixture(fixture: TerraformFixture, repo?: string): void;
  calls(): ReturnType<typeof readTerraformCalls>;
  action(overrides?: {
    env?: NodeJS.ProcessEnv;
    stopGraceMs?: number;
    /** Decides the initiator's kpaas permissions (default: allow). */
    permissions?: PermissionsService;
  }): ReturnType<typeof createProvisionAction>;
  context(
    input: Record<string, unknown>,
    extra?: {
      signal?: AbortSignal;
      isDryRun?: boolean;
      secrets?: Record<string, string>;
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
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-provision-test-'));
  const resolve = (p: string) => path.join(root, p);
  const workspace = resolve('workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const callsFile = resolve('calls/terraform-calls.jsonl');
  fs.mkdirSync(path.dirname(callsFile), { recursive: true });
  const env = terraformStandInEnv({ KPAAS_TF_CALLS: callsFile });
  const discovery = {
    getBaseUrl: async () => server.baseUrl,
    getExternalBaseUrl: async () => server.baseUrl,
  };
  const auth = mockServices.auth({ pluginId: 'scaffolder' });

  const rig: Rig = {
    server,
    timeline,
    registrations,
    root,
    workspace,
    callsFile,
    env,
    renderRepo(target, opts = {}) {
      const repo = path.join(workspace, opts.repo ?? '.');
      fs.mkdirSync(repo, { recursive: true });
      const spec = defaultClusterSpec('demo', target, {
        owner: 'group:default/platform',
      });
      fs.writeFileSync(path.join(repo, 'cluster.yaml'), yaml.stringify(spec));
      if (target === 'kakao-cloud' || target === 'multipass') {
        const tfDir = path.join(repo, 'terraform');
        fs.mkdirSync(tfDir, { recursive: true });
        fs.writeFileSync(
          path.join(tfDir, 'main.tf'),
          opts.tf ?? (target === 'kakao-cloud' ? TF_MAIN : TF_MAIN_MULTIPASS),
        );
        if (opts.fixture) rig.setFixture(opts.fixture, opts.repo);
      }
      return repo;
    },
    setFixture(fixture, repo = '.') {
      // Outside the workspace, so workspace scans only see what the action wrote.
      const file = resolve(`fixtures/${repo.replace(/[^a-z0-9]/gi, '_')}.json`);
      writeTerraformFixture(file, fixture);
      env.KPAAS_TF_FIXTURE = file;
    },
    calls: () => readTerraformCalls(callsFile),
    action(overrides = {}) {
      return createProvisionAction({
        discovery,
        auth,
        permissions: overrides.permissions ?? mockServices.permissions(),
        // the stand-in's fixture and call log reach it like any configured extra variable
        config: new ConfigReader({
          kpaas: {
            actions: {
              environment: {
                passthrough: ['KPAAS_TF_CALLS', 'KPAAS_TF_FIXTURE'],
              },
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
      return { ...ctx, signal: extra.signal, isDryRun: extra.isDryRun };
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
