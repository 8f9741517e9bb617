import fs from 'node:fs';
import path from 'node:path';
import { parseAddonCatalog } from '../addons';
import { supportedKubernetesVersions } from '../spec/versions';
import {
  chartUpdates,
  kubernetesMinorOf,
  kubernetesMinorReleases,
  kubernetesVersionSupport,
  nodeVersionSkew,
} from './versionPolicy';

const catalogPath = path.resolve(__dirname, '../../../../values/addons.yaml');

function shippedCatalog() {
  const parsed = parseAddonCatalog(fs.readFileSync(catalogPath, 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.catalog;
}

describe('kubernetesVersionSupport', () => {
  it('knows the end of life of every minor kpaas can install', () => {
    for (const version of supportedKubernetesVersions) {
      expect(kubernetesVersionSupport(version, new Date()).state).not.toBe(
        'unknown',
      );
    }
  });

  it('keeps the table ordered, maintenance before end of life', () => {
    const minors = kubernetesMinorReleases.map(r =>
      Number(r.minor.split('.')[1]),
    );
    expect(minors).toEqual([...minors].sort((a, b) => a - b));
    for (const r of kubernetesMinorReleases) {
      expect(Date.parse(r.maintenanceModeStart)).toBeLessThan(
        Date.parse(r.endOfLife),
      );
    }
  });

  it('counts down to end of life: supported, maintenance, soon, past', () => {
    expect(
      kubernetesVersionSupport('v1.35.2', new Date('2026-06-01T00:00:00Z')),
    ).toMatchObject({
      state: 'supported',
      minor: '1.35',
      endOfLife: '2027-02-28',
    });
    // 1.34: maintenance from 2026-08-27, end of life 2026-10-27
    expect(
      kubernetesVersionSupport('v1.34.8', new Date('2026-07-01T00:00:00Z'))
        .state,
    ).toBe('supported');
    expect(
      kubernetesVersionSupport('v1.34.8', new Date('2026-07-30T12:00:00Z')),
    ).toMatchObject({
      state: 'eol-soon',
      daysLeft: 89,
    });
    const past = kubernetesVersionSupport(
      'v1.33.5',
      new Date('2026-12-03T12:00:00Z'),
    );
    expect(past.state).toBe('eol');
    expect(past.daysLeft).toBeLessThan(0);
    expect(past.message).toContain('reached end of life on 2026-06-28');
    expect(past.message).toContain('upgrade to 1.37');
    // The last day is still supported; the next is not.
    expect(
      kubernetesVersionSupport('1.32.9', new Date('2026-02-28T20:00:00Z'))
        .daysLeft,
    ).toBe(0);
    expect(
      kubernetesVersionSupport('1.32.9', new Date('2026-03-01T00:00:01Z'))
        .state,
    ).toBe('eol');
  });

  it('in maintenance mode far from end of life only when the window is long', () => {
    const releases = [
      {
        minor: '1.40',
        maintenanceModeStart: '2030-01-01',
        endOfLife: '2030-12-31',
      },
    ];
    expect(
      kubernetesVersionSupport(
        'v1.40.1',
        new Date('2030-02-01T00:00:00Z'),
        releases,
      ).state,
    ).toBe('maintenance');
  });

  it('names the file to extend for an unknown minor', () => {
    const unknown = kubernetesVersionSupport('v1.12.0', new Date());
    expect(unknown.state).toBe('unknown');
    expect(unknown.message).toContain('kubernetesMinorReleases');
    expect(kubernetesMinorOf('v1.33.5+rke2r1')).toBe('1.33');
    expect(kubernetesMinorOf('nonsense')).toBeUndefined();
  });
});

describe('nodeVersionSkew', () => {
  const node = (
    name: string,
    kubeletVersion: string | undefined,
    cp = false,
  ) => ({
    name,
    roles: cp ? ['control-plane'] : [],
    kubeletVersion,
  });

  it('judges every node against the API server', () => {
    const skew = nodeVersionSkew('v1.34.8', [
      node('cp-1', 'v1.34.8', true),
      node('cp-2', 'v1.33.5', true),
      node('w-1', 'v1.31.14'),
      node('w-2', 'v1.30.14'),
      node('w-3', 'v1.35.0'),
      node('w-4', undefined),
    ]);
    expect(skew.map(s => [s.node, s.state, s.minorsBehind])).toEqual([
      ['cp-1', 'ok', 0],
      ['cp-2', 'upgrade-pending', 1],
      ['w-1', 'upgrade-pending', 3],
      ['w-2', 'violation', 4],
      ['w-3', 'violation', -1],
      ['w-4', 'unknown', undefined],
    ]);
    expect(skew[1].message).toContain('kubeadm upgrade node');
    expect(skew[3].message).toContain('more than 3 minors behind');
    expect(skew[4].message).toContain('upgrade the control plane first');
  });
});

describe('chartUpdates', () => {
  it('compares the pinned versions of values/addons.yaml with a repository index', () => {
    const catalog = shippedCatalog();
    const metallb = catalog.addons.find(a => a.id === 'metallb');
    const gateway = catalog.addons.find(a => a.id === 'envoy-gateway');
    if (metallb?.type !== 'helm' || gateway?.type !== 'helm')
      throw new Error('catalog changed');
    const pinnedMetallb = metallb.helm.version;
    const updates = chartUpdates(catalog, {
      // a newer patch and a pre-release that must be ignored
      metallb: [pinnedMetallb, '0.99.0-rc.1', '0.16.9', '0.15.0'],
      // the same version as pinned: no update
      [gateway.helm.chart]: [gateway.helm.version],
    });
    expect(updates).toEqual([
      {
        addonId: 'metallb',
        chart: 'metallb',
        pinned: pinnedMetallb,
        newest: '0.16.9',
        change: 'patch',
      },
    ]);
  });

  it('keeps a "v" prefix and reports a major jump', () => {
    const catalog = shippedCatalog();
    const gateway = catalog.addons.find(a => a.id === 'envoy-gateway');
    if (gateway?.type !== 'helm') throw new Error('catalog changed');
    const [update] = chartUpdates(catalog, {
      [gateway.helm.chart]: ['v99.0.0'],
    });
    expect(update).toMatchObject({
      addonId: 'envoy-gateway',
      newest: 'v99.0.0',
      change: 'major',
    });
  });
});
