import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  terraformStandInEnv,
  writeTerraformFixture,
} from '@internal/kpaas-testkit';
import { startStateServer, StateServer } from './__testUtils__/stateServer';

/*
 * The state router with Terraform as its client (the testkit stand-in, which implements the
 * http backend client protocol: GET / LOCK / UNLOCK / POST ?ID=, basic auth, Content-MD5).
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

function terraform(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, {
      cwd,
      env: terraformStandInEnv({ TF_IN_AUTOMATION: '1', ...env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    child.on('error', reject);
    child.on('close', code => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('state router with the terraform stand-in as client', () => {
  let server: StateServer;
  let dir: string;

  beforeEach(async () => {
    server = await startStateServer(await databases.init('SQLITE_3'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-tf-state-'));
    fs.writeFileSync(
      path.join(dir, 'main.tf'),
      'terraform {\n  backend "http" {}\n}\n',
    );
    writeTerraformFixture(dir, {
      resources: [
        { address: 'null_resource.node[0]', attributes: { name: 'cp-1' } },
        { address: 'null_resource.node[1]', attributes: { name: 'worker-1' } },
      ],
      outputs: { api_lb_vip: { value: '10.0.0.10' } },
      delays: { apply: 300 },
    });
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const backendEnv = (cred: { username: string; password: string }) => {
    const address = server.stateUrl('demo');
    return {
      TF_HTTP_ADDRESS: address,
      TF_HTTP_LOCK_ADDRESS: `${address}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `${address}/lock`,
      TF_HTTP_USERNAME: cred.username,
      TF_HTTP_PASSWORD: cred.password,
      TF_HTTP_RETRY_MAX: '0',
    };
  };

  it('stores the state of an apply as a version, then plans no changes', async () => {
    const env = backendEnv(await server.issueCredential('demo'));
    expect((await terraform(dir, ['init', '-input=false'], env)).code).toBe(0);
    const apply = await terraform(
      dir,
      ['apply', '-input=false', '-auto-approve'],
      env,
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    const versions = await fetch(`${server.stateUrl('demo')}/versions`, {
      headers: { Authorization: mockCredentials.user.header() },
    }).then(r => r.json());
    expect(versions.items.length).toBeGreaterThanOrEqual(1);
    expect(versions.items[0].resources).toBe(2); // instances of null_resource.node
    expect(versions.lock).toBeUndefined(); // released after the apply

    const plan = await terraform(
      dir,
      ['plan', '-input=false', '-detailed-exitcode'],
      env,
    );
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
    // No local state: everything lives in kpaas-backend.
    expect(fs.existsSync(path.join(dir, 'terraform.tfstate'))).toBe(false);
  });

  it('a second Terraform gets the lock conflict with the holder, then runs after the unlock', async () => {
    const env = backendEnv(await server.issueCredential('demo'));
    expect((await terraform(dir, ['init', '-input=false'], env)).code).toBe(0);
    const holder = await fetch(`${server.stateUrl('demo')}/lock`, {
      method: 'LOCK',
      headers: {
        Authorization: `Basic ${Buffer.from(
          `${env.TF_HTTP_USERNAME}:${env.TF_HTTP_PASSWORD}`,
        ).toString('base64')}`,
      },
      body: JSON.stringify({
        ID: 'held-by-alice',
        Operation: 'OperationTypeApply',
        Who: 'alice@laptop',
        Version: '1.9.8',
        Created: '2026-11-21T09:00:00Z',
        Info: '',
        Path: '',
      }),
    });
    expect(holder.status).toBe(200);

    const blocked = await terraform(
      dir,
      ['apply', '-input=false', '-auto-approve', '-lock-timeout=0s'],
      env,
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('Error acquiring the state lock');
    expect(blocked.stderr).toContain('held-by-alice');
    // (The stand-in prints its own lock info below the message; the holder's ID above comes
    // from our 423 body.)

    const forced = await terraform(
      dir,
      ['force-unlock', '-force', 'held-by-alice'],
      env,
    );
    expect(forced.code).toBe(0);
    const apply = await terraform(
      dir,
      ['apply', '-input=false', '-auto-approve'],
      env,
    );
    expect(apply.code).toBe(0);
  });

  it('fails with a wrong credential (401) and never stores anything', async () => {
    const cred = await server.issueCredential('demo');
    const env = backendEnv({ ...cred, password: 'wrong' });
    const init = await terraform(dir, ['init', '-input=false'], env);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain('requires auth');
    const versions = await fetch(`${server.stateUrl('demo')}/versions`, {
      headers: { Authorization: mockCredentials.user.header() },
    }).then(r => r.json());
    expect(versions.items).toEqual([]);
  });

  it('releases the lock when Terraform is interrupted mid-apply (SIGINT)', async () => {
    const env = backendEnv(await server.issueCredential('demo'));
    writeTerraformFixture(dir, {
      resources: Array.from({ length: 6 }, (_, i) => ({
        address: `null_resource.node[${i}]`,
      })),
      delays: { apply: 1500 },
    });
    expect((await terraform(dir, ['init', '-input=false'], env)).code).toBe(0);
    const child = spawn(
      'terraform',
      ['apply', '-input=false', '-auto-approve'],
      {
        cwd: dir,
        env: terraformStandInEnv(env),
      },
    );
    let out = '';
    child.stdout.on('data', c => (out += c));
    await new Promise<void>(resolve => {
      const t = setInterval(() => {
        if (out.includes('Creating...')) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    const lockedDuring = await fetch(`${server.stateUrl('demo')}/versions`, {
      headers: { Authorization: mockCredentials.user.header() },
    }).then(r => r.json());
    expect(lockedDuring.lock?.info.Operation).toBe('OperationTypeApply');
    child.kill('SIGINT');
    const code = await new Promise(resolve => child.on('close', resolve));
    expect(code).not.toBe(0);
    const after = await fetch(`${server.stateUrl('demo')}/versions`, {
      headers: { Authorization: mockCredentials.user.header() },
    }).then(r => r.json());
    expect(after.lock).toBeUndefined();
  });
});
