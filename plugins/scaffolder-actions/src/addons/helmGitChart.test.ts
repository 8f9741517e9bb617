/**
 * scripts/addons/helm-git-chart.sh (the `script` add-on local-path-provisioner): shellcheck, and
 * a run against a local git repository with a tagged chart and a recording `helm` on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line no-restricted-syntax
const SCRIPT = path.resolve(
  __dirname,
  '../../../../templates/kpaas-cluster/skeleton/scripts/addons/helm-git-chart.sh',
);
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('scripts/addons/helm-git-chart.sh', () => {
  let dir: string;
  let repo: string;
  let helmLog: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-helm-git-'));
    // a chart repository with the chart at v0.0.37 and a newer, different one on main
    repo = path.join(dir, 'repo');
    const chart = path.join(repo, 'deploy/chart/local-path-provisioner');
    fs.mkdirSync(chart, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', [
        '-C',
        repo,
        '-c',
        'user.email=t@t',
        '-c',
        'user.name=t',
        ...args,
      ]);
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(
      path.join(chart, 'Chart.yaml'),
      'name: local-path-provisioner\nversion: 0.0.37\n',
    );
    git('add', '.');
    git('commit', '-qm', 'v0.0.37');
    git('tag', 'v0.0.37');
    fs.writeFileSync(
      path.join(chart, 'Chart.yaml'),
      'name: local-path-provisioner\nversion: 0.0.38-dev\n',
    );
    git('commit', '-qam', 'next');

    // helm records its arguments and the Chart.yaml it was given
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    helmLog = path.join(dir, 'helm.log');
    fs.writeFileSync(
      path.join(bin, 'helm'),
      `#!/bin/bash\nprintf '%s\\n' "$*" >> "${helmLog}"\ncat "$4/Chart.yaml" >> "${helmLog}"\n`,
      { mode: 0o755 },
    );
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  (hasShellcheck ? it : it.skip)(
    'passes shellcheck (skipped when shellcheck is not installed)',
    () => {
      const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );

  it('installs the chart of exactly the pinned tag with the values files, then removes the checkout', () => {
    const values = path.join(dir, 'values.yaml');
    fs.writeFileSync(values, 'storageClass:\n  defaultClass: true\n');
    const tmp = fs.mkdtempSync(path.join(dir, 'tmp-'));
    const r = spawnSync(
      'bash',
      [
        SCRIPT,
        `file://${repo}`,
        'v0.0.37',
        'deploy/chart/local-path-provisioner',
        'local-path-provisioner',
        'local-path-storage',
        '-f',
        values,
      ],
      { encoding: 'utf8', env: { ...env, TMPDIR: tmp } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const log = fs.readFileSync(helmLog, 'utf8');
    expect(log).toMatch(
      /^upgrade --install local-path-provisioner \S+\/src\/deploy\/chart\/local-path-provisioner --namespace local-path-storage --create-namespace --values \S+values\.yaml --atomic --wait --timeout 10m$/m,
    );
    expect(log).toContain('version: 0.0.37\n');
    expect(log).not.toContain('0.0.38-dev');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('refuses a branch name instead of a release tag, before cloning', () => {
    const r = spawnSync(
      'bash',
      [
        SCRIPT,
        `file://${repo}`,
        'main',
        'deploy/chart/local-path-provisioner',
        'x',
        'ns',
      ],
      { encoding: 'utf8', env },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "TAG must be a release tag such as v0.0.37, got 'main'",
    );
  });
});
