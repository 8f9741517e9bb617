import {
  applyClusterChange,
  changeSummary,
  editClusterYaml,
  parseAddonCatalog,
  parseClusterSpec,
} from '@internal/plugin-kpaas-common';
import fs from 'node:fs';
import path from 'node:path';
import {
  DryRunner,
  DryRunResult,
  loadTemplate,
  readDirectoryContents,
  repoRoot,
  startDryRunner,
  templatesDir,
} from './__testUtils__/dryRun';

jest.setTimeout(120_000);

/*
 * The kpaas-cluster-change template through the scaffolder's dry-run API, as written except the
 * fetch step, which reads a cluster repository shipped with the dry run's files instead of
 * GitHub: kpaas:cluster-change edits cluster.yaml, kpaas:provision plans it (dry run) and
 * publish:github:pull-request gets the change summary and the plan as its body.
 */

const CLUSTER_YAML = `# mac cluster, ordered through kpaas
apiVersion: kpaas.io/v1alpha1
kind: Cluster
metadata:
  name: mac
  owner: group:default/platform-team
  environment: dev
spec:
  target:
    type: multipass
  controlPlane:
    count: 1
  workers:
    count: 2 # start small
  network:
    nodeCidr: 192.168.64.0/24
    metallbRange: 192.168.64.200-192.168.64.250
    domain: bocopile.io
  addons:
    - id: metallb
`;

const REPO_URL = 'github.com?owner=acme&repo=mac-cluster';
const catalog = (() => {
  const parsed = parseAddonCatalog(
    fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
  );
  if (!parsed.ok) throw new Error('values/addons.yaml');
  return parsed.catalog;
})();

