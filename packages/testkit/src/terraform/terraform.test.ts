import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  readTerraformCalls,
  terraformStandInDir,
  terraformStandInPath,
  TerraformFixture,
  writeTerraformFixture,
} from './index';

jest.setTimeout(30_000);

// ------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------

type Result = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-tf-standin-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A hermetic environment: stand-in first on PATH, no inherited TF_* / KPAAS_TF_* variables. */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TF_') || k.startsWith('KPAAS_TF_')) continue;
    env[k] = v;
  }
  env.PATH = `${terraformStandInDir}${path.delimiter}${process.env.PATH}`;
  env.TF_IN_AUTOMATION = '1';
  return { ...env, ...extra };
}

class Proc {
  stdout = '';
  stderr = '';
  readonly done: Promise<Result>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', d => (this.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', d => (this.stderr += d));
    this.done = new Promise(resolve =>
      child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }
  async waitForStdout(re: RegExp, timeoutMs = 10_000): Promise<void> {
    const since = Date.now();
    while (!re.test(this.stdout)) {
      if (Date.now() - since > timeoutMs) {
        throw new Error(
          `timed out waiting for ${re}; stdout so far:\n${this.stdout}`,
        );
      }
      await new Promise(r => setTimeout(r, 10));
    }
  }
}

function start(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  // `terraform` is resolved through PATH, as production code would do it.
  const child = spawn('terraform', args, {
    cwd,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc(child);
}

function tf(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Result> {
  return start(args, cwd, env).done;
}

type Req = {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
};

/** Minimal Terraform http backend on 127.0.0.1 (state + LOCK/UNLOCK on /lock). */
class Backend {
  readonly requests: Req[] = [];
  state: string | null = null;
  lock: Record<string, unknown> | null = null;
  private server!: http.Server;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', c => (body += c));
      req.on('end', () => {
        this.requests.push({
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body,
        });
        const u = new URL(req.url!, 'http://127.0.0.1');
        if (u.pathname === '/state' && req.method === 'GET') {
          if (this.state === null) {
            res.writeHead(204).end();
          } else {
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(this.state);
          }
          return;
        }
        if (u.pathname === '/state' && req.method === 'POST') {
          if (this.lock && u.searchParams.get('ID') !== this.lock.ID) {
            res.writeHead(409).end();
            return;
          }
          this.state = body;
          res.writeHead(200).end();
          return;
        }
        if (u.pathname === '/lock' && req.method === 'LOCK') {
          if (this.lock) {
            res
              .writeHead(423, { 'content-type': 'application/json' })
              .end(JSON.stringify(this.lock));
            return;
          }
          this.lock = JSON.parse(body);
          res.writeHead(200).end();
          return;
        }
        if (u.pathname === '/lock' && req.method === 'UNLOCK') {
          if (body) {
            const info = JSON.parse(body);
            if (this.lock && info.ID !== this.lock.ID) {
              res.writeHead(409).end();
              return;
            }
          }
          this.lock = null;
          res.writeHead(200).end();
          return;
        }
        res.writeHead(405).end();
      });
    });
    await new Promise<void>(r => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>(r => this.server.close(() => r()));
  }

  env(): NodeJS.ProcessEnv {
    return {
      TF_HTTP_ADDRESS: `http://127.0.0.1:${this.port}/state`,
      TF_HTTP_LOCK_ADDRESS: `http://127.0.0.1:${this.port}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `http://127.0.0.1:${this.port}/lock`,
      TF_HTTP_USERNAME: 'kpaas',
      TF_HTTP_PASSWORD: 'hunter2',
    };
  }

  methods(): string[] {
    return this.requests.map(
      r => `${r.method} ${new URL(r.url, 'http://x').pathname}`,
    );
  }

  stateJson(): any {
    return this.state === null ? null : JSON.parse(this.state);
  }
}

const HTTP_BACKEND_TF = `terraform {
  backend "http" {}
}

variable "application_credential_id" {
  type      = string
  sensitive = true
}
`;

const FIVE_NODES: TerraformFixture = {
  providers: { 'terraform-provider-openstack/openstack': '2.1.0' },
  resources: [0, 1, 2, 3, 4].map(i => ({
    address: `openstack_compute_instance_v2.node[${i}]`,
    attributes: { name: `node-${i}` },
  })),
  outputs: {
    api_server_url: { value: 'https://10.0.0.10:6443' },
    node_ips: { value: ['10.0.0.1', '10.0.0.2'], type: ['list', 'string'] },
    kubeadm_token: { value: 'abcdef.0123456789abcdef', sensitive: true },
  },
};

// ------------------------------------------------------------------------------------------
// tests
// ------------------------------------------------------------------------------------------

describe('terraform stand-in', () => {
  it('is an executable found through PATH and reports a version', async () => {
    expect(fs.statSync(terraformStandInPath).mode & 0o111).toBeTruthy();
    const dir = tmpDir();
    const human = await tf(['version'], dir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^Terraform v1\.9\.8\non linux_(amd64|arm64)\n/,
    );
    const res = await tf(['-version'], dir);
    expect(res.stdout).toContain('Terraform v1.9.8');
    const json = await tf(['version', '-json'], dir);
    expect(JSON.parse(json.stdout)).toEqual({
      terraform_version: '1.9.8',
      platform: expect.stringMatching(/^linux_/),
      provider_selections: {},
      terraform_outdated: false,
    });
  });

  it('runs init, plan, show -json, apply, output -json with a local state', async () => {
    const dir = tmpDir();
    writeTerraformFixture(dir, FIVE_NODES);

    const init = await tf(['init', '-input=false', '-no-color'], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(
      'Terraform has been successfully initialized!',
    );
    expect(init.stdout).toContain(
      '- Installed terraform-provider-openstack/openstack v2.1.0',
    );
    expect(fs.statSync(path.join(dir, '.terraform')).isDirectory()).toBe(true);
    expect(
      fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8'),
    ).toContain(
      'provider "registry.terraform.io/terraform-provider-openstack/openstack" {\n  version = "2.1.0"',
    );

    const plan = await tf(
      [
        'plan',
        '-input=false',
        '-no-color',
        '-out=tfplan',
        '-detailed-exitcode',
      ],
      dir,
    );
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(
      '  # openstack_compute_instance_v2.node[3] will be created',
    );
    expect(plan.stdout).toMatch(
      /Plan: 5 to add, 0 to change, 0 to destroy\.\n/,
    );
    expect(plan.stdout).toContain('+ kubeadm_token  = (sensitive value)');
    expect(plan.stdout).not.toContain('\x1b[');
    expect(fs.existsSync(path.join(dir, 'tfplan'))).toBe(true);

    const show = await tf(['show', '-json', 'tfplan'], dir);
    expect(show.code).toBe(0);
    const planJson = JSON.parse(show.stdout);
    expect(planJson.format_version).toBe('1.2');
    expect(planJson.resource_changes).toHaveLength(5);
    expect(planJson.resource_changes[1]).toMatchObject({
      address: 'openstack_compute_instance_v2.node[1]',
      mode: 'managed',
      type: 'openstack_compute_instance_v2',
      name: 'node',
      index: 1,
      provider_name:
        'registry.terraform.io/terraform-provider-openstack/openstack',
      change: { actions: ['create'], before: null, after: { name: 'node-1' } },
    });
    expect(planJson.output_changes.api_server_url.actions).toEqual(['create']);

    const apply = await tf(
      ['apply', '-input=false', '-no-color', 'tfplan'],
      dir,
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(
      'openstack_compute_instance_v2.node[0]: Creating...\n',
    );
    expect(apply.stdout).toMatch(
      /openstack_compute_instance_v2\.node\[0\]: Creation complete after 0s \[id=[0-9a-f-]{36}\]\n/,
    );
    expect(apply.stdout).toContain(
      'Apply complete! Resources: 5 added, 0 changed, 0 destroyed.',
    );
    expect(apply.stdout).toContain('kubeadm_token = <sensitive>');

    const state = JSON.parse(
      fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8'),
    );
    expect(state).toMatchObject({
      version: 4,
      serial: 1,
      lineage: expect.any(String),
    });
    expect(state.resources[0].instances).toHaveLength(5);

    const output = await tf(['output', '-json'], dir);
    expect(output.code).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual({
      api_server_url: {
        sensitive: false,
        type: 'string',
        value: 'https://10.0.0.10:6443',
      },
      kubeadm_token: {
        sensitive: true,
        type: 'string',
        value: 'abcdef.0123456789abcdef',
      },
      node_ips: {
        sensitive: false,
        type: ['list', 'string'],
        value: ['10.0.0.1', '10.0.0.2'],
      },
    });
    const raw = await tf(['output', '-raw', 'api_server_url'], dir);
    expect(raw.stdout).toBe('https://10.0.0.10:6443');

    // the saved plan was consumed: applying it again is refused like terraform does
    const again = await tf(
      ['apply', '-input=false', '-no-color', 'tfplan'],
      dir,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error: Saved plan is stale');

    const stored = JSON.parse(
      fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8'),
    );
    expect(
      stored.resources.flatMap((r: any) =>
        r.instances.map((i: any) => `${r.type}.${r.name}[${i.index_key}]`),
      ),
    ).toEqual(
      [0, 1, 2, 3, 4].map(i => `openstack_compute_instance_v2.node[${i}]`),
    );
  });

  it('reports -detailed-exitcode 0/2 and plans "No changes." once the state holds everything', async () => {
    const dir = tmpDir();
    writeTerraformFixture(dir, {
      resources: [{ address: 'null_resource.a' }],
      outputs: { x: { value: 1 } },
    });
    expect((await tf(['init', '-input=false'], dir)).code).toBe(0);
    const first = await tf(
      ['plan', '-input=false', '-no-color', '-detailed-exitcode'],
      dir,
    );
    expect(first.code).toBe(2);
    const applied = await tf(
      ['apply', '-auto-approve', '-input=false', '-no-color'],
      dir,
    );
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      'Plan: 1 to add, 0 to change, 0 to destroy.',
    );
    const second = await tf(
      ['plan', '-input=false', '-no-color', '-detailed-exitcode'],
      dir,
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'No changes. Your infrastructure matches the configuration.',
    );
    expect(second.stdout).toContain(
      'null_resource.a: Refreshing state... [id=',
    );
    const plain = await tf(['plan', '-input=false', '-no-color'], dir);
    expect(plain.code).toBe(0);

    // a changed output alone is a change too
    writeTerraformFixture(dir, {
      resources: [{ address: 'null_resource.a' }],
      outputs: { x: { value: 2 } },
    });
    const outputs = await tf(
      ['plan', '-input=false', '-no-color', '-detailed-exitcode'],
      dir,
    );
    expect(outputs.code).toBe(2);
    expect(outputs.stdout).toContain('~ x = 1 -> 2');

    // an apply with nothing to do writes no new state
    const before = fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8');
    writeTerraformFixture(dir, {
      resources: [{ address: 'null_resource.a' }],
      outputs: { x: { value: 1 } },
    });
    const noop = await tf(
      ['apply', '-auto-approve', '-input=false', '-no-color'],
      dir,
    );
    expect(noop.stdout).toContain(
      'Apply complete! Resources: 0 added, 0 changed, 0 destroyed.',
    );
    expect(fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8')).toBe(
      before,
    );
  });

  it('fails like terraform when a required variable is missing, and records env names only', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'variables.tf'),
      'variable "application_credential_id" {\n  type = string\n}\n',
    );
    writeTerraformFixture(dir, {
      resources: [{ address: 'null_resource.a' }],
      requiredEnv: ['TF_VAR_application_credential_secret'],
    });
    await tf(['init', '-input=false'], dir);
    const missing = await tf(['plan', '-input=false', '-no-color'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: No value for required variable');
    expect(missing.stderr).toContain(
      '  on variables.tf line 1:\n   1: variable "application_credential_id" {',
    );
    expect(missing.stderr).toContain(
      'The root module input variable "application_credential_id" is not set',
    );
    expect(missing.stderr).toContain(
      '"application_credential_secret" is not set',
    );

    // TF_INPUT=0 disables prompting like -input=false; the box format without -no-color
    const boxed = await tf(['plan'], dir, { TF_INPUT: '0' });
    expect(boxed.code).toBe(1);
    expect(boxed.stderr).toContain('No value for required variable');
    expect(boxed.stderr).toContain('╷');

    const ok = await tf(
      [
        'plan',
        '-input=false',
        '-no-color',
        '-var',
        'application_credential_id=abc',
      ],
      dir,
      { TF_VAR_application_credential_secret: 'very-secret' },
    );
    expect(ok.code).toBe(0);
    const calls = readTerraformCalls(dir);
    const last = calls[calls.length - 1];
    expect(last).toMatchObject({
      subcommand: 'plan',
      cwd: dir,
      chdir: null,
      tfVarsPresent: true,
      tfVarNames: ['TF_VAR_application_credential_secret'],
      argv: [
        'plan',
        '-input=false',
        '-no-color',
        '-var',
        'application_credential_id=<redacted>',
      ],
    });
    expect(JSON.stringify(calls)).not.toContain('very-secret');
    expect(JSON.stringify(calls)).not.toContain('abc');
    expect(calls.map(c => c.subcommand)).toEqual([
      'init',
      'plan',
      'plan',
      'plan',
    ]);
  });

  it('honours -chdir, KPAAS_TF_FIXTURE and KPAAS_TF_CALLS', async () => {
    const root = tmpDir();
    const work = path.join(root, 'cluster', 'terraform');
    fs.mkdirSync(work, { recursive: true });
    const fixture = writeTerraformFixture(path.join(root, 'fixture.json'), {
      resources: [
        { address: 'module.net.openstack_networking_network_v2.this' },
      ],
    });
    const calls = path.join(root, 'calls.jsonl');
    const env = { KPAAS_TF_FIXTURE: fixture, KPAAS_TF_CALLS: calls };
    expect(
      (
        await tf(
          ['-chdir=cluster/terraform', 'init', '-input=false'],
          root,
          env,
        )
      ).code,
    ).toBe(0);
    expect(fs.existsSync(path.join(work, '.terraform'))).toBe(true);
    const apply = await tf(
      [
        '-chdir=cluster/terraform',
        'apply',
        '-auto-approve',
        '-input=false',
        '-no-color',
      ],
      root,
      env,
    );
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(
      'module.net.openstack_networking_network_v2.this: Creation complete',
    );
    expect(fs.existsSync(path.join(work, 'terraform.tfstate'))).toBe(true);
    const recorded = readTerraformCalls(calls);
    expect(recorded).toHaveLength(2);
    expect(recorded[1]).toMatchObject({
      cwd: root,
      chdir: work,
      subcommand: 'apply',
    });
    const bad = await tf(['-chdir=nope', 'plan'], root, env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error handling -chdir option');
  });

  describe('with the http backend', () => {
    let backend: Backend;
    beforeEach(async () => {
      backend = new Backend();
      await backend.start();
    });
    afterEach(async () => {
      await backend.stop();
    });

    it('reads state at init, locks around plan and apply, posts state with ?ID=<lock id>', async () => {
      const dir = tmpDir();
      fs.writeFileSync(path.join(dir, 'main.tf'), HTTP_BACKEND_TF);
      writeTerraformFixture(dir, FIVE_NODES);
      const env = { ...backend.env(), TF_VAR_application_credential_id: 'x' };

      const init = await tf(['init', '-input=false', '-no-color'], dir, env);
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(
        'Successfully configured the backend "http"!',
      );
      expect(backend.methods()).toEqual(['GET /state']);
      expect(backend.requests[0].headers.authorization).toBe(
        `Basic ${Buffer.from('kpaas:hunter2').toString('base64')}`,
      );
      const stored = JSON.parse(
        fs.readFileSync(
          path.join(dir, '.terraform', 'terraform.tfstate'),
          'utf8',
        ),
      );
      expect(stored.backend.type).toBe('http');
      expect(JSON.stringify(stored)).not.toContain('hunter2');

      backend.requests.length = 0;
      const plan = await tf(
        ['plan', '-input=false', '-no-color', '-out=tfplan'],
        dir,
        env,
      );
      expect(plan.code).toBe(0);
      expect(backend.methods()).toEqual([
        'LOCK /lock',
        'GET /state',
        'UNLOCK /lock',
      ]);
      const lockBody = JSON.parse(backend.requests[0].body);
      expect(Object.keys(lockBody)).toEqual([
        'ID',
        'Operation',
        'Info',
        'Who',
        'Version',
        'Created',
        'Path',
      ]);
      expect(lockBody).toMatchObject({
        Operation: 'OperationTypePlan',
        Version: '1.9.8',
        Info: '',
        Path: '',
      });
      expect(backend.requests[0].headers['content-type']).toBe(
        'application/json',
      );
      expect(backend.requests[0].headers['content-md5']).toEqual(
        expect.any(String),
      );
      expect(JSON.parse(backend.requests[2].body).ID).toBe(lockBody.ID);
      expect(backend.lock).toBeNull();

      backend.requests.length = 0;
      const apply = await tf(
        ['apply', '-input=false', '-no-color', 'tfplan'],
        dir,
        env,
      );
      expect(apply.code).toBe(0);
      expect(backend.methods()).toEqual([
        'LOCK /lock',
        'GET /state',
        'POST /state',
        'UNLOCK /lock',
      ]);
      const applyLock = JSON.parse(backend.requests[0].body);
      expect(applyLock.Operation).toBe('OperationTypeApply');
      expect(backend.requests[2].url).toBe(`/state?ID=${applyLock.ID}`);
      expect(backend.stateJson()).toMatchObject({
        version: 4,
        terraform_version: '1.9.8',
        serial: 1,
        outputs: { kubeadm_token: { sensitive: true, type: 'string' } },
        resources: [
          {
            mode: 'managed',
            type: 'openstack_compute_instance_v2',
            name: 'node',
            provider:
              'provider["registry.terraform.io/terraform-provider-openstack/openstack"]',
          },
        ],
      });

      backend.requests.length = 0;
      const again = await tf(
        ['plan', '-input=false', '-no-color', '-detailed-exitcode'],
        dir,
        env,
      );
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes.');
      const output = await tf(['output', '-json'], dir, env);
      expect(JSON.parse(output.stdout).api_server_url.value).toBe(
        'https://10.0.0.10:6443',
      );
      // output reads without locking
      expect(backend.methods()).toEqual([
        'LOCK /lock',
        'GET /state',
        'UNLOCK /lock',
        'GET /state',
      ]);

      const destroy = await tf(
        ['destroy', '-auto-approve', '-input=false', '-no-color'],
        dir,
        env,
      );
      expect(destroy.code).toBe(0);
      expect(destroy.stdout).toContain(
        'Destroy complete! Resources: 5 destroyed.',
      );
      expect(backend.stateJson()).toMatchObject({
        serial: 2,
        resources: [],
        outputs: {},
      });
      expect(
        JSON.parse((await tf(['output', '-json'], dir, env)).stdout),
      ).toEqual({});
    });

    it('on SIGTERM during a slow apply: prints the interrupt, persists progress, releases the lock, exits 1', async () => {
      const dir = tmpDir();
      fs.writeFileSync(
        path.join(dir, 'main.tf'),
        'terraform {\n  backend "http" {}\n}\n',
      );
      writeTerraformFixture(dir, {
        resources: [
          { address: 'null_resource.fast', delayMs: 0 },
          { address: 'null_resource.slow' },
          { address: 'null_resource.never' },
        ],
        delays: { apply: 20_000 },
      });
      const env = backend.env();
      expect((await tf(['init', '-input=false'], dir, env)).code).toBe(0);
      backend.requests.length = 0;

      const started = Date.now();
      const proc = start(
        ['apply', '-auto-approve', '-input=false', '-no-color'],
        dir,
        env,
      );
      await proc.waitForStdout(/null_resource\.slow: Creating\.\.\.\n/);
      expect(backend.lock).not.toBeNull();
      proc.child.kill('SIGTERM');
      const res = await proc.done;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(
        'Interrupt received.\nPlease wait for Terraform to exit or data loss may occur.\nGracefully shutting down...',
      );
      expect(res.stdout).toContain('Stopping operation...');
      expect(res.stderr).toContain('Error: execution halted');
      expect(res.stdout).not.toContain('null_resource.never: Creating');
      // lock released, completed resource persisted under the lock
      expect(backend.lock).toBeNull();
      expect(backend.methods()).toEqual([
        'LOCK /lock',
        'GET /state',
        'POST /state',
        'UNLOCK /lock',
      ]);
      expect(backend.stateJson().resources.map((r: any) => r.name)).toEqual([
        'fast',
      ]);
      // and the next plan only wants the rest
      const plan = await tf(['plan', '-input=false', '-no-color'], dir, env);
      expect(plan.stdout).toContain(
        'Plan: 2 to add, 0 to change, 0 to destroy.',
      );
    });

    it('on SIGINT during a slow plan: releases the lock and exits 1', async () => {
      const dir = tmpDir();
      fs.writeFileSync(
        path.join(dir, 'main.tf'),
        'terraform {\n  backend "http" {}\n}\n',
      );
      writeTerraformFixture(dir, {
        resources: [{ address: 'null_resource.a' }],
        delays: { plan: 20_000 },
      });
      const env = backend.env();
      await tf(['init', '-input=false'], dir, env);
      backend.requests.length = 0;
      const proc = start(['plan', '-input=false', '-no-color'], dir, env);
      while (backend.methods().join() !== 'LOCK /lock,GET /state') {
        await new Promise(r => setTimeout(r, 10));
      }
      proc.child.kill('SIGINT');
      const res = await proc.done;
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('Interrupt received.');
      expect(backend.methods()).toEqual([
        'LOCK /lock',
        'GET /state',
        'UNLOCK /lock',
      ]);
      expect(backend.lock).toBeNull();
    });

    it("reports a lock conflict (423 + lock info) with terraform's message and exit code 1", async () => {
      const dir = tmpDir();
      fs.writeFileSync(
        path.join(dir, 'main.tf'),
        'terraform {\n  backend "http" {}\n}\n',
      );
      writeTerraformFixture(dir, {
        resources: [{ address: 'null_resource.a' }],
      });
      const env = backend.env();
      await tf(['init', '-input=false'], dir, env);
      const holder = {
        ID: '11111111-2222-3333-4444-555555555555',
        Operation: 'OperationTypeApply',
        Info: '',
        Who: 'someone@elsewhere',
        Version: '1.9.8',
        Created: '2024-05-01T10:00:00.123456789Z',
        Path: '',
      };
      backend.lock = holder;
      backend.requests.length = 0;
      const res = await tf(
        ['apply', '-auto-approve', '-input=false', '-no-color'],
        dir,
        env,
      );
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('Error: Error acquiring the state lock');
      expect(res.stderr).toContain(
        'Error message: HTTP remote state already locked:',
      );
      expect(res.stderr).toContain(`ID=${holder.ID}`);
      expect(res.stderr).toContain('Lock Info:\n  ID:        ');
      expect(res.stderr).toContain('  Operation: OperationTypeApply\n');
      expect(res.stderr).toContain(
        'Terraform acquires a state lock to protect the state from being written\nby multiple users at the same time.',
      );
      expect(backend.methods()).toEqual(['LOCK /lock']);
      expect(backend.lock).toBe(holder);

      // -lock-timeout retries until the holder goes away
      setTimeout(() => {
        backend.lock = null;
      }, 300);
      const waited = await tf(
        ['plan', '-input=false', '-no-color', '-lock-timeout=10s'],
        dir,
        env,
      );
      expect(waited.code).toBe(0);

      // force-unlock: UNLOCK with terraform 1.9's empty body
      backend.lock = holder;
      backend.requests.length = 0;
      const unlock = await tf(['force-unlock', '-force', holder.ID], dir, env);
      expect(unlock.code).toBe(0);
      expect(unlock.stdout).toContain(
        'Terraform state has been successfully unlocked!',
      );
      expect(backend.methods()).toEqual(['UNLOCK /lock']);
      expect(backend.requests[0].body).toBe('');
      expect(backend.lock).toBeNull();
    });

    it("prints terraform's errors for auth failures and missing init", async () => {
      const dir = tmpDir();
      fs.writeFileSync(
        path.join(dir, 'main.tf'),
        'terraform {\n  backend "http" {}\n}\n',
      );
      writeTerraformFixture(dir, {
        resources: [{ address: 'null_resource.a' }],
      });
      const notInit = await tf(
        ['plan', '-input=false', '-no-color'],
        dir,
        backend.env(),
      );
      expect(notInit.code).toBe(1);
      expect(notInit.stderr).toContain(
        'Error: Backend initialization required, please run "terraform init"',
      );
      expect(backend.requests).toHaveLength(0);

      const noAddress = await tf(['init', '-input=false', '-no-color'], dir);
      expect(noAddress.code).toBe(1);
      expect(noAddress.stderr).toContain('address argument is required');

      const init = await tf(
        [
          'init',
          '-input=false',
          '-no-color',
          `-backend-config=address=http://127.0.0.1:${backend.port}/nope`,
        ],
        dir,
      );
      expect(init.code).toBe(1);
      expect(init.stderr).toContain(
        'Error refreshing state: Unexpected HTTP response code 405',
      );
    });
  });
});
