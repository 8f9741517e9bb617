import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: "Scale the fetched cluster's workers to 3",
    example: yaml.stringify({
      steps: [
        {
          id: 'change',
          action: 'kpaas:cluster-change',
          name: 'Change cluster.yaml',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            workers: 3,
          },
        },
      ],
    }),
  },
  {
    description:
      'Add Harbor (its dependencies come along) and upgrade Kubernetes one minor',
    example: yaml.stringify({
      steps: [
        {
          id: 'change',
          action: 'kpaas:cluster-change',
          name: 'Change cluster.yaml',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            addAddons: ['harbor'],
            kubernetesVersion: 'v1.34.1',
          },
        },
      ],
    }),
  },
];
