import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { KpaasClient, kpaasApiRef } from './api';
import {
  ClusterTotalsField,
  KPAAS_CLUSTER_TOTALS_FIELD,
} from './components/ClusterTotalsField';
import { HostsField, KPAAS_HOSTS_FIELD } from './components/HostsField';
import {
  AddonPicker,
  KPAAS_ADDON_PICKER_FIELD,
} from './components/AddonPicker';
import {
  ChangePlanField,
  KPAAS_CHANGE_PLAN_FIELD,
} from './components/ChangePlanField';

/** The fleet page's route in legacy apps. */
const legacyRootRouteRef = createRouteRef({ id: 'kpaas' });

/**
 * kpaas plugin for legacy (non new-frontend-system) apps.
 * @public
 */
export const kpaasPlugin = createPlugin({
  id: 'kpaas',
  routes: { root: legacyRootRouteRef },
  apis: [
    createApiFactory({
      api: kpaasApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KpaasClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * The fleet page: every registered cluster with its health (legacy apps:
 * `<Route path="/kpaas" element={<KpaasFleetPage />} />`, and a sidebar item to `/kpaas`).
 * @public
 */
export const KpaasFleetPage = kpaasPlugin.provide(
  createRoutableExtension({
    name: 'KpaasFleetPage',
    component: () =>
      import('./components/FleetPage').then(m => m.LegacyFleetPage),
    mountPoint: legacyRootRouteRef,
  }),
);

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

/**
 * The Cluster tab for a kpaas cluster entity (legacy apps: an
 * `<EntityLayout.Route path="/kpaas" title="Cluster" if={isKpaasCluster}>`).
 * @public
 */
export const EntityKpaasClusterContent = kpaasPlugin.provide(
  createComponentExtension({
    name: 'EntityKpaasClusterContent',
    component: {
      lazy: () =>
        import('./components/ClusterContent').then(m => m.ClusterContent),
    },
  }),
);

/**
 * Read-only scaffolder field `KpaasClusterTotals` for the kpaas-cluster template: vCPU, memory
 * and disk per role and in total, computed from the whole form (legacy apps: put it inside
 * `<ScaffolderFieldExtensions>` of the scaffolder route).
 * @public
 */
export const KpaasClusterTotalsFieldExtension = kpaasPlugin.provide(
  createScaffolderFieldExtension({
    name: KPAAS_CLUSTER_TOTALS_FIELD,
    component: ClusterTotalsField,
  }),
);

/**
 * Scaffolder field `KpaasHostsField`: existing machines as a compact table, one row per host
 * (legacy apps: put it inside `<ScaffolderFieldExtensions>`).
 * @public
 */
export const KpaasHostsFieldExtension = kpaasPlugin.provide(
  createScaffolderFieldExtension({
    name: KPAAS_HOSTS_FIELD,
    component: HostsField,
  }),
);

/**
 * Scaffolder field `KpaasAddonPicker`: the add-on catalog grouped by category with versions,
 * dependencies ticked along and conflicts explained (legacy apps: put it inside
 * `<ScaffolderFieldExtensions>`).
 * @public
 */
export const KpaasAddonPickerFieldExtension = kpaasPlugin.provide(
  createScaffolderFieldExtension({
    name: KPAAS_ADDON_PICKER_FIELD,
    component: AddonPicker,
  }),
);

/**
 * Scaffolder field `KpaasChangePlan`: the change template's plan, computed from the registered
 * cluster.yaml as kpaas:cluster-change computes it (legacy apps: put it inside
 * `<ScaffolderFieldExtensions>`).
 * @public
 */
export const KpaasChangePlanFieldExtension = kpaasPlugin.provide(
  createScaffolderFieldExtension({
    name: KPAAS_CHANGE_PLAN_FIELD,
    component: ChangePlanField,
  }),
);
