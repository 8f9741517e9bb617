import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { KpaasPermissionPolicy } from '@internal/plugin-kpaas-backend';

/**
 * The permission backend's policy: kpaas's sample policy (admins everything, owners their
 * clusters, everyone else `kpaas.cluster.create`; `kubernetes.proxy` for admins only), read from
 * `kpaas.permissions`. The policy itself lives in kpaas-backend next to the rule it uses, so the
 * plugin's route tests run against the same policy.
 */
export const kpaasPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'kpaas-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(KpaasPermissionPolicy.fromConfig(config));
      },
    });
  },
});
