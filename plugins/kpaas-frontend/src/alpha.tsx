import {
  createFrontendPlugin,
  OverridableFrontendPlugin,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isKpaasCluster } from './conditions';

// Overview card on kpaas cluster entities: `entity-card:kpaas/cluster-overview`.
const kpaasClusterOverviewCard = EntityCardBlueprint.make({
  name: 'cluster-overview',
  params: {
    filter: isKpaasCluster,
    type: 'info',
    loader: async () =>
      import('./components/ClusterOverviewCard').then(m => (
        <m.ClusterOverviewCard />
      )),
  },
});

/**
 * kpaas plugin for the new frontend system.
 * @alpha
 */
const kpaasPlugin: OverridableFrontendPlugin = createFrontendPlugin({
  pluginId: 'kpaas',
  info: { packageJson: () => import('../package.json') },
  extensions: [kpaasClusterOverviewCard],
});

export default kpaasPlugin;
