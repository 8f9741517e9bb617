import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  canaryValues,
  describeRealTerraform,
  KAKAO_RIG_RESOURCES,
  readTree,
  Rig,
  startRig,
} from '../provision/__testUtils__/provisionRig';
import { startRefusingMirror } from '../provision/__testUtils__/refusingMirror';
import { TERRAFORM_VARIABLES_FILE } from '@internal/plugin-kpaas-common';

jest.setTimeout(120_000);

async function stateVersions(rig: Rig) {
  const res = await fetch(`${rig.server.stateUrl('demo')}/versions`, {
    headers: { Authorization: mockCredentials.user.header() },
  });
  return res.json();
}

function outputsOf(ctx: any): Record<string, any> {
  return Object.fromEntries(
    (ctx.output.mock.calls as [string, unknown][]).map(([k, v]) => [k, v]),
  );
}

function expectNoCanary(rig: Rig, ctx: any) {
  const log = rig.logText(ctx);
  const outputs = JSON.stringify(outputsOf(ctx));
  const files = readTree(rig.workspace);
  const calls = fs.existsSync(rig.callsFile)
    ? fs.readFileSync(rig.callsFile, 'utf8')
    : '';
  for (const canary of canaryValues) {
    expect(log).not.toContain(canary);
    expect(outputs).not.toContain(canary);
    expect(calls).not.toContain(canary);
    for (const f of files) {
      if (f.text.includes(canary)) throw new Error(`${f.file} holds a secret`);
    }
  }
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the run to fail');
    },
    e => e as Error,
  );
}

/** Resolves when `ctx`'s info log gets a line matching `pattern`. */
function onLogLine(ctx: any, pattern: RegExp): Promise<void> {
  return new Promise(resolve => {
    (ctx.logger.info as jest.Mock).mockImplementation((line: string) => {
      if (pattern.test(String(line))) resolve();
    });
  });
}

/** Sets spec.workers.count in the rig repo's cluster.yaml, as a person editing it would. */
function setWorkers(rig: Rig, count: number, repo = '.') {
  const file = path.join(rig.workspace, repo, 'cluster.yaml');
  const doc = yaml.parseDocument(fs.readFileSync(file, 'utf8'));
  doc.setIn(['spec', 'workers', 'count'], count);
  fs.writeFileSync(file, doc.toString());
}

const NODE_NAMES = [
  'demo-cp-1',
  'demo-cp-2',
  'demo-cp-3',
  'demo-worker-1',
  'demo-worker-2',
  'demo-worker-3',
];

