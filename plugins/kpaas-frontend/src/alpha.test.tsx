import { Entity } from '@backstage/catalog-model';
import { screen } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import kpaasPlugin from './alpha';

const kpaasClusterOverviewCard = kpaasPlugin.getExtension(
  'entity-card:kpaas/cluster-overview',
);

const clusterEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'demo',
    annotations: { 'kpaas.io/cluster-name': 'demo', 'kpaas.io/target': 'existing' },
  },
  spec: { type: 'kubernetes-cluster', owner: 'platform-team' },
};

describe('kpaas entity card extension', () => {
  it('renders on a kpaas cluster entity', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: clusterEntity }),
        kpaasClusterOverviewCard,
      ],
    });
    expect(await screen.findByText('Kubernetes cluster')).toBeInTheDocument();
    expect(await screen.findByText('existing')).toBeInTheDocument();
  });

  it('does not render on a component', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'svc', annotations: { 'kpaas.io/cluster-name': 'x' } },
            spec: { type: 'service', owner: 'a', lifecycle: 'production' },
          },
        }),
        kpaasClusterOverviewCard,
      ],
    });
    // The test entity page renders; give the card the chance to appear, then check it did not.
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(screen.queryByText('Kubernetes cluster')).not.toBeInTheDocument();
  });
});
