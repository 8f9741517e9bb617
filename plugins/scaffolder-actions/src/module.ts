import { createBackendModule } from '@backstage/backend-plugin-api';
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
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(
          createProvisionAction(),
          createBootstrapAction(),
          createAddonsAction(),
        );
      },
    });
  },
});
