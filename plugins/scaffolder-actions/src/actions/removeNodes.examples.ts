import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Before provision in an apply: drain, reset and delete the workers cluster.yaml no longer lists',
    example: yaml.stringify({
      steps: [
        {
          id: 'remove-nodes',
          action: 'kpaas:remove-nodes',
          name: 'Remove the leaving workers',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            sshUser: '${{ parameters.sshUser }}',
          },
        },
      ],
    }),
  },
  {
    description:
      'Give the PodDisruptionBudgets 30 minutes per node, and reach the API server at its public address',
    example: yaml.stringify({
      steps: [
        {
          id: 'remove-nodes',
          action: 'kpaas:remove-nodes',
          name: 'Remove the leaving workers',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            drainTimeoutSeconds: 1800,
            apiServerUrl: 'https://203.0.113.10:6443',
          },
        },
      ],
    }),
  },
];
