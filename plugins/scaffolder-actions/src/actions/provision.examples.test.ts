import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { examples } from './provision.examples';
import {
  describeRealTerraform,
  KAKAO_RIG_RESOURCES,
  Rig,
  startRig,
} from '../provision/__testUtils__/provisionRig';

jest.setTimeout(60_000);

describeRealTerraform('kpaas:provision examples', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it.each(examples)('runs: $description', async example => {
    const step = yaml.parse(example.example).steps[0];
    expect(step.action).toBe('kpaas:provision');
    // what the scaffolder resolves the template expression to
    const input = {
      ...step.input,
      ...(step.input.repoUrl
        ? { repoUrl: 'github.com?owner=acme&repo=demo-cluster' }
        : {}),
    };
    rig.renderRepo('kakao-cloud', { repo: input.repoPath });
    let env = rig.env;
    if (input.terraformPath === 'tofu') {
      // OpenTofu on the PATH, no terraform: the recorded terraform under the name `tofu`.
      const bin = path.join(rig.root, 'tofu-bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(
        path.join(rig.root, 'bin/terraform'),
        path.join(bin, 'tofu'),
      );
      env = { ...rig.env, PATH: `${bin}:/usr/bin:/bin` };
    }
    if (input.mode === 'destroy') {
      await rig
        .action({ env })
        .handler(rig.context({ ...input, mode: 'apply' }));
    }
    const ctx = rig.context(input);
    await rig.action({ env }).handler(ctx);

    const outputs = Object.fromEntries(ctx.output.mock.calls);
    expect(outputs.clusterName).toBe('demo');
    const planSummary = outputs.planSummary;
    const expectedCommands: Record<string, string[]> = {
      plan: ['init', 'plan', 'show', 'output'],
      apply: ['init', 'plan', 'show', 'apply', 'output'],
      destroy: ['init', 'plan', 'show', 'apply'],
    };
    expect(
      rig
        .calls()
        .slice(-expectedCommands[input.mode].length)
        .map(c => c.subcommand),
    ).toEqual(expectedCommands[input.mode]);
    const destroying = input.mode === 'destroy';
    expect(planSummary).toMatchObject(
      destroying
        ? { add: 0, destroy: KAKAO_RIG_RESOURCES }
        : { add: KAKAO_RIG_RESOURCES, destroy: 0 },
    );
    expect(outputs.inventory).toHaveLength(destroying ? 0 : 6);
    const workerAddress = outputs.inventory[3]?.address;
    const expectedWorkerAddress: Record<string, string | undefined> = {
      public: '203.0.113.21',
      private: '172.16.0.111',
    };
    expect(workerAddress).toBe(
      destroying
        ? undefined
        : expectedWorkerAddress[input.sshAddress ?? 'private'],
    );
  });
});
