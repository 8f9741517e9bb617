import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import {
  KpaasBackendStandIn,
  startKpaasBackendStandIn,
} from '../access/__testUtils__/kpaasBackendStandIn';
import yaml from 'yaml';
import { loadClusterRepo, writeDerivedFiles } from '../core/loadClusterRepo';
import { createClusterChangeAction } from './clusterChange';
import { examples } from './clusterChange.examples';

const REPO_URL = 'https://github.com/acme/demo-cluster';

const CLUSTER_YAML = `# demo cluster, reviewed by the platform team
apiVersion: kpaas.io/v1alpha1
kind: Cluster
metadata:
  name: demo
  owner: group:default/platform-team
  environment: dev
spec:
  target:
    type: vagrant
  kubernetes:
    version: v1.33.5
  controlPlane:
    count: 1
  workers:
    count: 2 # sized for the pilot
  network:
    nodeCidr: 192.168.100.0/24
    metallbRange: 192.168.100.210-192.168.100.250
    domain: k-paas.io
  addons:
    - id: metallb
    - id: loki
    - id: otel-logs
  access:
    sshUser: vagrant
`;

describe('kpaas:cluster-change', () => {
  let backend: KpaasBackendStandIn;
  let workspace: string;
  beforeAll(async () => {
    backend = await startKpaasBackendStandIn();
  });
  afterAll(() => backend?.close());
  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-change-'));
    fs.writeFileSync(path.join(workspace, 'cluster.yaml'), CLUSTER_YAML);
    backend.registrations.set('demo', {
      name: 'demo',
      apiServerUrl: 'https://192.168.100.11:6443',
      source: 'kpaas',
      repoUrl: REPO_URL,
      createdAt: '2026-12-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
    });
    backend.requests.length = 0;
  });
  afterEach(() => fs.rmSync(workspace, { recursive: true, force: true }));

  const clusterYaml = () =>
    fs.readFileSync(path.join(workspace, 'cluster.yaml'), 'utf8');

  async function run(
    input: Record<string, unknown>,
    options: { permissions?: any; isDryRun?: boolean } = {},
  ) {
    const action = createClusterChangeAction({
      discovery: backend.discovery as any,
      auth: backend.auth,
      permissions: options.permissions ?? mockServices.permissions(),
    });
    const ctx = {
      ...createMockActionContext({
        input: { repoPath: '.', repoUrl: REPO_URL, ...input } as any,
        workspacePath: workspace,
      }),
      // the mock context does not take it from its options
      isDryRun: options.isDryRun ?? false,
    };
    await action.handler(ctx as any);
    return Object.fromEntries((ctx.output as jest.Mock).mock.calls);
  }

  it('scales up: cluster.yaml changed in place (comments kept), summary with the new node and the diff', async () => {
    const out = await run({ cluster: 'resource:default/demo', workers: 3 });
    expect(clusterYaml()).toBe(
      CLUSTER_YAML.replace(
        'count: 2 # sized for the pilot',
        'count: 3 # sized for the pilot',
      ),
    );
    expect(out).toMatchObject({
      clusterName: 'demo',
      changed: true,
      title: 'kpaas: demo: workers 2 → 3',
      target: 'vagrant',
      branchName: 'kpaas/change-demo-workers-2-3',
      removeNodes: [],
    });
    expect(out.summary).toContain(
      '- **Workers:** 2 → 3; new nodes `demo-worker-3`',
    );
    expect(out.summary).toContain('+    count: 3 # sized for the pilot');
    // the registration read, then the change on the cluster's timeline (phase "change")
    expect(backend.requests).toEqual([
      'GET /api/kpaas/clusters/demo',
      'POST /api/kpaas/clusters/demo/timeline',
    ]);
  });

  it('adds an add-on with its dependencies, dependencies first', async () => {
    const out = await run({ addAddons: ['istio-gateway'] });
    const parsed = parseClusterSpec(clusterYaml());
    expect(parsed.ok && parsed.spec.spec.addons.map(a => a.id)).toEqual([
      'metallb',
      'loki',
      'otel-logs',
      'istio-base',
      'istiod',
      'istio-gateway',
    ]);
    expect(out.title).toBe(
      'kpaas: demo: add istio-base, istiod, istio-gateway',
    );
    expect(out.summary).toMatch(
      /Add-ons to install\*\* \(dependencies first\): `istio-base` \(.*\), as a dependency; `istiod`/,
    );
  });

  it('rewrites hosts.snippet with the change, so the next run of the repo loads it', async () => {
    const hostsFile = path.join(workspace, 'hosts.snippet');
    const before = loadClusterRepo({ workspacePath: workspace, repoPath: '.' });
    writeDerivedFiles(workspace, before.spec, before.catalog);
    expect(fs.readFileSync(hostsFile, 'utf8')).not.toContain('argocd.');
    await run({ addAddons: ['argo-cd'] });
    const snippet = fs.readFileSync(hostsFile, 'utf8');
    expect(snippet).toMatch(/^# Generated from cluster\.yaml/);
    expect(snippet).toContain('argocd.k-paas.io');
    expect(() =>
      loadClusterRepo({ workspacePath: workspace, repoPath: '.' }),
    ).not.toThrow();
  });

  it('a scale-down names the nodes to drain and remove; 0 workers is refused naming the field', async () => {
    const out = await run({ workers: 1 });
    expect(out.removeNodes).toEqual(['demo-worker-2']);
    expect(out.summary).toContain(
      '- **Nodes to drain and remove** (newest first): `demo-worker-2`.',
    );
    await expect(run({ workers: 0 })).rejects.toThrow(
      /workers: 0 workers would leave cluster "demo" with its control planes only/,
    );
  });

  it('changes add-on values (the form gives YAML text, another template an object): an upgrade with the values diff, applied with helm upgrade --atomic', async () => {
    const out = await run({
      addonValues: 'loki:\n  singleBinary:\n    replicas: 2\n',
    });
    expect(yaml.parse(clusterYaml()).spec.addons).toEqual([
      { id: 'metallb' },
      { id: 'loki', values: { singleBinary: { replicas: 2 } } },
      { id: 'otel-logs' },
    ]);
    expect(out.title).toBe('kpaas: demo: upgrade loki');
    expect(out.summary).toContain('- **Add-ons to upgrade:**');
    expect(out.summary).toMatch(
      /- `loki` \(chart `[^`]+`\): [^\n]+, values change \(`helm upgrade --atomic`\)/,
    );
    expect(out.summary).toMatch(/\+singleBinary:\n +\+ {2}replicas: 2/);

    // {} as an object clears them again
    const cleared = await run({ addonValues: { loki: {} } });
    expect(clusterYaml()).toBe(CLUSTER_YAML);
    expect(cleared.summary).toMatch(/-singleBinary:\n +- {2}replicas: 2/);
  });

  it('refuses add-on values that do not parse or name an add-on the cluster does not have, naming the field, and writes nothing', async () => {
    await expect(run({ addonValues: 'loki: [' })).rejects.toThrow(
      /addonValues: not valid YAML/,
    );
    await expect(run({ addonValues: 'loki: 3' })).rejects.toThrow(
      /addonValues: the values of an add-on must be a mapping .* at "loki"/,
    );
    await expect(run({ addonValues: { harbor: { a: 1 } } })).rejects.toThrow(
      /addonValues: "harbor" is not in spec\.addons after this change; add it with addAddons/,
    );
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses removing a depended-on add-on, naming the field, and writes nothing', async () => {
    await expect(run({ removeAddons: ['loki'] })).rejects.toThrow(
      /removeAddons: "loki" cannot be removed: "otel-logs" depends on it; remove otel-logs as well, or keep "loki"/,
    );
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses a skipped Kubernetes minor, naming the field and the version to go to first', async () => {
    await expect(run({ kubernetesVersion: 'v1.35.0' })).rejects.toThrow(
      /kubernetesVersion: .*(skips|not a supported)/,
    );
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses an initiator without kpaas.cluster.update on the cluster and writes nothing', async () => {
    const deny = mockServices.permissions.mock({
      authorize: async () => [{ result: AuthorizeResult.DENY }],
    });
    await expect(run({ workers: 3 }, { permissions: deny })).rejects.toThrow(
      /kpaas:cluster-change: .* is not allowed kpaas\.cluster\.update on cluster "demo"/,
    );
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses a repository other than the registered one', async () => {
    await expect(
      run({ workers: 3, repoUrl: 'https://github.com/mallory/demo-cluster' }),
    ).rejects.toThrow(/registered to repository https:\/\/github.com\/acme/);
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses a cluster kpaas has not registered', async () => {
    backend.registrations.delete('demo');
    await expect(run({ workers: 3 })).rejects.toThrow(
      /cluster "demo" is not registered in kpaas/,
    );
    expect(clusterYaml()).toBe(CLUSTER_YAML);
  });

  it('refuses a form cluster other than the fetched one', async () => {
    await expect(
      run({ cluster: 'resource:default/other', workers: 3 }),
    ).rejects.toThrow(
      /cluster: the form names cluster "other", but the fetched cluster.yaml is cluster "demo"/,
    );
  });

  it.each(examples.map(e => [e.description, e.example]))(
    'example "%s" runs on a registered cluster',
    async (_description, example) => {
      const [step] = yaml.parse(example).steps;
      const out = await run({
        ...step.input,
        repoPath: '.',
        repoUrl: REPO_URL,
      });
      expect(out.changed).toBe(true);
      expect(clusterYaml()).not.toBe(CLUSTER_YAML);
    },
  );

  it('dry run: changes the workspace copy and reads no registration', async () => {
    const out = await run({ workers: 3 }, { isDryRun: true });
    expect(out.changed).toBe(true);
    expect(clusterYaml()).toContain('count: 3 # sized for the pilot');
    expect(backend.requests).toEqual([]);
  });
});
