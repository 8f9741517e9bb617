import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  deriveResourceTotals,
  formatSpecErrors,
  parseAddonCatalog,
  parseClusterSpec,
} from '@internal/plugin-kpaas-common';
import yaml from 'yaml';
import { createClusterRepoAction } from './clusterRepo';
import { examples } from './clusterRepo.examples';

// eslint-disable-next-line no-restricted-syntax -- tests run from source
const repoRoot = path.resolve(__dirname, '../../../..');
const catalog = (() => {
  const parsed = parseAddonCatalog(
    fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
  );
  if (!parsed.ok) throw new Error(formatSpecErrors(parsed.errors));
  return parsed.catalog;
})();

let workspacePath: string;
beforeEach(() => {
  workspacePath = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-cluster-repo-'));
});
afterEach(() => {
  fs.rmSync(workspacePath, { recursive: true, force: true });
});

async function run(input: Record<string, unknown>, isDryRun = false) {
  const ctx = createMockActionContext({
    input: input as any,
    workspacePath,
    isDryRun,
  });
  await createClusterRepoAction().handler(ctx);
  return {
    outputs: Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls,
    ) as Record<string, any>,
  };
}

describe('kpaas:cluster-repo', () => {
  const example = yaml.parse(examples[1].example).steps[0];

  it('writes cluster.yaml (with the add-ons closure) and hosts.snippet, and outputs the summary', async () => {
    const { outputs } = await run(example.input);
    const dir = path.join(workspacePath, 'cluster');
    const text = fs.readFileSync(path.join(dir, 'cluster.yaml'), 'utf8');
    expect(text).toMatch(/^# kpaas cluster spec/);
    const parsed = parseClusterSpec(text, { catalog });
    if (!parsed.ok) throw new Error(formatSpecErrors(parsed.errors));
    const spec = parsed.spec;
    // envoy-gateway brings metallb (catalog order, marked as a dependency)
    expect(spec.spec.addons.map(a => a.id)).toEqual([
      'metallb',
      'envoy-gateway',
      'metrics-server',
    ]);
    expect(text).toContain('- id: metallb # dependency');
    expect(spec.spec.network.nodeCidr).toBe('192.168.64.0/24');
    expect(outputs.clusterName).toBe('lab');
    expect(outputs.addons).toEqual(['metallb', 'envoy-gateway', 'metrics-server']);
    const totals = deriveResourceTotals(spec).total;
    expect(outputs.summary).toContain(
      `**Total:** ${totals.machines} machines, ${totals.vcpu} vCPU, ${totals.memoryGiB} GiB memory, ${totals.diskGiB} GiB disk`,
    );
    expect(outputs.summary).toContain(
      '| lab-worker-2 | worker | assigned at apply (Multipass DHCP) |',
    );
    expect(fs.readFileSync(path.join(dir, 'hosts.snippet'), 'utf8')).toMatch(
      /^# Generated from cluster.yaml/,
    );
  });

  it('writes the same files in a dry run (the scaffolder shows them)', async () => {
    await run(example.input, true);
    expect(
      fs.existsSync(path.join(workspacePath, 'cluster/cluster.yaml')),
    ).toBe(true);
  });

  it('refuses a bad order with every problem by form field, before writing anything', async () => {
    const input = {
      ...example.input,
      form: {
        ...example.input.form,
        name: 'Bad_Name',
        controlPlaneCount: 2,
        addons: ['vault', 'openbao'],
      },
    };
    const failure = run(input);
    await expect(failure).rejects.toThrow(/fix these fields/);
    const message = String(await failure.catch(e => e.message));
    expect(message).toContain('- name (cluster.yaml metadata.name)');
    expect(message).toContain('- controlPlaneCount (cluster.yaml spec.controlPlane.count)');
    expect(message).toMatch(/- addons \(cluster.yaml spec\.addons[^)]*\):.*openbao/);
    expect(fs.readdirSync(workspacePath)).toEqual([]);
  });

  it('refuses a form without a target and a repoPath outside the workspace', async () => {
    const { target, ...noTarget } = example.input.form;
    await expect(run({ form: noTarget })).rejects.toThrow(/form: target/);
    await expect(
      run({ ...example.input, repoPath: '../outside' }),
    ).rejects.toThrow(/repoPath/);
    expect(fs.readdirSync(workspacePath)).toEqual([]);
  });
});
