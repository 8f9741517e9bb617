import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Install the add-ons of cluster.yaml on the bootstrapped cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'addons',
          action: 'kpaas:addons',
          name: 'Install platform add-ons',
          input: {
            repoUrl: '${{ parameters.repoUrl }}',
            clusterName: '${{ steps.bootstrap.output.clusterName }}',
          },
        },
      ],
    }),
  },
  {
    description: 'Tear the add-ons down in reverse order',
    example: yaml.stringify({
      steps: [
        {
          id: 'addons',
          action: 'kpaas:addons',
          name: 'Uninstall platform add-ons',
          input: {
            clusterName: 'demo',
            uninstall: true,
          },
        },
      ],
    }),
  },
];
