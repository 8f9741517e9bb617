import { ScmIntegrationRegistry } from '@backstage/integration';
import { InputError } from '@backstage/errors';
import { parseRepoUrl } from '@backstage/plugin-scaffolder-node';
import { createTemplateFilter } from '@backstage/plugin-scaffolder-node/alpha';

/** '.', './x', 'x/' and '/x' name the same folder as 'x'; '.' alone is the repository root. */
function normalizePath(path: string): string {
  return path
    .split('/')
    .filter(part => part !== '' && part !== '.')
    .join('/');
}

/**
 * `scmFileUrl(branch, path)`: the web URL of a file or folder in a RepoUrlPicker repository, in
 * the shape the host's URL reader understands (GitHub `/tree/`, GitLab `/-/tree/`, Gitea
 * `/src/branch/` under the integration's baseUrl). fetch:plain and catalog:register take it.
 */
export const createScmFileUrlFilter = (integrations: ScmIntegrationRegistry) =>
  createTemplateFilter({
    id: 'scmFileUrl',
    description:
      'The web URL of a path on a branch of a repository picked with RepoUrlPicker (GitHub, GitLab or Gitea)',
    schema: z =>
      z
        .function()
        .args(
          z.string().describe('repo URL as collected by RepoUrlPicker'),
          z.string().describe('branch'),
          z.string().describe('path in the repository; "." is the root'),
        )
        .returns(z.string().describe('URL for fetch:plain / catalog:register')),
    examples: [
      {
        description: 'catalog-info.yaml of a cluster repository',
        example: `\${{ parameters.repoUrl | scmFileUrl('main', 'catalog-info.yaml') }}`,
      },
    ],
    filter: (repoUrl: string, branch: string, path: string) => {
      const { host, owner, repo } = parseRepoUrl(repoUrl, integrations);
      const integration = integrations.byHost(host)!;
      const rest = normalizePath(path);
      const suffix = rest ? `/${rest}` : '';
      switch (integration.type) {
        case 'github':
          return `https://${host}/${owner}/${repo}/tree/${branch}${suffix}`;
        case 'gitlab':
          return `https://${host}/${owner}/${repo}/-/tree/${branch}${suffix}`;
        case 'gitea': {
          const baseUrl = (
            integrations.gitea.byHost(host)?.config.baseUrl ?? `https://${host}`
          ).replace(/\/+$/, '');
          return `${baseUrl}/${owner}/${repo}/src/branch/${branch}${suffix}`;
        }
        default:
          throw new InputError(
            `scmFileUrl: ${integration.type} hosts (${host}) are not supported; use a GitHub, GitLab or Gitea repository`,
          );
      }
    },
  });
