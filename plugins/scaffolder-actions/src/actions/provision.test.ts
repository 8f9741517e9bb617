import fs from 'node:fs';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  canaryValues,
  kakaoOutputs,
  kakaoResources,
  readTree,
  Rig,
  startRig,
} from '../provision/__testUtils__/provisionRig';

jest.setTimeout(60_000);

const kakaoFixture = (extra: object = {}) => ({
  providers: { 'terraform-provider-openstack/openstack': '2.1.0' },
  resources: kakaoResources(),
  outputs: kakaoOutputs(),
  requiredEnv: [
    'TF_VAR_application_credential_id',
    'TF_VAR_application_credential_secret',
  ],
  ...extra,
});

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

describe('kpaas:provision', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  describe('kakao-cloud', () => {
    it('plan: init + plan + show, summary to log and output, no apply, credentials only in the environment', async () => {
      rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
      const ctx = rig.context({ mode: 'plan' });
      await rig.action().handler(ctx);

      const subcommands = rig.calls().map(c => c.subcommand);
      expect(subcommands).toEqual(['init', 'plan', 'show', 'output']);
      const plan = rig.calls()[1];
      expect(plan.tfVarNames).toEqual(
        expect.arrayContaining([
          'TF_VAR_application_credential_id',
          'TF_VAR_application_credential_secret',
        ]),
      );
      expect(plan.tfEnvNames).toEqual(
        expect.arrayContaining([
          'TF_HTTP_ADDRESS',
          'TF_HTTP_USERNAME',
          'TF_HTTP_PASSWORD',
        ]),
      );
      expect(plan.cwd).toBe(path.join(rig.workspace, 'terraform'));

      const out = outputsOf(ctx);
      expect(out.clusterName).toBe('demo');
      expect(out.target).toBe('kakao-cloud');
      expect(out.planSummary).toMatchObject({ add: 9, change: 0, destroy: 0 });
      expect(out.planSummary.resources).toContainEqual({
        address: 'openstack_compute_instance_v2.control_plane[0]',
        action: 'create',
      });
      // Nothing applied: the inventory is the planned one.
      expect(out.inventory.map((n: any) => n.name)).toEqual([
        'demo-cp-1',
        'demo-cp-2',
        'demo-cp-3',
        'demo-worker-1',
        'demo-worker-2',
        'demo-worker-3',
      ]);
      const log = rig.logText(ctx);
      expect(log).toContain('Plan: 9 to add, 0 to change, 0 to destroy.');
      expect(log).toMatch(/==> \[plan\] terraform plan/);
      expect(log).toMatch(/<== \[init\] done in /);
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
      expect((await stateVersions(rig)).items).toEqual([]);
      expectNoCanary(rig, ctx);
    });

    it('apply: stores the state in kpaas-backend, parses the outputs; a re-run is a no-op plan', async () => {
      rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
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
      const versions = await stateVersions(rig);
      expect(versions.items[0].resources).toBe(9);
      expect(versions.lock).toBeUndefined();
      expect(rig.timeline.map(e => e.body.step)).toEqual([
        'state',
        'init',
        'plan',
        'apply',
        'outputs',
      ]);
      expect(
        fs.existsSync(path.join(rig.workspace, 'terraform/.terraform')),
      ).toBe(false);
      expect(
        fs.existsSync(path.join(rig.workspace, 'terraform/terraform.tfstate')),
      ).toBe(false);
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

      // sshAddress public picks the floating IPs where there are some
      const publicCtx = rig.context({ mode: 'plan', sshAddress: 'public' });
      await rig.action().handler(publicCtx);
      expect(outputsOf(publicCtx).inventory[3].address).toBe('203.0.113.21');
      expect(outputsOf(publicCtx).inventory[0].address).toBe('172.16.0.101');

      // destroy: the reviewed destroy plan is applied
      const destroy = rig.context({ mode: 'destroy' });
      await rig.action().handler(destroy);
      expect(outputsOf(destroy).planSummary).toMatchObject({
        add: 0,
        destroy: 9,
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
      expect((await stateVersions(rig)).items[0].resources).toBe(0);
    });

    it('fails with the phase and the masked last lines of the error output; a re-run continues from the stored state', async () => {
      rig.renderRepo('kakao-cloud', {
        fixture: kakaoFixture({
          fail: {
            apply: {
              afterResources: 4,
              stderr: `Error: creating instance: quota exceeded for credential ${canaryValues[1]}\n\n  with openstack_compute_instance_v2.worker[0]\n`,
              times: 1,
            },
          },
        }),
      });
      const ctx = rig.context({ mode: 'apply' });
      const failure = await rig
        .action()
        .handler(ctx)
        .then(
          () => undefined,
          e => e as Error,
        );
      expect(failure).toBeDefined();
      expect(failure!.message).toContain('phase "apply"');
      expect(failure!.message).toContain('quota exceeded for credential ***');
      expect(failure!.message).toContain('Re-run the task to continue');
      expect(failure!.message).not.toContain(canaryValues[1]);
      expect(rig.timeline.at(-1)?.body).toMatchObject({
        step: 'apply',
        status: 'failed',
      });
      expectNoCanary(rig, ctx);
      const partial = await stateVersions(rig);
      expect(partial.items[0].resources).toBe(4);
      expect(partial.lock).toBeUndefined();

      const rerun = rig.context({ mode: 'apply' });
      await rig.action().handler(rerun);
      expect(outputsOf(rerun).planSummary).toMatchObject({
        add: 5,
        change: 0,
        destroy: 0,
      });
      expect(outputsOf(rerun).inventory).toHaveLength(6);
      expect((await stateVersions(rig)).items[0].resources).toBe(9);
    });

    it('cancellation stops the whole process group and the state lock is released', async () => {
      rig.renderRepo('kakao-cloud', {
        fixture: kakaoFixture({ delays: { apply: 1500 } }),
      });
      const controller = new AbortController();
      const ctx = rig.context({ mode: 'apply' }, { signal: controller.signal });
      (ctx.logger.info as jest.Mock).mockImplementation((line: string) => {
        if (String(line).includes('Creating...')) controller.abort();
      });
      const failure = await rig
        .action()
        .handler(ctx)
        .then(
          () => undefined,
          e => e as Error,
        );
      expect(failure?.message).toContain('phase "apply"');
      expect(failure?.message).toContain('was cancelled');
      const applyCall = rig.calls().find(c => c.subcommand === 'apply')!;
      expect(() => process.kill(-applyCall.pid, 0)).toThrow(
        expect.objectContaining({ code: 'ESRCH' }),
      );
      const versions = await stateVersions(rig);
      expect(versions.lock).toBeUndefined();
      expect(rig.logText(ctx)).toContain('sending SIGINT');
      // The next run gets the lock and finishes the job.
      const rerun = rig.context({ mode: 'apply' });
      rig.setFixture(kakaoFixture());
      await rig.action().handler(rerun);
      expect(outputsOf(rerun).inventory).toHaveLength(6);
    });

    it('requires the Kakao credential secrets before running anything', async () => {
      rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
      const ctx = rig.context({ mode: 'plan' }, { secrets: {} });
      await expect(rig.action().handler(ctx)).rejects.toThrow(
        /kakaoCredentialId and kakaoCredentialSecret/,
      );
      expect(rig.calls()).toEqual([]);
    });
  });

  describe('multipass', () => {
    it('apply: DHCP addresses from the outputs, API on the first control plane, no Kakao variables', async () => {
      rig.renderRepo('multipass', {
        fixture: {
          resources: [0, 1, 2, 3, 4, 5].map(i => ({
            address: `multipass_instance.node[${i}]`,
          })),
          outputs: {
            nodes: {
              value: [
                ...[1, 2, 3].map(n => ({
                  name: `demo-cp-${n}`,
                  role: 'control-plane',
                  private_ip: `192.168.64.${10 + n}`,
                  public_ip: null,
                  ssh_port: null,
                })),
                ...[1, 2, 3].map(n => ({
                  name: `demo-worker-${n}`,
                  role: 'worker',
                  private_ip: `192.168.64.${20 + n}`,
                })),
              ],
            },
            api_lb_vip: { value: null },
            ingress_ip: { value: null },
          },
        },
      });
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
        fixture: {
          resources: [{ address: 'multipass_instance.node[0]' }],
          outputs: {
            nodes: { value: [{ name: 'demo-cp-1', role: 'master' }] },
          },
        },
      });
      await expect(
        rig.action().handler(rig.context({ mode: 'apply' })),
      ).rejects.toThrow(/output nodes\.0\.role/);
    });
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
      }
      await expect(
        rig.action().handler(rig.context({ mode: 'destroy' })),
      ).rejects.toThrow(/does not destroy machines it did not create/);
      expect(rig.calls()).toEqual([]);
    });
  });

  describe('vagrant', () => {
    it('without vagrant on the PATH fails with the install hint; plan is refused up front', async () => {
      rig.renderRepo('vagrant');
      fs.writeFileSync(path.join(rig.workspace, 'Vagrantfile'), '# rendered\n');
      await expect(
        rig.action().handler(rig.context({ mode: 'apply' })),
      ).rejects.toThrow(/`vagrant` is not on the PATH.*install Vagrant/);
      await expect(
        rig.action().handler(rig.context({ mode: 'plan' })),
      ).rejects.toThrow(/Vagrant has no plan step/);
    });
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
    rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
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
    rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
    const env = { ...rig.env, PATH: '/nonexistent' };
    await expect(
      rig.action({ env }).handler(rig.context({ mode: 'plan' })),
    ).rejects.toThrow(
      /Neither terraform nor tofu is on the PATH; install Terraform/,
    );
  });

  it('a configuration without a backend block is refused (the state would be lost)', async () => {
    rig.renderRepo('multipass', {
      tf: 'terraform {}\n',
      fixture: { resources: [] },
    });
    await expect(
      rig.action().handler(rig.context({ mode: 'plan' })),
    ).rejects.toThrow(/has no Terraform backend block/);
    expect(rig.calls()).toEqual([]);
  });

  it('timeline write failures are warnings, not failures', async () => {
    await rig.close();
    rig = await startRig({ timelineFailStatus: 503 });
    rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
    const ctx = rig.context({ mode: 'apply' });
    await rig.action().handler(ctx);
    expect(outputsOf(ctx).inventory).toHaveLength(6);
    expect(rig.logText(ctx)).toContain(
      'Could not record step "apply" in the kpaas timeline of demo (provisioning continues)',
    );
  });

  it('dry run: reports commands, folder and variable names, emits the planned outputs, runs nothing', async () => {
    rig.renderRepo('kakao-cloud', { fixture: kakaoFixture() });
    const ctx = rig.context({ mode: 'apply' }, { isDryRun: true });
    await rig.action().handler(ctx);
    const log = rig.logText(ctx);
    expect(log).toContain('Would run in terraform:');
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
    expect(out.endpoints.apiServerUrl).toBe('https://pending:6443');
    expectNoCanary(rig, ctx);
  });
});
