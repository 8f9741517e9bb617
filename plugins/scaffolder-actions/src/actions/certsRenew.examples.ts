import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Renew the cluster's kubeadm certificates, one control plane at a time",
    example: yaml.stringify({
      steps: [
        {
          id: 'renew',
          action: 'kpaas:certs-renew',
          name: 'Renew certificates',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            sshUser: 'ubuntu',
          },
        },
      ],
    }),
  },
];
