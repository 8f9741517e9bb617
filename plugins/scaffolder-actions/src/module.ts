import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createAddonsAction,
  createBootstrapAction,
  createProvisionAction,
} from './actions';

/**
 * Registers the kpaas actions with the scaffolder.
 * @public
 */
export const scaffolderModuleKpaas = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kpaas',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, discovery, auth, config }) {
        scaffolder.addActions(
          createProvisionAction({ discovery, auth, config }),
          createBootstrapAction({ discovery, auth }),
          createAddonsAction({ discovery, auth }),
        );
      },
    });
  },
});
