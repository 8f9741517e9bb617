import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Bootstrap the machines that kpaas:provision created',
    example: yaml.stringify({
      steps: [
        {
          id: 'bootstrap',
          action: 'kpaas:bootstrap',
          name: 'Build the Kubernetes cluster',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            inventory: '${{ steps.provision.output.inventory }}',
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
            inventory: [
              {
                name: 'cp-1',
                role: 'control-plane',
                address: '10.0.0.11',
                port: 22,
              },
              {
                name: 'worker-1',
                role: 'worker',
                address: '10.0.0.21',
                port: 22,
              },
            ],
            sshUser: 'kpaas',
            trustOnFirstUse: true,
          },
        },
      ],
    }),
  },
];
