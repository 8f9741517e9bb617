import { Entity } from '@backstage/catalog-model';
import { configure, screen } from '@testing-library/react';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { ClusterTotalsField } from './components/ClusterTotalsField';
import kpaasPlugin from './alpha';
import { kpaasApiRef } from './api';
import { healthyStatus } from './__testUtils__/fixtures';
import { mockKpaasApi } from './__testUtils__/mockKpaasApi';
import { clusterEntity } from './__testUtils__/renderWithApis';

// The CI cores are shared: give async queries room before they give up.
configure({ asyncUtilTimeout: 10_000 });

jest.setTimeout(30_000);

const card = kpaasPlugin.getExtension('entity-card:kpaas/cluster-overview');
const content = kpaasPlugin.getExtension('entity-content:kpaas/cluster');

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'svc', annotations: { 'kpaas.io/cluster-name': 'x' } },
  spec: { type: 'service', owner: 'a', lifecycle: 'production' },
};
const plainCluster: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'other' },
  spec: { type: 'kubernetes-cluster', owner: 'a' },
};

function render(entity: Entity, extension: typeof card) {
  const api = mockKpaasApi(healthyStatus());
  renderTestApp({
    extensions: [createTestEntityPage({ entity }), extension],
    apis: [
      [kpaasApiRef, api],
      [permissionApiRef, mockApis.permission()],
    ],
  });
  return api;
}

describe('kpaas extensions', () => {
  it('declares the API, card and content extensions', () => {
    expect(kpaasPlugin.getExtension('api:kpaas')).toBeDefined();
    expect(card).toBeDefined();
    expect(content).toBeDefined();
  });

  it('provides the KpaasHostsField and KpaasAddonPicker scaffolder form fields', async () => {
    for (const [id, name] of [
      ['scaffolder-form-field:kpaas/hosts', 'KpaasHostsField'],
      ['scaffolder-form-field:kpaas/addon-picker', 'KpaasAddonPicker'],
    ]) {
      const field = kpaasPlugin.getExtension(id);
      expect(field).toBeDefined();
      const loader = createExtensionTester(field).get(
        FormFieldBlueprint.dataRefs.formFieldLoader,
      ) as unknown as () => Promise<unknown>;
      expect(((await loader()) as { name: string }).name).toBe(name);
    }
  });

  it('provides the KpaasClusterTotals scaffolder form field', async () => {
    const field = kpaasPlugin.getExtension(
      'scaffolder-form-field:kpaas/cluster-totals',
    );
    expect(field).toBeDefined();
    // the plugin is typed OverridableFrontendPlugin (TS2742), so its extensions' outputs are untyped
    const loader = createExtensionTester(field).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    ) as unknown as () => Promise<unknown>;
    // the FormField is opaque to plugins; its v1 shape carries the options given to createFormField
    const formField = (await loader()) as unknown as {
      $$type: string;
      name: string;
      component: unknown;
    };
    expect(formField.$$type).toBe('@backstage/scaffolder/FormField');
    expect(formField.name).toBe('KpaasClusterTotals');
    expect(formField.component).toBe(ClusterTotalsField);
  });

  it('renders the card on a kpaas cluster entity', async () => {
    render(clusterEntity, card);
    expect(await screen.findByText('Kubernetes cluster')).toBeInTheDocument();
    expect(await screen.findByTestId('cluster-health')).toHaveTextContent(
      'Healthy',
    );
  });

  it.each([
    ['a component', component],
    ['a plain kubernetes-cluster Resource', plainCluster],
  ])('does not render the card on %s', async (_, entity) => {
    const api = render(entity, card);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(screen.queryByText('Kubernetes cluster')).not.toBeInTheDocument();
    expect(api.getClusterStatus).not.toHaveBeenCalled();
  });

  it('renders the Cluster tab on a kpaas cluster entity', async () => {
    render(clusterEntity, content);
    expect(await screen.findByText('Cluster demo')).toBeInTheDocument();
    expect(await screen.findByTestId('nodes-ready-count')).toHaveTextContent(
      '5/5 nodes ready',
    );
  });

  it.each([
    ['a component', component],
    ['a plain kubernetes-cluster Resource', plainCluster],
  ])('does not render the Cluster tab on %s', async (_, entity) => {
    const api = render(entity, content);
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(screen.queryByText('Nodes')).not.toBeInTheDocument();
    expect(api.getClusterStatus).not.toHaveBeenCalled();
  });
});
