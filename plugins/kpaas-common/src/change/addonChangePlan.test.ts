import { fixtureCatalog } from '../spec/__fixtures__/testSpecs';
import { formatSpecErrors } from '../spec/errors';
import { parseClusterSpec } from '../spec/validate';
import { applyClusterChange, ClusterChangeRequest } from './applyChange';
import { changeSummary } from './changeSummary';
import { editClusterYaml } from './clusterYamlEdit';

/*
 * An add-on values change through the change template's model: applyClusterChange records the
 * upgrade with planAddonChanges (the comparison kpaas:addons makes against the cluster),
 * editClusterYaml writes the values, changeSummary shows the diff in the pull request.
 */

const catalog = fixtureCatalog();

const clusterYaml = `# hand-written
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
    count: 2
  network:
    nodeCidr: 192.168.100.0/24
    metallbRange: 192.168.100.210-192.168.100.250
    ingressIp: 192.168.100.201
    domain: k-paas.io
  addons:
    - id: metallb
    - id: ingress-nginx
      values:
        controller:
          replicaCount: 2 # keep two
  access:
    sshUser: vagrant
`;

function change(request: ClusterChangeRequest) {
  const before = parseClusterSpec(clusterYaml, { catalog });
  if (!before.ok) throw new Error(formatSpecErrors(before.errors));
  const result = applyClusterChange(before.spec, request, catalog);
  if (!result.ok) return { errors: result.errors };
  const text = editClusterYaml(clusterYaml, before.spec, result.spec);
  return { before: before.spec, result, text };
}

describe('add-on values in the change plan', () => {
  it('plans an upgrade with the values diff, writes the values and shows them in the pull request', () => {
    const { before, result, text } = change({
      addonValues: {
        'ingress-nginx': { controller: { replicaCount: 3 } },
        metallb: { speaker: { logLevel: 'warn' } },
      },
    });
    const nginxVersion = catalog.addons.find(a => a.id === 'ingress-nginx')!;
    const version =
      nginxVersion.type === 'helm' ? nginxVersion.helm.version : '';
    expect(result!.plan.unchanged).toBe(false);
    expect(result!.plan.addons.upgrade).toEqual([
      expect.objectContaining({
        id: 'metallb',
        valuesDiff: expect.any(String),
      }),
      {
        id: 'ingress-nginx',
        chart: 'ingress-nginx',
        from: version,
        to: version,
        valuesDiff: [
          '--- a/ingress-nginx values',
          '+++ b/ingress-nginx values',
          '@@ -1,2 +1,2 @@',
          ' controller:',
          '-  replicaCount: 2',
          '+  replicaCount: 3',
          '',
        ].join('\n'),
      },
    ]);
    // written in place: comments and the other fields stay, the file parses to the result
    expect(text).toContain('# hand-written');
    expect(text).toMatch(
      /- id: metallb\n\s+values:\n\s+speaker:\n\s+logLevel: warn\n/,
    );
    const reparsed = parseClusterSpec(text!, { catalog });
    expect(reparsed.ok && reparsed.spec).toEqual(result!.spec);

    const md = changeSummary(
      { spec: before!, text: clusterYaml },
      { spec: result!.spec, text: text! },
      { plan: result!.plan, catalog },
    );
    expect(md).toContain('- **Add-ons to upgrade:**');
    expect(md).toContain(
      `  - \`ingress-nginx\` (chart \`ingress-nginx\`): ${version}, values change (\`helm upgrade --atomic\`)`,
    );
    expect(md).toContain('    -  replicaCount: 2\n    +  replicaCount: 3');
  });

  it('clears values with an empty object and refuses an add-on that is not in spec.addons', () => {
    const cleared = change({ addonValues: { 'ingress-nginx': {} } });
    expect(cleared.text).not.toContain('replicaCount');
    expect(cleared.result!.plan.addons.upgrade[0].valuesDiff).toContain(
      '-  replicaCount: 2',
    );
    expect(change({ addonValues: { harbor: { a: 1 } } }).errors).toEqual([
      {
        path: 'addonValues',
        message:
          '"harbor" is not in spec.addons after this change; add it with addAddons, or drop it from addonValues',
      },
    ]);
  });

  it('leaves the plan unchanged for the same values', () => {
    const same = change({
      addonValues: { 'ingress-nginx': { controller: { replicaCount: 2 } } },
    });
    expect(same.result!.plan.unchanged).toBe(true);
    expect(same.text).toBe(clusterYaml);
  });
});
