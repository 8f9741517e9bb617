import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { kpaasPermissions } from '@internal/plugin-kpaas-common';
import { createRouter } from './service/router';

/**
 * kpaas backend plugin: cluster registry, status, Terraform state backend and timeline.
 * @public
 */
export const kpaasPlugin = createBackendPlugin({
  pluginId: 'kpaas',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ httpRouter, permissionsRegistry }) {
        permissionsRegistry.addPermissions(kpaasPermissions);
        httpRouter.use(await createRouter());
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