describe('kpaas-cluster-change template dry-run', () => {
  let runner: DryRunner;
  beforeAll(async () => {
    runner = await startDryRunner();
  });
  afterAll(() => runner?.stop());

  const template = (() => {
    const t = loadTemplate('kpaas-cluster-change');
    const fetch = t.spec.steps.find((s: any) => s.id === 'fetch');
    // the cluster repository comes with the dry run's files, not from GitHub
    fetch.input.url = './cluster-repo';
    return t;
  })();

  async function dryRun(values: Record<string, unknown>) {
    return runner.dryRun({
      template,
      values: {
        cluster: 'resource:default/mac',
        repoUrl: REPO_URL,
        branch: 'main',
        path: '.',
        ...values,
      },
      directoryContents: [
        ...readDirectoryContents(
          path.join(templatesDir, 'kpaas-cluster-change'),
        ),
        {
          path: 'cluster-repo/cluster.yaml',
          base64Content: Buffer.from(CLUSTER_YAML).toString('base64'),
        },
      ],
    });
  }

  function pullRequestInput(result: DryRunResult) {
    const m = result.logText.match(
      /Running publish:github:pull-request in dry-run mode with inputs \(secrets redacted\): (\{[\s\S]*?\n\})/,
    );
    if (!m) throw new Error(`no pull request step in\n${result.logText}`);
    return JSON.parse(m[1]);
  }

  /** What kpaas-common says the change is: the expected file and summary. */
  function expected(request: Parameters<typeof applyClusterChange>[1]) {
    const before = parseClusterSpec(CLUSTER_YAML, { catalog });
    if (!before.ok) throw new Error('fixture');
    const change = applyClusterChange(before.spec, request, catalog);
    if (!change.ok) throw new Error('fixture change');
    const text = editClusterYaml(CLUSTER_YAML, before.spec, change.spec);
    return {
      text,
      summary: changeSummary(
        { spec: before.spec, text: CLUSTER_YAML },
        { spec: change.spec, text },
        { plan: change.plan, catalog },
      ),
    };
  }

  it('scale-up 2 → 3: the changed cluster.yaml, the Terraform plan and the pull request with both', async () => {
    const result = await dryRun({ workers: 3 });
    expect(result.status).toBe(200);
    const want = expected({ workers: 3 });
    expect(result.files.get('cluster/cluster.yaml')).toBe(want.text);
    expect(want.text).toContain('count: 3 # start small');
    expect(result.logText).toContain('Running kpaas:provision in dry-run mode');

    const pr = pullRequestInput(result);
    expect(pr).toMatchObject({
      repoUrl: REPO_URL,
      targetBranchName: 'main',
      branchName: 'kpaas/change-mac-workers-2-3',
      sourcePath: './cluster',
      targetPath: '.',
      title: 'kpaas: mac: workers 2 → 3',
      update: true,
    });
    expect(pr.description.startsWith(want.summary)).toBe(true);
    expect(pr.description).toContain('new nodes `mac-worker-3`');
    expect(pr.description).toContain('+    count: 3 # start small');
    expect(pr.description).toContain('### Plan');
    expect(pr.description).toContain(
      "After the merge, press **Apply** on the cluster's page in the catalog: it opens the\nkpaas-cluster-apply template on this repository and builds the head of\n`main` (this merge, unless something was merged after it).",
    );
    expect(pr.description).not.toContain('kpaas:remove-nodes');
    expect(result.body.output.text[0].content).toBe(want.summary);
  });

  it('add-on addition: istio-gateway with its dependencies appended, the pull request lists them dependencies first', async () => {
    const result = await dryRun({ addAddons: ['istio-gateway'] });
    expect(result.status).toBe(200);
    const want = expected({ addAddons: ['istio-gateway'] });
    const written = result.files.get('cluster/cluster.yaml') ?? '';
    expect(written).toBe(want.text);
    expect(written).toMatch(
      /- id: metallb\n\s+- id: istio-base\n\s+- id: istiod\n\s+- id: istio-gateway\n/,
    );
    const pr = pullRequestInput(result);
    expect(pr.title).toBe('kpaas: mac: add istio-base, istiod, istio-gateway');
    expect(pr.description.startsWith(want.summary)).toBe(true);
    expect(pr.description).toMatch(
      /Add-ons to install\*\* \(dependencies first\): `istio-base` .*as a dependency; `istiod` .*as a dependency; `istio-gateway`/,
    );
  });

  it('scale-down 2 → 1: the pull request names the node to drain and remove, plans the machines and says the apply removes it first', async () => {
    const result = await dryRun({ workers: 1 });
    expect(result.status).toBe(200);
    const want = expected({ workers: 1 });
    expect(result.files.get('cluster/cluster.yaml')).toBe(want.text);
    expect(result.logText).toContain('Running kpaas:provision in dry-run mode');
    const pr = pullRequestInput(result);
    expect(pr.description.startsWith(want.summary)).toBe(true);
    expect(pr.description).toContain(
      '- **Nodes to drain and remove** (newest first): `mac-worker-2`.',
    );
    expect(pr.description).not.toMatch(/remove-workers flow|not built yet/);
    expect(pr.description).toContain('### Plan');
    expect(pr.description).toMatch(
      /Its first step, kpaas:remove-nodes,\s+drains, resets and deletes mac-worker-2 before\s+Terraform destroys their machines\./,
    );
  });

  it('add-on values from the form YAML text: the pull request shows the upgrade with its values diff', async () => {
    const result = await dryRun({
      addonValues: 'metallb:\n  speaker:\n    logLevel: warn\n',
    });
    expect(result.status).toBe(200);
    const want = expected({
      addonValues: { metallb: { speaker: { logLevel: 'warn' } } },
    });
    expect(result.files.get('cluster/cluster.yaml')).toBe(want.text);
    const pr = pullRequestInput(result);
    expect(pr.title).toBe('kpaas: mac: upgrade metallb');
    expect(pr.description.startsWith(want.summary)).toBe(true);
    expect(pr.description).toContain('- **Add-ons to upgrade:**');
    expect(pr.description).toMatch(
      /- `metallb` \(chart `[^`]+`\): [^\n]+, values change \(`helm upgrade --atomic`\)/,
    );
    expect(pr.description).toMatch(/\+speaker:\n +\+ {2}logLevel: warn/);
  });

  it('refuses add-on values text that is not a mapping, naming the field, and opens no pull request', async () => {
    const result = await dryRun({ addonValues: '- metallb\n' });
    const text = `${result.logText}\n${JSON.stringify(result.body)}`;
    expect(text).toMatch(
      /addonValues: must be a mapping of add-on id to its new values/,
    );
    expect(text).not.toContain('Running publish:github:pull-request');
  });

  it('refuses a change the cluster cannot take, naming the field, and opens no pull request', async () => {
    const result = await dryRun({
      removeAddons: ['metallb'],
      workers: 3,
      addAddons: ['istio-gateway'],
    });
    const text = `${result.logText}\n${JSON.stringify(result.body)}`;
    expect(text).toMatch(
      /removeAddons: \\?"metallb\\?" cannot be removed: \\?"istio-gateway\\?" depends on it/,
    );
    expect(text).not.toContain('Running publish:github:pull-request');
  });
});
