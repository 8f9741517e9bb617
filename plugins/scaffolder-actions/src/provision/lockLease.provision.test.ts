/*
 * kpaas:provision renews its state lock's lease while Terraform runs (issue 13, "Locks"): the
 * lease end kpaas-backend keeps for the lock moves forward during a long apply, and the lock is
 * released when the run ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { createProvisionAction } from '../actions/provision';
import {
  describeRealTerraform,
  Rig,
  startRig,
} from './__testUtils__/provisionRig';

jest.setTimeout(180_000);

const waitFor = async (
  what: string,
  check: () => boolean | Promise<boolean>,
) => {
  const until = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
};

function mainTf(started: string, release: string): string {
  const node = (name: string, role: string, ip: string) =>
    `{ name = "${name}", role = "${role}", private_ip = "${ip}", public_ip = null, ssh_port = 22 }`;
  return `terraform {
  backend "http" {}
}

# a long apply: runs until the test lets it finish
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "touch ${started}; while [ ! -f ${release} ]; do sleep 0.1; done"
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
  depends_on = [terraform_data.slow]
}
`;
}

describeRealTerraform('kpaas:provision state lock lease', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => rig.close());

  it('renews the lease while terraform apply runs, and the lock is gone afterwards', async () => {
    const started = path.join(rig.root, 'started');
    const release = path.join(rig.root, 'release');
    rig.renderRepo('multipass', { tf: mainTf(started, release) });
    const action = createProvisionAction({
      discovery: {
        getBaseUrl: async () => rig.server.baseUrl,
        getExternalBaseUrl: async () => rig.server.baseUrl,
      },
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      permissions: mockServices.permissions(),
      env: rig.env,
      stopGraceMs: 5_000,
      lockRenewIntervalMs: 50,
    });
    const ctx = rig.context({ mode: 'apply' });
    const run = action.handler(ctx);
    const failed = run.then(
      () => false,
      () => true,
    );

    await waitFor('the apply to start', async () => {
      if (await Promise.race([failed, Promise.resolve(false)])) {
        await run; // surfaces the failure
      }
      return fs.existsSync(started);
    });
    const locks = rig.server.store.locks;
    const first = await locks.get('demo');
    expect(first?.taskId).toBe('task-1');
    await waitFor('the lease to be renewed', async () => {
      const now = await locks.get('demo');
      return Date.parse(now!.expiresAt) > Date.parse(first!.expiresAt);
    });
    expect((await locks.get('demo'))?.lockId).toBe(first?.lockId);

    fs.writeFileSync(release, '');
    await run;
    expect(await locks.getActive('demo')).toBeUndefined();
    expect(rig.logText(ctx)).not.toContain('could not renew');
  });
});
