import fs from 'node:fs';
import path from 'node:path';
import { configure, screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  parseAddonCatalog,
  previewClusterSpecFromForm,
} from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../../api';
import { mockKpaasApi } from '../../__testUtils__/mockKpaasApi';
import { ChangePlanField } from './ChangePlanField';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

// eslint-disable-next-line no-restricted-syntax
const repoRoot = path.resolve(__dirname, '../../../../..');
const parsed = parseAddonCatalog(
  fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const catalog = parsed.catalog;

/** A registered Multipass cluster with 1 control plane and 2 workers. */
const spec = previewClusterSpecFromForm({
  name: 'lab',
  owner: 'group:default/platform-team',
  environment: 'dev',
  target: 'multipass',
  controlPlaneCount: 1,
  workerCount: 2,
  addons: ['metrics-server'],
})!;

async function renderPlan(change: Record<string, unknown>) {
  const api = mockKpaasApi(new Error('unused'));
  api.getCluster.mockResolvedValue({
    name: 'lab',
    apiServerUrl: 'https://10.0.0.1:6443',
    source: 'config',
    spec,
    createdAt: '2026-12-03T12:00:00Z',
    updatedAt: '2026-12-03T12:00:00Z',
  } as any);
  api.getAddonCatalog.mockResolvedValue(catalog);
  const props = {
    name: 'plan',
    schema: { title: 'Plan', type: 'object', description: 'What it does.' },
    uiSchema: { 'ui:field': 'KpaasChangePlan' },
    idSchema: { $id: 'root_plan' },
    formData: undefined,
    formContext: { formData: { cluster: 'resource:default/lab', ...change } },
    onChange: jest.fn(),
    onBlur: jest.fn(),
    onFocus: jest.fn(),
    errorSchema: {},
    rawErrors: [],
    required: false,
    disabled: false,
    readonly: false,
  } as any;
  await renderInTestApp(
    <TestApiProvider apis={[[kpaasApiRef, api]]}>
      <ChangePlanField {...props} />
    </TestApiProvider>,
  );
  return api;
}

describe('ChangePlanField', () => {
  it('plans a worker scale-up of the registered cluster as kpaas:cluster-change does', async () => {
    const api = await renderPlan({ workers: 3 });
    expect(await screen.findByText('Change to cluster')).toBeTruthy();
    const plan = screen.getByTestId('kpaas-change-plan');
    expect(plan.textContent).toContain(
      'Workers: 2 → 3; new nodes lab-worker-3',
    );
    expect(api.getCluster).toHaveBeenCalledWith('lab');
  });

  it('names the nodes a scale-down drains and removes, newest first', async () => {
    await renderPlan({ workers: 1 });
    await screen.findByText('Change to cluster');
    expect(screen.getByTestId('kpaas-change-plan').textContent).toMatch(
      /Workers:\s*2 → 1.*lab-worker-2/s,
    );
  });

  it('plans the add-on values text as an upgrade with its values diff', async () => {
    await renderPlan({
      addonValues: 'metrics-server:\n  replicas: 2\n',
    });
    await screen.findByText('Change to cluster');
    const plan = screen.getByTestId('kpaas-change-plan').textContent;
    expect(plan).toMatch(/Add-ons to upgrade:.*metrics-server.*values change/s);
    expect(plan).toContain('+replicas: 2');
  });

  it('refuses add-on values text that is not a mapping, naming the field', async () => {
    await renderPlan({ addonValues: '- metrics-server\n' });
    const refused = await screen.findByTestId('kpaas-change-refused');
    expect(refused.textContent).toMatch(
      /^addonValues: must be a mapping of add-on id/,
    );
  });

  it('shows a refused change with the field, before anything is submitted', async () => {
    await renderPlan({ workers: 0 });
    const refused = await screen.findByTestId('kpaas-change-refused');
    expect(refused.textContent).toMatch(/^workers: 0 workers would leave/);
  });
});
