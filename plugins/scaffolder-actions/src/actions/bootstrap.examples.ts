import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Bootstrap the machines kpaas:provision stored in kpaas-backend for the cluster of cluster.yaml',
    example: yaml.stringify({
      steps: [
        {
          id: 'bootstrap',
          action: 'kpaas:bootstrap',
          name: 'Build the Kubernetes cluster',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            sshUser: 'ubuntu',
          },
        },
      ],
    }),
  },
  {
    description:
      'Bootstrap existing machines, accepting their host keys on first use',
    example: yaml.stringify({
      steps: [
        {
          id: 'bootstrap',
          action: 'kpaas:bootstrap',
          name: 'Build the Kubernetes cluster',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            sshUser: 'kpaas',
            trustOnFirstUse: true,
          },
        },
      ],
    }),
  },
];
