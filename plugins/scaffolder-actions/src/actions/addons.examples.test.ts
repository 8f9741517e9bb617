import { mockServices } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { DEMO_ADDONS, demoClusterSpec } from '@internal/kpaas-testkit';
import { createAddonsAction } from './addons';
import { examples } from './addons.examples';

// What the scaffolder would have resolved the examples' template expressions to.
const SAMPLE: Record<string, unknown> = {
  '${{ steps.bootstrap.output.clusterName }}': 'demo',
  '${{ parameters.repoUrl }}': 'github.com?owner=acme&repo=demo-cluster',
};

describe('kpaas:addons examples', () => {
  let workspace: string;
  let privateKey: string;

  beforeAll(() => {
    workspace = fs.mkdtempSync(
      path.join(os.tmpdir(), 'kpaas-addons-examples-'),
    );
    fs.writeFileSync(
      path.join(workspace, 'cluster.yaml'),
      yaml.stringify(demoClusterSpec('demo')),
    );
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      '',
      '-f',
      path.join(workspace, 'key'),
    ]);
    privateKey = fs.readFileSync(path.join(workspace, 'key'), 'utf8');
    fs.rmSync(path.join(workspace, 'key'));
    fs.rmSync(path.join(workspace, 'key.pub'));
  });
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it.each(examples)(
    '$description: valid input that dry-runs to a plan',
    async example => {
      const action = createAddonsAction({
        discovery: mockServices.discovery(),
        auth: mockServices.auth(),
        permissions: mockServices.permissions(),
      });
      const validate = new Ajv({ strict: false }).compile(
        (action.schema as any).input,
      );
      const step = yaml.parse(example.example).steps[0];
      expect(step.action).toBe('kpaas:addons');
      const input = Object.fromEntries(
        Object.entries(step.input).map(([k, v]) => [
          k,
          typeof v === 'string' && v in SAMPLE ? SAMPLE[v] : v,
        ]),
      );
      expect(validate(input)).toBe(true);

      const outputs: Record<string, any> = {};
      const ctx = {
        ...createMockActionContext({
          input: input as any,
          workspacePath: workspace,
          secrets: { sshPrivateKey: privateKey },
        }),
        isDryRun: true,
        output: (name: string, value: unknown) => {
          outputs[name] = value;
        },
      };
      await action.handler(ctx as any);
      const ids = outputs.plan.map((row: any) => row.id);
      // the demo cluster's add-ons, dependencies first (or last, when uninstalling)
      expect([...ids].sort()).toEqual([...DEMO_ADDONS].sort());
      const before = (a: string, b: string) => ids.indexOf(a) < ids.indexOf(b);
      expect(before('metallb', 'envoy-gateway')).toBe(!input.uninstall);
    },
  );
});
