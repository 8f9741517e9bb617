import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Upgrade the cluster to its cluster.yaml's spec.kubernetes.version, one worker at a time",
    example: yaml.stringify({
      steps: [
        {
          id: 'upgrade',
          action: 'kpaas:upgrade',
          name: 'Upgrade Kubernetes',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            sshUser: 'ubuntu',
          },
        },
      ],
    }),
  },
  {
    description:
      'Upgrade five workers at a time, allowing each drain 15 minutes (PodDisruptionBudgets honoured)',
    example: yaml.stringify({
      steps: [
        {
          id: 'upgrade',
          action: 'kpaas:upgrade',
          name: 'Upgrade Kubernetes',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            maxUnavailable: 5,
            drainTimeoutSeconds: 900,
          },
        },
      ],
    }),
  },
];
