/*
 * Gitea stand-in of the proof rig: a real git server (bare repositories,
 * git-http-backend) with the Gitea API v1 endpoints Backstage's Gitea
 * integration uses. Tests, benchmarks and the local demo only.
 *
 *   const gitea = await startGiteaStandIn({ username: 'bot', password: 's3cret', orgs: ['acme'] });
 *   config: { integrations: { gitea: [gitea.integrationConfig()] } }
 *   publish:gitea with repoUrl `${gitea.host}?owner=acme&repo=svc`
 *   await gitea.files('acme', 'svc');  gitea.requests();
 *   await gitea.close();
 */
export { startGiteaStandIn } from './giteaStandIn';
export type {
  GiteaStandIn,
  GiteaStandInOptions,
  GiteaIntegrationConfig,
  GiteaRequestKind,
  GiteaRequestLogEntry,
  GitCommitInfo,
  GitSignature,
} from './giteaStandIn';
