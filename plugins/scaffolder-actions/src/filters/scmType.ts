import { ScmIntegrationRegistry } from '@backstage/integration';
import { parseRepoUrl } from '@backstage/plugin-scaffolder-node';
import { createTemplateFilter } from '@backstage/plugin-scaffolder-node/alpha';

/**
 * `scmType`: the integration type (github, gitlab, gitea, bitbucketServer, azure, …) configured
 * for a RepoUrlPicker value's host; a host no integration covers is an error that names it. Templates use it to pick
 * the publish action that matches the host the user chose, so one template serves GitHub and an
 * on-premises Gitea alike.
 */
export const createScmTypeFilter = (integrations: ScmIntegrationRegistry) =>
  createTemplateFilter({
    id: 'scmType',
    description:
      "The integration type of a repository URL's host (github, gitlab, gitea, …); fails for a host without an integration",
    schema: z =>
      z
        .function()
        .args(z.string().describe('repo URL as collected by RepoUrlPicker'))
        .returns(z.string().describe('integration type')),
    examples: [
      {
        description: 'Publish with the action of the chosen host',
        example: `- id: publish-gitea
  if: \${{ (parameters.repoUrl | scmType) == 'gitea' }}
  action: publish:gitea`,
        notes: 'gitea when `integrations.gitea[]` lists the picked host',
      },
    ],
    filter: (repoUrl: string) => {
      // parseRepoUrl throws an InputError naming the host when no integration covers it
      const { host } = parseRepoUrl(repoUrl, integrations);
      return integrations.byHost(host)!.type;
    },
  });
