import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderTemplatingExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import {
  createAddonsAction,
  createBootstrapAction,
  createProvisionAction,
} from './actions';
import { createScmFileUrlFilter } from './filters/scmFileUrl';
import { createScmTypeFilter } from './filters/scmType';

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
      },
      async init({
        scaffolder,
        templating,
        discovery,
        auth,
        permissions,
        config,
      }) {
        // every action authorizes the task's initiator with these permissions before it runs
        const services = { discovery, auth, permissions, config };
        scaffolder.addActions(
          createProvisionAction(services),
          createBootstrapAction(services),
          createAddonsAction(services),
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
