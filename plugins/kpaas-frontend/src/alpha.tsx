import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  OverridableFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import StorageIcon from '@material-ui/icons/Storage';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { isKpaasCluster } from './conditions';
import { KpaasClient, kpaasApiRef } from './api';
import { rootRouteRef } from './routes';

// The extension consts stay unexported: exporting them makes tsc name types from
// frontend-plugin-api's internal chunks (TS2742). Tests reach them via plugin.getExtension().

// `api:kpaas`, providing `plugin.kpaas.client`
const kpaasApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: kpaasApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KpaasClient({ discoveryApi, fetchApi }),
    }),
});

// The fleet page at `/kpaas` (sidebar "Clusters"): `page:kpaas`.
const kpaasFleetPage = PageBlueprint.make({
  params: {
    path: '/kpaas',
    title: 'Clusters',
    icon: <StorageIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: async () =>
      import('./components/FleetPage').then(m => <m.FleetPage />),
  },
});

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

// The Cluster tab: `entity-content:kpaas/cluster`.
const kpaasClusterContent = EntityContentBlueprint.make({
  name: 'cluster',
  params: {
    path: '/kpaas',
    title: 'Cluster',
    group: 'deployment',
    filter: isKpaasCluster,
    loader: async () =>
      import('./components/ClusterContent').then(m => <m.ClusterContent />),
  },
});

// The kpaas-cluster template's resource totals (`ui:field: KpaasClusterTotals`):
// `scaffolder-form-field:kpaas/cluster-totals`.
const kpaasClusterTotalsField = FormFieldBlueprint.make({
  name: 'cluster-totals',
  params: {
    field: () =>
      import('./components/ClusterTotalsField/formField').then(
        m => m.kpaasClusterTotalsFormField,
      ),
  },
});

// Existing machines as a table (`ui:field: KpaasHostsField`): `scaffolder-form-field:kpaas/hosts`.
const kpaasHostsField = FormFieldBlueprint.make({
  name: 'hosts',
  params: {
    field: () =>
      import('./components/HostsField/formField').then(
        m => m.kpaasHostsFormField,
      ),
  },
});

// The add-on picker (`ui:field: KpaasAddonPicker`): `scaffolder-form-field:kpaas/addon-picker`.
const kpaasAddonPickerField = FormFieldBlueprint.make({
  name: 'addon-picker',
  params: {
    field: () =>
      import('./components/AddonPicker/formField').then(
        m => m.kpaasAddonPickerFormField,
      ),
  },
});

// The change template's plan (`ui:field: KpaasChangePlan`): `scaffolder-form-field:kpaas/change-plan`.
const kpaasChangePlanField = FormFieldBlueprint.make({
  name: 'change-plan',
  params: {
    field: () =>
      import('./components/ChangePlanField/formField').then(
        m => m.kpaasChangePlanFormField,
      ),
  },
});

/**
 * kpaas plugin for the new frontend system.
 * @alpha
 */
const kpaasPlugin: OverridableFrontendPlugin = createFrontendPlugin({
  pluginId: 'kpaas',
  info: { packageJson: () => import('../package.json') },
  routes: { root: rootRouteRef },
  extensions: [
    kpaasApi,
    kpaasFleetPage,
    kpaasClusterOverviewCard,
    kpaasClusterContent,
    kpaasClusterTotalsField,
    kpaasHostsField,
    kpaasAddonPickerField,
    kpaasChangePlanField,
  ],
});

export default kpaasPlugin;
