import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import {
  defaultClusterSpec,
  parseAddonCatalog,
  parseClusterSpec,
  renderHostsSnippet,
} from '@internal/plugin-kpaas-common';
import { DEFAULT_VALUES_PACK_DIR, loadClusterRepo } from './loadClusterRepo';

describe('loadClusterRepo', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-load-repo-'));
  });
  afterEach(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const writeSpec = (spec: unknown, repo = 'cluster') => {
    fs.mkdirSync(path.join(workspace, repo), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, repo, 'cluster.yaml'),
      yaml.stringify(spec),
    );
  };
  const problemsOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect((e as Error).name).toBe('InputError');
      return (e as Error).message;
    }
    throw new Error('expected loadClusterRepo to refuse the repo');
  };

  it('reads cluster.yaml with the shipped add-on catalog', () => {
    const spec = defaultClusterSpec('demo', 'kakao-cloud');
    writeSpec({
      ...spec,
      spec: { ...spec.spec, addons: [{ id: 'metallb' }] },
    });
    const repo = loadClusterRepo({
      workspacePath: workspace,
      repoPath: './cluster',
    });
    expect(repo.dir).toBe(path.join(workspace, 'cluster'));
    expect(repo.spec.metadata.name).toBe('demo');
    expect(repo.catalog.addons.map(a => a.id)).toContain('metallb');
    expect(repo.catalogFile).toMatch(/values\/addons\.yaml$/);
  });

  it('refuses a repoPath outside the task workspace before reading anything', () => {
    expect(
      problemsOf(() =>
        loadClusterRepo({ workspacePath: workspace, repoPath: '../elsewhere' }),
      ),
    ).toContain('repoPath "../elsewhere" leaves the task workspace');
  });

  it('says where cluster.yaml is missing', () => {
    expect(
      problemsOf(() =>
        loadClusterRepo({ workspacePath: workspace, repoPath: 'nothing' }),
      ),
    ).toContain('repoPath "nothing" has no cluster.yaml');
  });

  it('lists every problem at once: a bad field, an unknown add-on and a conflict only the catalog knows', () => {
    const spec = defaultClusterSpec('demo', 'kakao-cloud');
    writeSpec({
      ...spec,
      spec: {
        ...spec.spec,
        workers: { count: 0 },
        addons: [
          { id: 'metallb' },
          { id: 'ingress-nginx' },
          { id: 'metrics-server' },
          { id: 'openbao' },
          { id: 'kpaas-cp-portal' },
          { id: 'no-such-addon' },
        ],
      },
    });
    const message = problemsOf(() =>
      loadClusterRepo({ workspacePath: workspace, repoPath: 'cluster' }),
    );
    expect(message).toContain('cluster/cluster.yaml has');
    expect(message).toMatch(/spec\.workers\.count: /);
    expect(message).toMatch(
      /spec\.addons\[5\]\.id: "no-such-addon" is not in the add-on catalog/,
    );
    expect(message).toMatch(
      /spec\.addons\[\d\]\.id: .*(openbao|kpaas-cp-portal).*conflict/,
    );
  });

  it("the repo's own catalog wins over the values pack; its problems are listed with the spec's", () => {
    const spec = defaultClusterSpec('demo', 'multipass');
    writeSpec({ ...spec, metadata: { ...spec.metadata, name: 'Demo' } });
    fs.mkdirSync(path.join(workspace, 'cluster/values'));
    fs.writeFileSync(
      path.join(workspace, 'cluster/values/addons.yaml'),
      'apiVersion: kpaas.io/v1alpha1\nkind: AddonCatalog\naddons: 3\n',
    );
    const message = problemsOf(() =>
      loadClusterRepo({ workspacePath: workspace, repoPath: 'cluster' }),
    );
    expect(message).toContain(
      path.join(workspace, 'cluster/values/addons.yaml'),
    );
    expect(message).toMatch(/addons: /);
    expect(message).toMatch(/metadata\.name: "Demo" is not a DNS-1123 label/);
  });

  it('refuses a hand-edited hosts.snippet with the difference; a missing or current one is fine', () => {
    const spec = defaultClusterSpec('demo', 'multipass');
    writeSpec({
      ...spec,
      spec: {
        ...spec.spec,
        network: { ...spec.spec.network, ingressIp: '192.168.64.201' },
        addons: [{ id: 'argo-cd' }],
      },
    });
    const load = () =>
      loadClusterRepo({ workspacePath: workspace, repoPath: 'cluster' });
    expect(() => load()).not.toThrow();

    const catalog = parseAddonCatalog(
      fs.readFileSync(
        path.join(DEFAULT_VALUES_PACK_DIR, 'values/addons.yaml'),
        'utf8',
      ),
    );
    const parsed = parseClusterSpec(
      fs.readFileSync(path.join(workspace, 'cluster/cluster.yaml'), 'utf8'),
    );
    if (!catalog.ok || !parsed.ok) throw new Error('fixture does not parse');
    const current = renderHostsSnippet(parsed.spec, catalog.catalog);
    const hostsFile = path.join(workspace, 'cluster/hosts.snippet');
    fs.writeFileSync(hostsFile, current);
    expect(() => load()).not.toThrow();

    fs.writeFileSync(
      hostsFile,
      current.replace('192.168.64.201', '192.168.64.99'),
    );
    const message = problemsOf(load);
    expect(message).toContain(
      'hosts.snippet is generated from cluster.yaml and differs',
    );
    expect(message).toContain('-192.168.64.99 argocd.');
    expect(message).toContain('+192.168.64.201 argocd.');
  });
});
