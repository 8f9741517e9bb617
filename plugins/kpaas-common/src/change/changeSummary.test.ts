import { fixtureCatalog } from '../spec/__fixtures__/testSpecs';
import { formatSpecErrors } from '../spec/errors';
import { parseClusterSpec } from '../spec/validate';
import { applyClusterChange, ClusterChangeRequest } from './applyChange';
import { changeSummary } from './changeSummary';
import { editClusterYaml } from './clusterYamlEdit';
import { unifiedDiff } from './unifiedDiff';

const catalog = fixtureCatalog();

const clusterYaml = `# kpaas cluster spec, written by hand
apiVersion: kpaas.io/v1alpha1
kind: Cluster
metadata:
  name: lite
  owner: group:default/platform-team
  environment: dev
spec:
  target:
    type: vagrant
  controlPlane:
    count: 1
  workers:
    count: 2 # two to start with
  network:
    nodeCidr: 192.168.100.0/24
    metallbRange: 192.168.100.210-192.168.100.250
    ingressIp: 192.168.100.201
    domain: k-paas.io
  addons:
    # the load balancer first
    - id: metallb
    - id: ingress-nginx
      values:
        controller:
          replicaCount: 2 # keep two
  access:
    sshUser: vagrant
`;

/** The same file naming its Kubernetes version (the default moves; an upgrade needs a fixed start). */
const clusterYamlV133 = clusterYaml.replace(
  '  controlPlane:\n',
  '  kubernetes:\n    version: v1.33.5\n  controlPlane:\n',
);

function change(request: ClusterChangeRequest, file = clusterYaml) {
  const before = parseClusterSpec(file, { catalog });
  if (!before.ok) throw new Error(formatSpecErrors(before.errors));
  const result = applyClusterChange(before.spec, request, catalog);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  const text = editClusterYaml(file, before.spec, result.spec);
  return { before: before.spec, result, text };
}

describe('editClusterYaml', () => {
  it('changes only the touched fields and keeps every comment and value', () => {
    const { text, result } = change({ workers: 3, addAddons: ['harbor'] });
    expect(text).toContain('# kpaas cluster spec, written by hand');
    expect(text).toContain('count: 3 # two to start with');
    expect(text).toContain('# the load balancer first');
    expect(text).toContain('replicaCount: 2 # keep two');
    expect(text).toMatch(/- id: ingress-nginx\n(.*\n)*\s+- id: harbor\n/);
    // defaults left out of the file stay out
    expect(text).not.toContain('kubernetes:');
    // the edited file parses to the changed spec
    const reparsed = parseClusterSpec(text, { catalog });
    expect(reparsed.ok && reparsed.spec).toEqual(result.spec);
  });

  it('writes the Kubernetes version where the file had none', () => {
    // editClusterYaml only writes (applyClusterChange decides what is allowed): no supported
    // version is newer than today's default, so the file gets an older one here.
    const before = parseClusterSpec(clusterYaml, { catalog });
    if (!before.ok) throw new Error(formatSpecErrors(before.errors));
    const after = structuredClone(before.spec);
    after.spec.kubernetes.version = 'v1.35.1';
    const text = editClusterYaml(clusterYaml, before.spec, after);
    const reparsed = parseClusterSpec(text, { catalog });
    expect(reparsed.ok && reparsed.spec.spec.kubernetes.version).toBe(
      'v1.35.1',
    );
  });

  it('drops a removed add-on with its values', () => {
    const { text } = change({ removeAddons: ['ingress-nginx'] });
    expect(text).not.toContain('ingress-nginx');
    expect(text).not.toContain('replicaCount');
    expect(text).toContain('- id: metallb');
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and shows hunks with context otherwise', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const changed = [...lines];
    changed[9] = 'ten';
    changed.splice(15, 0, 'new');
    expect(
      unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, {
        context: 1,
      }),
    ).toBe(
      [
        '--- a/cluster.yaml',
        '+++ b/cluster.yaml',
        '@@ -9,3 +9,3 @@',
        ' l9',
        '-l10',
        '+ten',
        ' l11',
        '@@ -15,2 +15,3 @@',
        ' l15',
        '+new',
        ' l16',
        '',
      ].join('\n'),
    );
  });
});

describe('changeSummary', () => {
  it('says the change in words and shows the diff of cluster.yaml', () => {
    const { before, result, text } = change({
      workers: 3,
      addAddons: ['harbor'],
    });
    const md = changeSummary(
      { spec: before, text: clusterYaml },
      { spec: result.spec, text },
      { plan: result.plan, catalog },
    );
    expect(md).toContain('## Change to cluster `lite`');
    expect(md).toContain('- **Workers:** 2 → 3; new nodes `lite-worker-3`');
    expect(md).toMatch(
      /- \*\*Add-ons to install\*\* \(dependencies first\): `harbor` \(/,
    );
    expect(md).toContain('```diff\n--- a/cluster.yaml\n+++ b/cluster.yaml\n');
    expect(md).toContain('-    count: 2 # two to start with');
    expect(md).toContain('+    count: 3 # two to start with');
    expect(md).toContain('+    - id: harbor');
    expect(md).not.toContain('Not automated yet');
  });

  it('a scale-down names the nodes to drain and remove and shows the Terraform plan per resource, destroys first', () => {
    const up = change({ workers: 3 }, clusterYamlV133);
    const down = applyClusterChange(
      up.result.spec,
      { workers: 2, kubernetesVersion: 'v1.34.1' },
      catalog,
    );
    if (!down.ok) throw new Error(formatSpecErrors(down.errors));
    const after = editClusterYaml(up.text, up.result.spec, down.spec);
    const md = changeSummary(
      { spec: up.result.spec, text: up.text },
      { spec: down.spec, text: after },
      {
        plan: down.plan,
        catalog,
        terraformPlan: {
          add: 0,
          change: 1,
          destroy: 1,
          resources: [
            { address: 'terraform_data.api_lb[0]', action: 'update' },
            {
              address: 'terraform_data.node["lite-worker-3"]',
              action: 'delete',
            },
          ],
        },
      },
    );
    expect(md).toContain('- **Workers:** 3 → 2\n');
    expect(md).toContain(
      '- **Nodes to drain and remove** (newest first): `lite-worker-3`. On apply, kpaas:remove-nodes cordons and drains each one (PodDisruptionBudgets honoured',
    );
    expect(md).not.toMatch(/remove-workers flow|not built yet/);
    expect(md).toContain(
      [
        '**Terraform plan:** 0 to add, 1 to change, 1 to destroy.',
        '',
        '| action | resource |',
        '|---|---|',
        '| delete | `terraform_data.node["lite-worker-3"]` |',
        '| update | `terraform_data.api_lb[0]` |',
      ].join('\n'),
    );
    expect(md).toContain('- **Kubernetes:** v1.33.5 → v1.34.1');
    // kpaas:upgrade rolls it out on apply: no "not automated" note any more
    expect(md).not.toMatch(/not automated/i);
  });

  it('says nothing changes for an empty change', () => {
    const { before, result, text } = change({});
    expect(text).toBe(clusterYaml);
    expect(
      changeSummary(
        { spec: before, text: clusterYaml },
        { spec: result.spec, text },
        { plan: result.plan, catalog },
      ),
    ).toContain('Nothing changes');
  });
});
