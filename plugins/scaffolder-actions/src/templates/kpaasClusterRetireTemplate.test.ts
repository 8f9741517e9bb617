import path from 'node:path';
import {
  DryRunner,
  loadTemplate,
  readDirectoryContents,
  startDryRunner,
  templatesDir,
} from './__testUtils__/dryRun';

jest.setTimeout(120_000);

/*
 * The kpaas-cluster-retire template through the scaffolder's dry-run API, as written except the
 * fetch step, which reads a cluster repository shipped with the dry run's files: kpaas:retire
 * checks the name typed again and the delete permission, and in a dry run contacts nothing.
 */

const CLUSTER_YAML = `apiVersion: kpaas.io/v1alpha1
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
    count: 2
  network:
    nodeCidr: 192.168.64.0/24
    metallbRange: 192.168.64.200-192.168.64.250
    domain: bocopile.io
  addons:
    - id: metallb
`;

describe('kpaas-cluster-retire template dry-run', () => {
  let runner: DryRunner;
  beforeAll(async () => {
    runner = await startDryRunner();
  });
  afterAll(() => runner?.stop());

  const template = (() => {
    const t = loadTemplate('kpaas-cluster-retire');
    const fetch = t.spec.steps.find((s: any) => s.id === 'fetch');
    fetch.input.url = './cluster-repo';
    return t;
  })();

  const dryRun = (values: Record<string, unknown>) =>
    runner.dryRun({
      template,
      values: {
        cluster: 'resource:default/mac',
        repoUrl: 'github.com?owner=acme&repo=mac-cluster',
        branch: 'main',
        path: '.',
        sshUser: 'ubuntu',
        uninstallAddons: true,
        ...values,
      },
      directoryContents: [
        ...readDirectoryContents(
          path.join(templatesDir, 'kpaas-cluster-retire'),
        ),
        {
          path: 'cluster-repo/cluster.yaml',
          base64Content: Buffer.from(CLUSTER_YAML).toString('base64'),
        },
      ],
    });

  it('the name typed again: says what retiring would do, runs nothing, links the entity to unregister', async () => {
    const result = await dryRun({ confirm: 'mac' });
    expect(result.status).toBe(200);
    expect(result.logText).toContain('Running kpaas:retire in dry-run mode');
    expect(result.logText).toContain(
      'dry run: retiring "mac" would uninstall its add-ons (metallb), destroy its multipass machines (Terraform state of "mac") and archive its registry entry, state and timeline; nothing was run',
    );
    expect(result.body.output.links[0]).toMatchObject({
      entityRef: 'resource:default/mac',
    });
    expect(result.body.output.text[0].content).toContain(
      'Cluster `mac`: 0 add-on(s) uninstalled, 0 Terraform resource(s) destroyed',
    );
    // a real run removes the catalog location when it may; the dry run keeps the link
    expect(result.body.output.text[0].content).toContain(
      'Catalog: dry run: the catalog entity stays; a real run removes its catalog location if you may delete it',
    );
  });

  it('a name typed wrong is refused naming the field', async () => {
    const result = await dryRun({ confirm: 'mac-prod' });
    const text = `${result.logText}\n${JSON.stringify(result.body)}`;
    expect(text).toMatch(
      /confirm: type the cluster's name \\?"mac\\?" again to retire it \(got \\?"mac-prod\\?"\); nothing was run/,
    );
    expect(text).not.toContain('would uninstall');
  });

  it('the form asks for the name and the delete-only inputs on a page of their own', () => {
    const confirmPage = template.spec.parameters.find(
      (p: any) => p.title === 'Confirm',
    );
    expect(confirmPage.required).toEqual(['confirm']);
    expect(Object.keys(confirmPage.properties)).toEqual([
      'confirm',
      'sshUser',
      'uninstallAddons',
    ]);
  });
});
