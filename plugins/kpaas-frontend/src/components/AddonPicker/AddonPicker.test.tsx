import fs from 'node:fs';
import path from 'node:path';
import { configure, fireEvent, screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { parseAddonCatalog } from '@internal/plugin-kpaas-common';
import type { AddonCatalog } from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../../api';
import { mockKpaasApi } from '../../__testUtils__/mockKpaasApi';
import { AddonPicker, AddonPickerProps } from './AddonPicker';
import { addonGroups, toggleAddon } from './addonChoice';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

// The catalog kpaas ships, as GET /api/kpaas/addons returns it.
// eslint-disable-next-line no-restricted-syntax
const repoRoot = path.resolve(__dirname, '../../../../..');
const parsed = parseAddonCatalog(
  fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const catalog: AddonCatalog = parsed.catalog;
const version = (id: string) => {
  const a = catalog.addons.find(x => x.id === id)!;
  return a.type === 'helm' ? a.helm.version : '';
};

async function renderPicker(formData: string[] | undefined) {
  const onChange = jest.fn();
  const api = mockKpaasApi(new Error('unused'));
  api.getAddonCatalog.mockResolvedValue(catalog);
  const props = {
    name: 'addons',
    schema: { title: 'Add-ons', type: 'array', description: 'Pinned charts.' },
    uiSchema: { 'ui:field': 'KpaasAddonPicker' },
    idSchema: { $id: 'root_addons' },
    formData,
    onChange,
    onBlur: jest.fn(),
    onFocus: jest.fn(),
    errorSchema: {},
    rawErrors: [],
    required: false,
    disabled: false,
    readonly: false,
    registry: {},
  } as unknown as AddonPickerProps;
  await renderInTestApp(
    <TestApiProvider apis={[[kpaasApiRef, api]]}>
      <AddonPicker {...props} />
    </TestApiProvider>,
  );
  await screen.findByTestId('kpaas-addon-picker');
  return { onChange, api };
}

const row = (id: string) => screen.getByTestId(`addon-${id}`);
const box = (id: string) =>
  within(row(id)).getByRole('checkbox') as HTMLInputElement;

describe('AddonPicker', () => {
  it('groups the catalog by category, each add-on with its pinned version', async () => {
    await renderPicker(['metallb', 'envoy-gateway']);
    const picker = screen.getByTestId('kpaas-addon-picker');
    const headings = within(picker)
      .getAllByText(/^(networking|storage|security|observability|gitops)$/)
      .map(h => h.textContent);
    expect(headings).toEqual(
      expect.arrayContaining(['networking', 'observability', 'gitops']),
    );
    expect(within(row('metallb')).getByText(version('metallb'))).toBeTruthy();
    expect(within(row('argo-cd')).getByText(version('argo-cd'))).toBeTruthy();
    expect(screen.getAllByTestId(/^addon-/).length).toBeGreaterThanOrEqual(
      catalog.addons.length,
    );
  });

  it('ticks the dependencies of a prefilled choice once the catalog is there', async () => {
    const { onChange } = await renderPicker(['envoy-gateway']);
    expect(onChange).toHaveBeenCalledWith(['metallb', 'envoy-gateway']);
  });

  it('ticks what an add-on needs along with it', async () => {
    const { onChange } = await renderPicker(['metallb', 'envoy-gateway']);
    fireEvent.click(box('kiali'));
    const next = onChange.mock.calls.at(-1)![0] as string[];
    expect(next).toEqual(
      expect.arrayContaining([
        'kiali',
        'kube-prometheus-stack',
        'istiod',
        'istio-base',
        'metallb',
        'envoy-gateway',
      ]),
    );
  });

  it('keeps a needed add-on and says who needs it', async () => {
    await renderPicker(['metallb', 'envoy-gateway']);
    expect(box('metallb').disabled).toBe(true);
    expect(within(row('metallb')).getByTestId('addon-needed-by').textContent).toBe(
      'needed by Envoy Gateway (Gateway API)',
    );
    expect(box('envoy-gateway').disabled).toBe(false);
  });

  it('refuses a conflicting add-on and explains the conflict', async () => {
    await renderPicker(['metallb', 'envoy-gateway', 'vault']);
    expect(box('ingress-nginx').disabled).toBe(true);
    expect(
      within(row('ingress-nginx')).getByTestId('addon-blocked').textContent,
    ).toBe('Envoy Gateway (Gateway API) already provides ingress-controller');
    expect(box('openbao').disabled).toBe(true);
    expect(within(row('openbao')).getByTestId('addon-blocked').textContent).toBe(
      'HashiCorp Vault already provides secrets-manager',
    );
    // the portal needs ingress-nginx, which conflicts with the chosen Envoy Gateway
    expect(
      within(row('kpaas-cp-portal')).getByTestId('addon-blocked').textContent,
    ).toMatch(/^needs Ingress NGINX, which Envoy Gateway .* already provides ingress-controller$/);
    expect(within(row('ingress-nginx')).getByText('retired')).toBeTruthy();
  });

  it('says so when the catalog cannot be loaded', async () => {
    const onChange = jest.fn();
    const api = mockKpaasApi(new Error('unused'));
    api.getAddonCatalog.mockRejectedValue(new Error('503 catalog not loaded'));
    await renderInTestApp(
      <TestApiProvider apis={[[kpaasApiRef, api]]}>
        <AddonPicker
          {...({
            schema: { title: 'Add-ons' },
            idSchema: { $id: 'root_addons' },
            formData: [],
            onChange,
          } as unknown as AddonPickerProps)}
        />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/could not be loaded from kpaas-backend: 503/),
    ).toBeTruthy();
  });
});

describe('addonChoice', () => {
  it('unticking removes only that add-on; ticking adds the dependency closure', () => {
    expect(
      toggleAddon(catalog, ['metallb', 'envoy-gateway'], 'envoy-gateway', false),
    ).toEqual(['metallb']);
    expect(toggleAddon(catalog, [], 'otel-logs', true)).toEqual([
      'loki',
      'otel-logs',
    ]);
  });

  it('lists categories in the catalog schema order, every add-on once', () => {
    const groups = addonGroups(catalog, []);
    expect(groups[0].category).toBe('networking');
    expect(groups.flatMap(g => g.rows.map(r => r.addon.id)).sort()).toEqual(
      catalog.addons.map(a => a.id).sort(),
    );
  });
});
