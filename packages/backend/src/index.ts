import { createBackend } from '@backstage/backend-defaults';
import { kpaasPermissionPolicyModule } from './modules/permissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder + the kpaas actions (kpaas:provision, kpaas:bootstrap, kpaas:addons)
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
// publish:gitea for on-premises Gitea servers (integrations.gitea)
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitea'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
backend.add(import('@internal/plugin-scaffolder-backend-module-kpaas'));

// kpaas: cluster registry, status, Terraform state backend, timeline
backend.add(import('@internal/plugin-kpaas-backend'));

// techdocs (cluster repos ship docs/ + mkdocs.yml)
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth (guest sign-in is enabled in app-config.yaml only, never in production)
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permissions, with kpaas's policy (see modules/permissionPolicy.ts)
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(kpaasPermissionPolicyModule);

// search
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin (kpaas supplies its clusters to it)
backend.add(import('@backstage/plugin-kubernetes-backend'));
backend.add(import('@internal/plugin-kpaas-backend/kubernetes'));

backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// A plugin that refuses to start (e.g. kpaas without its encryption key in production) stops
// the process with a non-zero exit, so an orchestrator shows the failure instead of a backend
// that answers without that plugin.
backend.start().catch(error => {
  // eslint-disable-next-line no-console
  console.error(`backend startup failed: ${error?.message ?? error}`);
  process.exit(1);
});
