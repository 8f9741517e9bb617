import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Plan the machines of the cluster repo rendered by the previous step (for platform review)',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'kpaas:provision',
          name: 'Plan infrastructure',
          input: { repoPath: './cluster', mode: 'plan' },
        },
      ],
    }),
  },
  {
    description: 'Apply with a one hour limit, using OpenTofu',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'kpaas:provision',
          name: 'Provision machines',
          input: {
            repoPath: '.',
            mode: 'apply',
            terraformPath: 'tofu',
            timeoutMinutes: 60,
          },
        },
      ],
    }),
  },
];
