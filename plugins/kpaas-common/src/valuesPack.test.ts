import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAddonCatalog } from './addons';

// The values pack (values/) is typed by this package: the shipped catalog must parse, and every
// values file must pass the upstream chart check when ../shared (chart data) is present.
const repoRoot = path.resolve(__dirname, '../../..');
const catalogPath = path.join(repoRoot, 'values/addons.yaml');
const checkValues = path.resolve(repoRoot, '../shared/tools/check-values');

describe('values pack', () => {
  it('parses values/addons.yaml with the -common catalog schema', () => {
    const result = parseAddonCatalog(fs.readFileSync(catalogPath, 'utf8'));
    if (!result.ok) {
      throw new Error(JSON.stringify(result.errors, null, 2));
    }
    const ids = result.catalog.addons.map(a => a.id);
    for (const id of [
      'metallb',
      'ingress-nginx',
      'cert-manager',
      'istio-base',
      'istiod',
      'istio-gateway',
      'kiali',
      'argo-cd',
      'kube-prometheus-stack',
      'loki',
      'jaeger',
      'opentelemetry-collector',
      'vault',
      'openbao',
      'harbor',
      'keycloak',
      'chartmuseum',
      'chaos-mesh',
      'kpaas-cp-portal',
    ]) {
      expect(ids).toContain(id);
    }
    for (const addon of result.catalog.addons) {
      for (const file of addon.valuesFiles ?? []) {
        expect(fs.existsSync(path.join(repoRoot, file))).toBe(true);
      }
    }
  });

  const haveChartData = fs.existsSync(checkValues);
  // Skipped, with the reason in its name, when the chart data is not beside this clone.
  (haveChartData ? it : it.skip)(
    `passes ../shared/tools/check-values for every pinned chart (values/check-all.sh)${
      haveChartData ? '' : ' [skipped: ../shared/tools/check-values not found]'
    }`,
    () => {
      const run = spawnSync('bash', [path.join(repoRoot, 'values/check-all.sh'), '--strict'], {
        encoding: 'utf8',
      });
      expect(`${run.stdout}${run.stderr}`).toMatch(/check-all: ok/);
      expect(run.status).toBe(0);
    },
    60_000,
  );

});