describeRealTerraform('kpaas:provision', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  describe('kakao-cloud', () => {
    it('plan: init + plan + show, summary to log and output, no apply, credentials only in the environment, providers only from the configured mirror', async () => {
      rig.renderRepo('kakao-cloud');
      const ctx = rig.context({ mode: 'plan' });
      await rig.action().handler(ctx);

      const subcommands = rig.calls().map(c => c.subcommand);
      expect(subcommands).toEqual(['init', 'plan', 'show', 'output']);
      const plan = rig.calls()[1];
      // required.tf declares them without a default, as the Kakao target does: the real
      // terraform would have failed without them
      expect(plan.tfVarNames).toEqual([
        'TF_VAR_application_credential_id',
        'TF_VAR_application_credential_secret',
      ]);
      expect(plan.tfEnvNames).toEqual(
        expect.arrayContaining([
          'TF_HTTP_ADDRESS',
          'TF_HTTP_USERNAME',
          'TF_HTTP_PASSWORD',
          'TF_CLI_CONFIG_FILE',
          'TF_PLUGIN_CACHE_DIR',
        ]),
      );
      expect(plan.cwd).toBe(path.join(rig.workspace, 'terraform'));

      const out = outputsOf(ctx);
      expect(out.clusterName).toBe('demo');
      expect(out.target).toBe('kakao-cloud');
      expect(out.planSummary).toMatchObject({
        add: KAKAO_RIG_RESOURCES,
        change: 0,
        destroy: 0,
      });
      expect(out.planSummary.resources).toContainEqual({
        address: 'terraform_data.node["demo-cp-1"]',
        action: 'create',
      });
      // Nothing applied: the inventory is the planned one.
      expect(out.inventory.map((n: any) => n.name)).toEqual(NODE_NAMES);
      const log = rig.logText(ctx);
      expect(log).toContain(
        `Plan: ${KAKAO_RIG_RESOURCES} to add, 0 to change, 0 to destroy.`,
      );
      expect(log).toMatch(/==> \[plan\] terraform plan/);
      expect(log).toMatch(/<== \[init\] done in /);
      expect(log).toContain('Successfully configured the backend "http"');
      expect(rig.timeline.map(e => e.body.step)).toEqual([
        'state',
        'init',
        'plan',
        'outputs',
      ]);
      expect(rig.timeline[0].authorization).toMatch(/^Bearer /);
      expect(rig.timeline[2].body).toMatchObject({
        phase: 'provision',
        status: 'succeeded',
        taskId: 'task-1',
      });
      // plan takes and releases the lock but writes no state
      const versions = await stateVersions(rig);
      expect(versions.items).toEqual([]);
      expect(versions.lock).toBeUndefined();
      expectNoCanary(rig, ctx);
    });

    it('apply: the state (serial, lineage, versions) in kpaas-backend, outputs parsed; a re-run is a no-op plan; destroy applies the reviewed destroy plan', async () => {
      rig.renderRepo('kakao-cloud');
      const ctx = rig.context({ mode: 'apply' });
      await rig.action().handler(ctx);

      expect(rig.calls().map(c => c.subcommand)).toEqual([
        'init',
        'plan',
        'show',
        'apply',
        'output',
      ]);
      const out = outputsOf(ctx);
      expect(out.inventory).toHaveLength(6);
      expect(out.inventory[0]).toEqual({
        name: 'demo-cp-1',
        role: 'control-plane',
        address: '172.16.0.101',
        privateAddress: '172.16.0.101',
        publicAddress: undefined,
        port: 22,
      });
      expect(out.inventory[3]).toMatchObject({
        name: 'demo-worker-1',
        address: '172.16.0.111',
        publicAddress: '203.0.113.21',
      });
      expect(out.endpoints).toEqual({
        apiServerUrl: 'https://172.16.0.200:6443',
        apiVip: '172.16.0.200',
        apiPublicAddress: '203.0.113.10',
        ingressAddress: '172.16.0.201',
      });
      // the machines' one home: kpaas-backend, where bootstrap and addons read them
      expect(rig.inventories.get('demo')).toEqual({
        taskId: 'task-1',
        nodes: out.inventory,
      });
      const applied = await stateVersions(rig);
      expect(applied.items[0].resources).toBe(KAKAO_RIG_RESOURCES);
      expect(applied.items[0].lineage).toMatch(/^[0-9a-f-]{36}$/);
      expect(applied.lock).toBeUndefined();
      expect(rig.timeline.map(e => e.body.step)).toEqual([
        'state',
        'init',
        'plan',
        'apply',
        'outputs',
      ]);
      const leftovers = fs.readdirSync(path.join(rig.workspace, 'terraform'));
      expect(leftovers).not.toContain('.terraform');
      expect(leftovers).not.toContain('terraform.tfstate');
      expectNoCanary(rig, ctx);

      const rerun = rig.context({ mode: 'apply' });
      await rig.action().handler(rerun);
      expect(outputsOf(rerun).planSummary).toEqual({
        add: 0,
        change: 0,
        destroy: 0,
        resources: [],
      });
      expect(rig.logText(rerun)).toContain('No changes: nothing to apply');
      expect(rig.calls().filter(c => c.subcommand === 'apply')).toHaveLength(1);
      expect(outputsOf(rerun).inventory).toEqual(out.inventory);

      // sshAddress public picks the public IPs where there are some
      const publicCtx = rig.context({ mode: 'plan', sshAddress: 'public' });
      await rig.action().handler(publicCtx);
      expect(outputsOf(publicCtx).inventory[3].address).toBe('203.0.113.21');
      expect(outputsOf(publicCtx).inventory[0].address).toBe('172.16.0.101');

      // a worker more in cluster.yaml: one resource added, the state moves on in the same lineage
      setWorkers(rig, 4);
      const grow = rig.context({ mode: 'apply' });
      await rig.action().handler(grow);
      expect(outputsOf(grow).planSummary).toMatchObject({ add: 1, destroy: 0 });
      const grown = await stateVersions(rig);
      expect(grown.items[0].resources).toBe(KAKAO_RIG_RESOURCES + 1);
      expect(grown.items[0].lineage).toBe(applied.items[0].lineage);
      expect(grown.items[0].serial).toBeGreaterThan(applied.items[0].serial);
      expect(grown.items[0].version).toBeGreaterThan(applied.items[0].version);

      // destroy: the reviewed destroy plan is applied
      const destroy = rig.context({ mode: 'destroy' });
      await rig.action().handler(destroy);
      expect(outputsOf(destroy).planSummary).toMatchObject({
        add: 0,
        destroy: KAKAO_RIG_RESOURCES + 1,
      });
      expect(outputsOf(destroy).inventory).toEqual([]);
      const last = rig
        .calls()
        .slice(-4)
        .map(c => [c.subcommand, c.argv.includes('-destroy')]);
      expect(last).toEqual([
        ['init', false],
        ['plan', true],
        ['show', false],
        ['apply', false],
      ]);
      const destroyed = await stateVersions(rig);
      expect(destroyed.items[0].resources).toBe(0);
      expect(destroyed.items[0].lineage).toBe(applied.items[0].lineage);
      expect(destroyed.lock).toBeUndefined();
    });

    it('scale up by editing cluster.yaml: 3 → 4 workers plans "1 to add, 0 to change, 0 to destroy", applies, outputs 4 workers; a lowered count is refused with the field before terraform runs', async () => {
      rig.renderRepo('kakao-cloud');
      await rig.action().handler(rig.context({ mode: 'apply' }));
      const tfvars = path.join(
        rig.workspace,
        'terraform',
        TERRAFORM_VARIABLES_FILE,
      );
      const variables = () => JSON.parse(fs.readFileSync(tfvars, 'utf8'));
      expect(variables().nodes).toHaveLength(6);
      // a hand edit of the derived file is no input: it is rewritten from cluster.yaml
      fs.writeFileSync(tfvars, '{"cluster_name": "other", "nodes": []}');

      setWorkers(rig, 4);
      const plan = rig.context({ mode: 'plan' });
      await rig.action().handler(plan);
      expect(outputsOf(plan).planSummary).toEqual({
        add: 1,
        change: 0,
        destroy: 0,
        resources: [
          { address: 'terraform_data.node["demo-worker-4"]', action: 'create' },
        ],
      });
      expect(rig.logText(plan)).toContain(
        'Plan: 1 to add, 0 to change, 0 to destroy.',
      );
      expect(outputsOf(plan).summary).toContain(
        '**Terraform plan:** 1 to add, 0 to change, 0 to destroy.',
      );
      expect(variables().nodes.at(-1)).toEqual({
        name: 'demo-worker-4',
        role: 'worker',
        private_ip: '172.16.0.114',
      });

      const apply = rig.context({ mode: 'apply' });
      await rig.action().handler(apply);
      expect(outputsOf(apply).planSummary).toMatchObject({
        add: 1,
        change: 0,
        destroy: 0,
      });
      expect(
        outputsOf(apply)
          .inventory.filter((n: any) => n.role === 'worker')
          .map((n: any) => [n.name, n.address, n.publicAddress]),
      ).toEqual([
        ['demo-worker-1', '172.16.0.111', '203.0.113.21'],
        ['demo-worker-2', '172.16.0.112', '203.0.113.22'],
        ['demo-worker-3', '172.16.0.113', '203.0.113.23'],
        ['demo-worker-4', '172.16.0.114', '203.0.113.24'],
      ]);
      expect(outputsOf(apply).summary).toContain(
        '| demo-worker-4 | worker | 172.16.0.114 |',
      );
      expect(
        rig.inventories.get('demo')!.nodes.map((n: any) => n.name),
      ).toContain('demo-worker-4');

      // lowered by hand while the workers are still in the cluster: apply is refused before
      // terraform runs, naming the field and kpaas:remove-nodes (provision.scaleDown.test.ts)
      setWorkers(rig, 2);
      const callsBefore = rig.calls().length;
      const refused = await failureOf(
        rig.action().handler(rig.context({ mode: 'apply' })),
      );
      expect(refused.name).toBe('InputError');
      expect(refused.message).toMatch(
        /spec\.workers\.count is 2 but the cluster has 4 workers: demo-worker-3, demo-worker-4 are still nodes of the cluster.*Run kpaas:remove-nodes first.*or set spec\.workers\.count back to 4/,
      );
      expect(rig.calls()).toHaveLength(callsBefore);
      expect((await stateVersions(rig)).items[0].resources).toBe(
        KAKAO_RIG_RESOURCES + 1,
      );
    });

    it('fails with the phase and the masked last lines of the error output; a re-run continues from the stored state', async () => {
      rig.renderRepo('kakao-cloud', {
        variables: {
          fail_node: 'demo-worker-1',
          // like a provider error quoting the credential it was given
          failure_message: 'creating instance: quota exceeded for credential',
          failure_quotes_env: 'TF_VAR_application_credential_secret',
        },
      });
      const ctx = rig.context({ mode: 'apply' });
      const failure = await failureOf(rig.action().handler(ctx));
      expect(failure.message).toContain('phase "apply"');
      // Terraform wraps its diagnostics at 78 columns
      expect(failure.message).toMatch(/quota exceeded for\s+credential \*\*\*/);
      expect(failure.message).toContain('Re-run the task to continue');
      expect(failure.message).not.toContain(canaryValues[1]);
      expect(rig.timeline.at(-1)?.body).toMatchObject({
        step: 'apply',
        status: 'failed',
      });
      expectNoCanary(rig, ctx);
      // the network and the six nodes (one of them tainted), not the load balancer on them
      const partial = await stateVersions(rig);
      expect(partial.items[0].resources).toBe(KAKAO_RIG_RESOURCES - 1);
      expect(partial.lock).toBeUndefined();

      rig.setVariables({});
      const rerun = rig.context({ mode: 'apply' });
      await rig.action().handler(rerun);
      expect(outputsOf(rerun).planSummary).toMatchObject({
        add: 2,
        change: 0,
        destroy: 1,
      });
      expect(outputsOf(rerun).planSummary.resources).toEqual([
        { address: 'terraform_data.api_lb[0]', action: 'create' },
        { address: 'terraform_data.node["demo-worker-1"]', action: 'replace' },
      ]);
      expect(outputsOf(rerun).inventory).toHaveLength(6);
      expect((await stateVersions(rig)).items[0].resources).toBe(
        KAKAO_RIG_RESOURCES,
      );
    });

    it('cancellation sends SIGINT: terraform stops, writes its state and releases the lock, and its process group is gone', async () => {
      rig.renderRepo('kakao-cloud', { variables: { create_seconds: 60 } });
      const controller = new AbortController();
      const ctx = rig.context({ mode: 'apply' }, { signal: controller.signal });
      onLogLine(ctx, /terraform_data\.node\[.*Creating\.\.\./).then(() =>
        controller.abort(),
      );
      const failure = await failureOf(rig.action().handler(ctx));
      expect(failure.message).toContain('phase "apply"');
      expect(failure.message).toContain('was cancelled');
      expect(failure.message).not.toContain('Re-run');
      const applyCall = rig.calls().find(c => c.subcommand === 'apply')!;
      expect(() => process.kill(-applyCall.pid, 0)).toThrow(
        expect.objectContaining({ code: 'ESRCH' }),
      );
      const log = rig.logText(ctx);
      expect(log).toContain('sending SIGINT');
      expect(log).toContain('Interrupt received');
      const versions = await stateVersions(rig);
      expect(versions.lock).toBeUndefined();
      // what was created before the interrupt is in the state
      expect(versions.items[0].resources).toBeGreaterThanOrEqual(1);
      // The next run gets the lock and finishes the job.
      rig.setVariables({});
      const rerun = rig.context({ mode: 'apply' });
      await rig.action().handler(rerun);
      expect(outputsOf(rerun).inventory).toHaveLength(6);
      expect((await stateVersions(rig)).items[0].resources).toBe(
        KAKAO_RIG_RESOURCES,
      );
    });

    it('a second run while one holds the state lock fails at plan with the holder; it runs once the lock is released', async () => {
      rig.renderRepo('kakao-cloud', { variables: { create_seconds: 60 } });
      const controller = new AbortController();
      const first = rig.context(
        { mode: 'apply' },
        { signal: controller.signal },
      );
      const creating = onLogLine(first, /Creating\.\.\./);
      const firstRun = failureOf(rig.action().handler(first));
      try {
        await creating;
        const held = (await stateVersions(rig)).lock;
        expect(held).toMatchObject({
          info: {
            Operation: 'OperationTypeApply',
            Version: expect.any(String),
          },
        });

        const second = rig.context({ mode: 'plan' });
        const blocked = await failureOf(rig.action().handler(second));
        expect(blocked.message).toContain('phase "plan"');
        expect(blocked.message).toContain('Error acquiring the state lock');
        // Terraform reads the holder's lock info from the 409 body and names its ID
        expect(blocked.message).toMatch(
          new RegExp(`HTTP remote state already locked:\\s+ID=${held.info.ID}`),
        );
      } finally {
        // never leave the first terraform running, whatever failed above
        controller.abort();
        await firstRun;
      }
      expect((await firstRun).message).toContain('was cancelled');
      expect((await stateVersions(rig)).lock).toBeUndefined();
      await rig.action().handler(rig.context({ mode: 'plan' }));
    });
  });

  describe('provider installation: init failures say what to configure', () => {
    const NEEDS_NULL = `terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "3.2.4"
    }
  }
  backend "http" {}
}

resource "terraform_data" "x" {}
`;

    it('an empty filesystem mirror: "not in the mirror" with how to fill it, no re-run hint', async () => {
      rig.renderRepo('multipass', { tf: NEEDS_NULL });
      const failure = await failureOf(
        rig.action().handler(rig.context({ mode: 'plan' })),
      );
      expect(failure.message).toContain('phase "init"');
      expect(failure.message).toContain(
        `terraform init could not install hashicorp/null: it is not in the filesystem mirror ${rig.mirrorDir} (kpaas.terraform.providerMirror.filesystem)`,
      );
      expect(failure.message).toContain('terraform providers mirror');
      expect(failure.message).not.toMatch(/re-run/i);
      expect(rig.calls().map(c => c.subcommand)).toEqual(['init']);
    });

    it('the registry out of reach: "unreachable", configure a mirror, re-run where the outage passes', async () => {
      rig.renderRepo('multipass', { tf: NEEDS_NULL });
      // The registry's provider API at a closed local port: a refused connection, no network.
      const cliConfig = path.join(rig.root, 'registry-down.tfrc');
      fs.writeFileSync(
        cliConfig,
        'disable_checkpoint = true\nhost "registry.terraform.io" {\n  services = {\n    "providers.v1" = "http://127.0.0.1:9/v1/providers/"\n  }\n}\n',
      );
      const failure = await failureOf(
        rig
          .action({ terraform: { cliConfigFile: cliConfig } })
          .handler(rig.context({ mode: 'plan' })),
      );
      expect(failure.message).toContain(
        'terraform init could not install hashicorp/null: the provider registry (registry.terraform.io) is unreachable',
      );
      expect(failure.message).toContain(
        'kpaas.terraform.providerMirror.filesystem',
      );
      expect(failure.message).toContain('re-run the task once the network');
      expect(failure.message).not.toContain('continue from the stored state');
    });

    it('a mirror package that does not match the lock file: "checksums", how to refill or re-lock', async () => {
      const repo = rig.renderRepo('multipass', { tf: NEEDS_NULL });
      const pkg = path.join(
        rig.mirrorDir,
        'registry.terraform.io/hashicorp/null/3.2.4/linux_amd64',
      );
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(
        path.join(pkg, 'terraform-provider-null_v3.2.4_x5'),
        '#!/bin/sh\nexit 1\n',
        { mode: 0o755 },
      );
      fs.writeFileSync(
        path.join(repo, 'terraform/.terraform.lock.hcl'),
        'provider "registry.terraform.io/hashicorp/null" {\n  version     = "3.2.4"\n  constraints = "3.2.4"\n  hashes = [\n    "h1:L5V05xwp/Gto1leRryuesxjMfgZwjb7oool4WS1UEFQ=",\n  ]\n}\n',
      );
      const failure = await failureOf(
        rig.action().handler(rig.context({ mode: 'plan' })),
      );
      expect(failure.message).toContain(
        'terraform init refused hashicorp/null: the package from the filesystem mirror',
      );
      expect(failure.message).toContain('terraform providers lock');
      expect(failure.message).not.toMatch(/re-run/i);
    });

    it('a network mirror that refuses the credentials: "rejected the credentials", where to put a token', async () => {
      rig.renderRepo('multipass', { tf: NEEDS_NULL });
      const mirror = await startRefusingMirror(rig.root);
      try {
        const failure = await failureOf(
          rig
            .action({
              terraform: { providerMirror: { network: mirror.url } },
              passthrough: ['SSL_CERT_FILE'],
              env: { ...rig.env, SSL_CERT_FILE: mirror.caFile },
            })
            .handler(rig.context({ mode: 'plan' })),
        );
        expect(failure.message).toContain(
          `terraform init could not install hashicorp/null: ${mirror.host} (the network mirror ${mirror.url} (kpaas.terraform.providerMirror.network)) rejected the credentials`,
        );
        expect(failure.message).toContain(`credentials "${mirror.host}"`);
        expect(failure.message).not.toMatch(/re-run/i);
        expect(mirror.requests).toContain(
          '/providers/registry.terraform.io/hashicorp/null/index.json',
        );
      } finally {
        await mirror.close();
      }
    });
  });

  describe('multipass', () => {
    it('apply: DHCP addresses from the outputs, API on the first control plane, no Kakao variables', async () => {
      rig.renderRepo('multipass');
      const ctx = rig.context({ mode: 'apply' });
      await rig.action().handler(ctx);
      const out = outputsOf(ctx);
      expect(out.target).toBe('multipass');
      expect(out.inventory.map((n: any) => n.address)).toEqual([
        '192.168.64.11',
        '192.168.64.12',
        '192.168.64.13',
        '192.168.64.21',
        '192.168.64.22',
        '192.168.64.23',
      ]);
      expect(out.inventory[0].port).toBe(22);
      expect(out.endpoints.apiServerUrl).toBe('https://192.168.64.11:6443');
      expect(out.endpoints.ingressAddress).toBe('192.168.64.201');
      const plan = rig.calls().find(c => c.subcommand === 'plan')!;
      expect(plan.tfVarNames).toEqual(['TF_VAR_ssh_public_key']);
    });

    it('rejects outputs that break the contract with the output named', async () => {
      rig.renderRepo('multipass', {
        tf: `terraform {
  backend "http" {}
}
resource "terraform_data" "vm" {}
output "nodes" {
  value = [{ name = "demo-cp-1", role = "master", private_ip = "1.2.3.4", public_ip = null, ssh_port = 22 }]
}
`,
      });
      await expect(
        rig.action().handler(rig.context({ mode: 'apply' })),
      ).rejects.toThrow(/output nodes\.0\.role/);
    });
  });

  it('with its own (non-kpaas) backend, a lowered count is refused from `terraform output` after init, before any plan', async () => {
    const stateFile = path.join(rig.root, 'own-backend.tfstate');
    rig.renderRepo('multipass', {
      tf: `terraform {
  backend "local" {
    path = ${JSON.stringify(stateFile)}
  }
}
variable "nodes" {
  type = list(object({ name = string, role = string }))
}
resource "terraform_data" "vm" {
  for_each = { for n in var.nodes : n.name => n }
  input    = each.value
}
output "nodes" {
  value = [for n in var.nodes : { name = n.name, role = n.role, private_ip = "192.168.64.\${index(var.nodes, n) + 10}", public_ip = null, ssh_port = 22 }]
}
`,
    });
    const first = rig.context({ mode: 'apply' });
    await rig.action().handler(first);
    expect(outputsOf(first).planSummary).toMatchObject({ add: 6 });
    expect(rig.logText(first)).toContain(
      'Terraform state: the configuration\'s own "local" backend',
    );

    setWorkers(rig, 2);
    const refused = await failureOf(
      rig.action().handler(rig.context({ mode: 'apply' })),
    );
    expect(refused.message).toMatch(
      /spec\.workers\.count is 2 but the cluster has 3 workers: demo-worker-3 are still nodes of the cluster.*Run kpaas:remove-nodes first/,
    );
    expect(rig.calls().map(c => c.subcommand)).toEqual([
      'init',
      'output', // the machines in the state, before the first run's plan: none
      'plan',
      'show',
      'apply',
      'output',
      'init',
      'output', // the refused run stops here: no plan
    ]);
  });

  it('a configuration without a backend block is refused (the state would be lost)', async () => {
    rig.renderRepo('multipass', { tf: 'terraform {}\n' });
    await expect(
      rig.action().handler(rig.context({ mode: 'plan' })),
    ).rejects.toThrow(/has no Terraform backend block/);
    expect(rig.calls()).toEqual([]);
  });

  it('timeline write failures are warnings, not failures', async () => {
    await rig.close();
    rig = await startRig({ timelineFailStatus: 503 });
    rig.renderRepo('kakao-cloud');
    const ctx = rig.context({ mode: 'apply' });
    await rig.action().handler(ctx);
    expect(outputsOf(ctx).inventory).toHaveLength(6);
    expect(rig.logText(ctx)).toContain(
      'could not record "apply" in the kpaas timeline of demo (continuing)',
    );
  });
});

