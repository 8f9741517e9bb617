import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderTemplatingExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import {
  createAddonsAction,
  createBootstrapAction,
  createProvisionAction,
} from './actions';
import { KpaasBackendClient } from './backendClient';
import { createClusterRepoAction } from './actions/clusterRepo';
import { createClusterChangeAction } from './actions/clusterChange';
import { createCertsRenewAction } from './actions/certsRenew';
import { createEtcdRestoreAction } from './actions/etcdRestore';
import { createEtcdSnapshotAction } from './actions/etcdSnapshot';
import { createUpgradeAction } from './actions/upgrade';
import { createRemoveNodesAction } from './actions/removeNodes';
import { createRetireAction } from './actions/retire';
import { createScmFileUrlFilter } from './filters/scmFileUrl';
import { createScmTypeFilter } from './filters/scmType';
import { ToolShutdown } from './process/shutdown';

/**
 * Registers the kpaas actions and the `scmType` / `scmFileUrl` template filters with the scaffolder.
 * @public
 */
export const scaffolderModuleKpaas = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kpaas',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        templating: scaffolderTemplatingExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        config: coreServices.rootConfig,
        lifecycle: coreServices.lifecycle,
        // kpaas:retire removes the cluster's entity with the initiator's credentials
        catalog: catalogServiceRef,
      },
      async init({
        scaffolder,
        templating,
        discovery,
        auth,
        permissions,
        config,
        lifecycle,
        catalog,
      }) {
        // Terraform runs in its own process group: stop it (and wait) when the backend stops,
        // so no orphan keeps running or holds its state lock.
        const toolShutdown = new ToolShutdown();
        lifecycle.addShutdownHook(() => toolShutdown.shutdown());
        // one kpaas-backend client for every action: registration, inventory, timeline, state
        const client = new KpaasBackendClient({
          discovery,
          auth,
          stateBaseUrl: config.getOptionalString(
            'kpaas.terraformState.baseUrl',
          ),
        });
        // every action authorizes the task's initiator with these permissions before it runs
        const services = { discovery, auth, permissions, config, client };
        scaffolder.addActions(
          createClusterRepoAction(),
          createProvisionAction({ ...services, toolShutdown }),
          createBootstrapAction(services),
          createAddonsAction(services),
          createEtcdSnapshotAction(services),
          createEtcdRestoreAction(services),
          createCertsRenewAction(services),
          createClusterChangeAction(services),
          createUpgradeAction(services),
          createRemoveNodesAction(services),
          createRetireAction({ ...services, toolShutdown, catalog }),
        );
        const integrations = ScmIntegrations.fromConfig(config);
        templating.addTemplateFilters([
          createScmTypeFilter(integrations),
          createScmFileUrlFilter(integrations),
        ]);
      },
    });
  },
});
