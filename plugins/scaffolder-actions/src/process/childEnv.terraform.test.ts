/*
 * Regression test of issue 13 finding 1: a cluster repo whose Terraform prints its environment
 * (a terraform_data resource with a local-exec provisioner, run by the real `terraform`
 * binary through kpaas:provision) sees none of the backend's secrets planted in process.env.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findOnPath } from '../provision/tools';
import { Rig, startRig } from '../provision/__testUtils__/provisionRig';

jest.setTimeout(180_000);

/** The real terraform on the PATH (the test kit's stand-in is only on the rig's PATH). */
function realTerraform(): { path?: string; reason?: string } {
  const found = findOnPath('terraform', process.env);
  if (!found) return { reason: 'no terraform on the PATH' };
  try {
    const out = execFileSync(found, ['version', '-json'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, CHECKPOINT_DISABLE: '1' },
      timeout: 30_000,
    });
    JSON.parse(out);
    return { path: found };
  } catch (e) {
    return { reason: `${found} version -json failed: ${e}` };
  }
}

const tf = realTerraform();
const title = tf.path
  ? `kpaas:provision child environment (real terraform at ${tf.path})`
  : `kpaas:provision child environment (SKIPPED: ${tf.reason})`;

const CANARIES: Record<string, string> = {
  BACKEND_SECRET: `canary-backend-${randomBytes(6).toString('hex')}`,
  POSTGRES_PASSWORD: `canary-pg-${randomBytes(6).toString('hex')}`,
  KPAAS_ENCRYPTION_KEY: `canary-key-${randomBytes(6).toString('hex')}`,
  [`KPAAS_CANARY_${randomBytes(4)
    .toString('hex')
    .toUpperCase()}`]: `canary-random-${randomBytes(6).toString('hex')}`,
};

function mainTf(envFile: string): string {
  const node = (name: string, role: string, ip: string) =>
    `{ name = "${name}", role = "${role}", private_ip = "${ip}", public_ip = null, ssh_port = 22 }`;
  return `terraform {
  backend "local" {}
}

# What a hostile cluster repo would do: read the environment it runs with.
resource "terraform_data" "print_env" {
  provisioner "local-exec" {
    command = "env > ${envFile}; env"
  }
}

output "nodes" {
  value = [
    ${node('demo-cp-1', 'control-plane', '192.168.64.11')},
    ${node('demo-cp-2', 'control-plane', '192.168.64.12')},
    ${node('demo-cp-3', 'control-plane', '192.168.64.13')},
    ${node('demo-worker-1', 'worker', '192.168.64.21')},
    ${node('demo-worker-2', 'worker', '192.168.64.22')},
    ${node('demo-worker-3', 'worker', '192.168.64.23')},
  ]
  depends_on = [terraform_data.print_env]
}
`;
}

(tf.path ? describe : describe.skip)(title, () => {
  let rig: Rig;
  beforeAll(async () => {
    for (const [name, value] of Object.entries(CANARIES)) {
      process.env[name] = value;
    }
    rig = await startRig();
  });
  afterAll(async () => {
    for (const name of Object.keys(CANARIES)) delete process.env[name];
    await rig?.close();
  });

  it('Terraform run by the action sees none of the backend’s variables, only the allow-list', async () => {
    const envFile = path.join(rig.root, 'child-env.txt');
    rig.renderRepo('multipass', { tf: mainTf(envFile) });
    const ctx = rig.context({ mode: 'apply' });
    // the backend's own environment, canaries included, is what the action starts from
    await rig.action({ env: process.env }).handler(ctx);

    const childEnv = fs.readFileSync(envFile, 'utf8');
    const names = childEnv
      .split('\n')
      .map(l => l.split('=')[0])
      .filter(Boolean);
    const log = rig.logText(ctx);
    for (const [name, value] of Object.entries(CANARIES)) {
      expect(names).not.toContain(name);
      expect(childEnv).not.toContain(value);
      expect(log).not.toContain(value);
    }
    // the task's Kakao credential is only for the kakao-cloud target's Terraform
    expect(childEnv).not.toContain('TF_VAR_application_credential');
    expect(childEnv).not.toContain(
      rig.context({}).secrets.kakaoCredentialSecret,
    );

    const value = (name: string) =>
      childEnv
        .split('\n')
        .find(l => l.startsWith(`${name}=`))
        ?.slice(name.length + 1);
    expect(value('PATH')).toBe(process.env.PATH);
    expect(value('TF_IN_AUTOMATION')).toBe('1');
    // a per-run HOME and TMPDIR, not the backend's
    expect(value('HOME')).toMatch(/kpaas-provision-[^/]+\/home$/);
    expect(value('TMPDIR')).toMatch(/kpaas-provision-[^/]+\/tmp$/);
    expect(value('HOME')).not.toBe(process.env.HOME);
    // the run's private folder is gone afterwards
    expect(fs.existsSync(path.dirname(value('HOME')!))).toBe(false);
    // what the action set for this run, no more (the test runner's own variables are absent)
    expect(names).not.toContain('JEST_WORKER_ID');
    expect(names).not.toContain('NODE_OPTIONS');
  });
});
