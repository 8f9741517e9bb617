import {
  createComponentExtension,
  createPlugin,
} from '@backstage/core-plugin-api';

/**
 * kpaas plugin for legacy (non new-frontend-system) apps.
 * @public
 */
export const kpaasPlugin = createPlugin({ id: 'kpaas' });

/**
 * Overview card for a kpaas cluster entity (legacy apps: put it inside
 * `<EntitySwitch.Case if={isKpaasCluster}>`).
 * @public
 */
export const EntityKpaasClusterCard = kpaasPlugin.provide(
  createComponentExtension({
    name: 'EntityKpaasClusterCard',
    component: {
      lazy: () =>
        import('./components/ClusterOverviewCard').then(
          m => m.ClusterOverviewCard,
        ),
    },
  }),
);