// Nothing below runs terraform: it runs with or without the binary.
describe('kpaas:provision before anything runs', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('requires the Kakao credential secrets before running anything', async () => {
    rig.renderRepo('kakao-cloud');
    const ctx = rig.context({ mode: 'plan' }, { secrets: {} });
    await expect(rig.action().handler(ctx)).rejects.toThrow(
      /kakaoCredentialId and kakaoCredentialSecret/,
    );
    expect(rig.calls()).toEqual([]);
  });

  describe('existing', () => {
    it('plan and apply emit the host list without running anything; destroy is refused', async () => {
      rig.renderRepo('existing');
      for (const mode of ['plan', 'apply']) {
        const ctx = rig.context({ mode });
        await rig.action().handler(ctx);
        const out = outputsOf(ctx);
        expect(out.inventory.map((n: any) => [n.name, n.address])).toEqual([
          ['demo-cp-1', '10.10.0.101'],
          ['demo-worker-1', '10.10.0.111'],
          ['demo-worker-2', '10.10.0.112'],
        ]);
        expect(out.endpoints.apiServerUrl).toBe('https://10.10.0.101:6443');
        expect(out.planSummary).toBeUndefined();
        // only an apply stores the machines in kpaas-backend
        expect(rig.inventories.has('demo')).toBe(mode === 'apply');
      }
      await expect(
        rig.action().handler(rig.context({ mode: 'destroy' })),
      ).rejects.toThrow(/does not destroy machines it did not create/);
      expect(rig.calls()).toEqual([]);
    });
  });

  describe('vagrant', () => {
    it('without vagrant on the PATH fails with the install hint; plan needs no vagrant and reports the machines for review', async () => {
      rig.renderRepo('vagrant');
      fs.writeFileSync(path.join(rig.workspace, 'Vagrantfile'), '# rendered\n');
      await expect(
        rig.action().handler(rig.context({ mode: 'apply' })),
      ).rejects.toThrow(/`vagrant` is not on the PATH.*install Vagrant/);
      const plan = rig.context({ mode: 'plan' });
      await rig.action().handler(plan);
      expect(rig.logText(plan)).toContain('Vagrant has no plan step');
      expect(outputsOf(plan).inventory.map((n: any) => n.address)).toEqual([
        '192.168.100.101',
        '192.168.100.111',
        '192.168.100.112',
        '192.168.100.121',
        '192.168.100.122',
      ]);
      expect(outputsOf(plan).summary).toContain(
        '**Vagrant:** 5 machines with fixed addresses (no plan step).',
      );
      expect(rig.inventories.size).toBe(0);
    });
  });

  it('a re-run of the same task continues where it stopped: vagrant up finished (checkpoint kpaas.provision.v2.vagrant-up.demo) but storing the machines failed; the re-run stores them without running vagrant again', async () => {
    rig.renderRepo('vagrant');
    const vagrantDir = path.join(rig.workspace, 'vagrant');
    fs.mkdirSync(vagrantDir);
    fs.writeFileSync(path.join(vagrantDir, 'Vagrantfile'), '# rendered\n');
    // a vagrant that records its calls and needs vagrant.json where the Vagrantfile reads it
    const bin = path.join(rig.root, 'vagrant-bin');
    const calls = path.join(rig.root, 'vagrant-calls');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'vagrant'),
      `#!/bin/sh\ntest -f vagrant.json || exit 3\necho "$@" >> ${JSON.stringify(
        calls,
      )}\n`,
      { mode: 0o755 },
    );
    const env = { PATH: [bin, rig.env.PATH].join(path.delimiter) };
    const checkpoints = new Map<string, unknown>();

    rig.failInventory(503);
    const first = await failureOf(
      rig
        .action({ env })
        .handler(rig.context({ mode: 'apply' }, { checkpoints })),
    );
    expect(first.message).toMatch(
      /the machines of demo exist, but kpaas-backend did not store them .*re-run the task/,
    );
    expect(fs.readFileSync(calls, 'utf8')).toBe('up\n');
    expect([...checkpoints.keys()]).toEqual([
      'kpaas.provision.v2.vagrant-up.demo',
    ]);
    expect(
      JSON.parse(
        fs.readFileSync(path.join(vagrantDir, 'vagrant.json'), 'utf8'),
      ).nodes.map((n: any) => n.ip),
    ).toEqual([
      '192.168.100.101',
      '192.168.100.111',
      '192.168.100.112',
      '192.168.100.121',
      '192.168.100.122',
    ]);

    rig.failInventory(undefined);
    await rig
      .action({ env })
      .handler(rig.context({ mode: 'apply' }, { checkpoints }));
    expect(fs.readFileSync(calls, 'utf8')).toBe('up\n');
    expect(rig.inventories.get('demo')!.nodes).toHaveLength(5);
  });

  it('newCluster: refuses a name kpaas-backend already has, before anything runs; a retry of the registering task goes on', async () => {
    rig.renderRepo('existing');
    const registration = {
      name: 'demo',
      entityRef: 'resource:default/demo',
      apiServerUrl: 'https://10.10.0.200:6443',
      source: 'registered',
      taskId: 'an-earlier-order',
      createdAt: '2026-11-20T08:00:00.000Z',
      updatedAt: '2026-11-20T08:00:00.000Z',
    };
    // not registered yet: the order goes on
    await rig
      .action()
      .handler(rig.context({ mode: 'apply', newCluster: true }));
    expect(rig.timeline).toHaveLength(1);

    rig.registrations.set('demo', registration);
    for (const mode of ['plan', 'apply']) {
      await expect(
        rig.action().handler(rig.context({ mode, newCluster: true })),
      ).rejects.toThrow(
        /cluster "demo" already exists in kpaas \(registered 2026-11-20T08:00:00.000Z as resource:default\/demo.*choose another cluster name \(spec\.metadata\.name.*kpaas-cluster-apply/,
      );
    }
    expect(rig.timeline).toHaveLength(1); // nothing recorded for the refused runs
    // without newCluster (the apply/repair template) the same cluster is fine
    await rig.action().handler(rig.context({ mode: 'apply' }));
    // a retry of the task that registered it continues
    rig.registrations.set('demo', { ...registration, taskId: 'task-1' });
    await rig
      .action()
      .handler(rig.context({ mode: 'apply', newCluster: true }));
    expect(rig.timeline).toHaveLength(3);
  });

  it('names the invalid field of cluster.yaml before anything runs', async () => {
    rig.renderRepo('kakao-cloud');
    const file = path.join(rig.workspace, 'cluster.yaml');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/count: 3\n/, 'count: 2\n'),
    );
    await expect(
      rig.action().handler(rig.context({ mode: 'apply' })),
    ).rejects.toThrow(
      /cluster\.yaml has 1 problem[\s\S]*spec\.controlPlane\.count/,
    );
    expect(rig.calls()).toEqual([]);
    expect(rig.timeline).toEqual([]);
  });

  it('without terraform or tofu fails with an install hint', async () => {
    rig.renderRepo('kakao-cloud');
    const env = { ...rig.env, PATH: '/nonexistent' };
    await expect(
      rig.action({ env }).handler(rig.context({ mode: 'plan' })),
    ).rejects.toThrow(
      /Neither terraform nor tofu is on the PATH; install Terraform/,
    );
  });

  it('kpaas.terraform is checked when the action is created, naming the key', () => {
    expect(() =>
      rig.action({
        terraform: {
          providerMirror: { filesystem: '/m', network: 'https://m.example/' },
        },
      }),
    ).toThrow(/kpaas\.terraform\.providerMirror needs exactly one of/);
    expect(() =>
      rig.action({
        terraform: { providerMirror: { network: 'http://m.example/' } },
      }),
    ).toThrow(
      /kpaas\.terraform\.providerMirror\.network .* must be an https URL/,
    );
    expect(() =>
      rig.action({
        terraform: {
          cliConfigFile: '/etc/terraformrc',
          providerMirror: { filesystem: '/m' },
        },
      }),
    ).toThrow(
      /cliConfigFile and kpaas\.terraform\.providerMirror are both set/,
    );
    expect(() =>
      rig.action({ terraform: { pluginCacheDir: 'cache' } }),
    ).toThrow(
      /kpaas\.terraform\.pluginCacheDir "cache" must be an absolute path/,
    );
  });

  it('dry run: reports commands, folder and variable names, emits the planned outputs, runs nothing', async () => {
    rig.renderRepo('kakao-cloud');
    const ctx = rig.context({ mode: 'apply' }, { isDryRun: true });
    await rig.action().handler(ctx);
    const log = rig.logText(ctx);
    expect(log).toContain(
      'Would write terraform/cluster.auto.tfvars.json from cluster.yaml and run in terraform:',
    );
    expect(log).toContain('terraform apply -input=false <scratch>/tfplan');
    expect(log).toContain('TF_VAR_application_credential_secret');
    expect(log).toContain('TF_HTTP_PASSWORD');
    expect(rig.calls()).toEqual([]);
    expect(rig.timeline).toEqual([]);
    const out = outputsOf(ctx);
    expect(out.inventory[0]).toMatchObject({
      name: 'demo-cp-1',
      address: '172.16.0.101',
    });
    expect(out.endpoints.apiServerUrl).toBe('https://<assigned at apply>:6443');
    expectNoCanary(rig, ctx);
  });

  it.each([
    {
      target: 'kakao-cloud',
      machines: 6,
      firstAddress: '172.16.0.101',
      summaryLines: [
        'API server: https://<assigned at apply>:6443',
        '**Terraform plan:** not made in a dry run',
      ],
      logLine: `${TERRAFORM_VARIABLES_FILE} would hold:`,
    },
    {
      target: 'multipass',
      machines: 6,
      firstAddress: 'assigned at apply',
      summaryLines: [
        '| demo-cp-1 | control-plane | _assigned at apply_ |',
        '**Terraform plan:** not made in a dry run',
      ],
      logLine: `${TERRAFORM_VARIABLES_FILE} would hold:`,
    },
    {
      target: 'vagrant',
      machines: 5,
      firstAddress: '192.168.100.101',
      summaryLines: ['| demo-lb-2 | lb | 192.168.100.122 |'],
      logLine: 'vagrant.json would hold:',
    },
    {
      target: 'existing',
      machines: 3,
      firstAddress: '10.10.0.101',
      summaryLines: ['| demo-worker-2 | worker | 10.10.0.112 |'],
      logLine: 'Would run nothing: the existing hosts are the inventory.',
    },
  ] as const)(
    'dry run of $target: nothing refused, the planned machines (addresses only the tool knows "assigned at apply") and a summary, nothing written or run',
    async ({ target, machines, firstAddress, summaryLines, logLine }) => {
      rig.renderRepo(target);
      const before = readTree(rig.workspace).map(f => f.file);
      const ctx = rig.context({ mode: 'apply' }, { isDryRun: true });
      await rig.action().handler(ctx);
      const out = outputsOf(ctx);
      expect(out.target).toBe(target);
      expect(out.inventory).toHaveLength(machines);
      expect(out.inventory[0].address).toBe(firstAddress);
      expect(out.summary).toContain(`### Machines of \`demo\` (${target})`);
      for (const line of summaryLines) expect(out.summary).toContain(line);
      expect(rig.logText(ctx)).toContain(logLine);
      expect(readTree(rig.workspace).map(f => f.file)).toEqual(before);
      expect(rig.calls()).toEqual([]);
      expect(rig.timeline).toEqual([]);
      expect(rig.inventories.size).toBe(0);
    },
  );
});
