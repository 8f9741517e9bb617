import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import { describeOnDatabases } from './__testUtils__/databases';
import { startStateServer, StateServer } from './__testUtils__/stateServer';

/*
 * The state router with the real `terraform` CLI as its client (built-in resources only, so it
 * runs offline): applies keep one lineage and rising serials, the document is encrypted at
 * rest, the lock is released, and a forced push of another lineage is refused.
 */

jest.setTimeout(180_000);

const CANARY = '-----BEGIN RSA PRIVATE KEY-----real-terraform-canary';
const PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

/** Why the real-terraform test is skipped, or undefined when `terraform` >= 1.11 runs. */
function terraformUnavailable(): string | undefined {
  try {
    const out = execFileSync('terraform', ['version', '-json'], {
      encoding: 'utf8',
      env: { PATH, CHECKPOINT_DISABLE: '1' },
      timeout: 30_000,
    });
    const version: string = JSON.parse(out).terraform_version;
    const [major, minor] = version.split('.').map(Number);
    return major > 1 || (major === 1 && minor >= 11)
      ? undefined
      : `terraform ${version} is older than 1.11`;
  } catch (e) {
    return `no terraform on PATH (${e})`;
  }
}

function terraform(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, {
      cwd,
      env: {
        PATH,
        HOME: cwd,
        CHECKPOINT_DISABLE: '1',
        TF_IN_AUTOMATION: '1',
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', c => (output += c));
    child.stderr.on('data', c => (output += c));
    child.on('error', reject);
    child.on('close', code => resolve({ code: code ?? -1, output }));
  });
}

const unavailable = terraformUnavailable();
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the real terraform state test: ${unavailable}`);
}

function tests(getKnex: () => Promise<Knex>) {
  let server: StateServer;
  let knex: Knex;
  let dir: string;

  beforeEach(async () => {
    knex = await getKnex();
    server = await startStateServer(knex);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-real-tf-state-'));
    fs.writeFileSync(
      path.join(dir, 'main.tf'),
      `terraform {
  backend "http" {}
}
variable "nodes" {
  type    = number
  default = 1
}
resource "terraform_data" "node" {
  count = var.nodes
  input = "node-\${count.index}"
}
resource "terraform_data" "key" {
  input = "${CANARY}"
}
`,
    );
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  (unavailable ? it.skip : it)(
    'applies twice with one lineage, stores encrypted, refuses a forced push of another lineage',
    async () => {
      const cred = await server.issueCredential('demo');
      const address = server.stateUrl('demo');
      const env = {
        TF_HTTP_ADDRESS: address,
        TF_HTTP_LOCK_ADDRESS: `${address}/lock`,
        TF_HTTP_UNLOCK_ADDRESS: `${address}/lock`,
        TF_HTTP_USERNAME: cred.username,
        TF_HTTP_PASSWORD: cred.password,
        TF_HTTP_RETRY_MAX: '0',
      };
      const run = (args: string[]) => terraform(dir, args, env);
      const init = await run(['init', '-input=false']);
      expect(init.output).toContain('Terraform has been successfully');
      for (const nodes of [1, 2]) {
        const apply = await run([
          'apply',
          '-input=false',
          '-auto-approve',
          `-var=nodes=${nodes}`,
        ]);
        expect({ code: apply.code, output: apply.output }).toMatchObject({
          code: 0,
        });
      }

      const versions = await request(server.app)
        .get('/clusters/demo/terraform/state/versions')
        .set('Authorization', mockCredentials.user.header());
      const items = versions.body.items as Array<{
        serial: number;
        lineage: string;
        resources: number;
      }>;
      expect(items.length).toBeGreaterThanOrEqual(2);
      expect(new Set(items.map(v => v.lineage)).size).toBe(1);
      expect(items[0].resources).toBe(3);
      expect(items[0].serial).toBeGreaterThan(items[items.length - 1].serial);
      expect(versions.body.lock).toBeUndefined();
      const raw = await knex('kpaas_terraform_state').select('state');
      for (const row of raw) expect(row.state).not.toContain('real-terraform');

      // A document of another lineage, pushed with -force: Terraform sends it, kpaas refuses.
      const pulled = await run(['state', 'pull']);
      expect(pulled.code).toBe(0);
      const foreign = JSON.parse(pulled.output);
      foreign.lineage = '00000000-0000-0000-0000-000000000000';
      foreign.serial += 10;
      fs.writeFileSync(
        path.join(dir, 'foreign.tfstate'),
        JSON.stringify(foreign),
      );
      const push = await run(['state', 'push', '-force', 'foreign.tfstate']);
      expect(push.code).not.toBe(0);
      expect(push.output).toContain('409');
      const after = await run(['state', 'pull']);
      expect(JSON.parse(after.output).lineage).toBe(items[0].lineage);
      // The lock of the refused push was released.
      const plan = await run([
        'plan',
        '-input=false',
        '-detailed-exitcode',
        '-var=nodes=2',
      ]);
      expect({ code: plan.code, output: plan.output }).toMatchObject({
        code: 0,
      });
    },
  );
}

describeOnDatabases('Terraform state with the real terraform CLI', tests);
