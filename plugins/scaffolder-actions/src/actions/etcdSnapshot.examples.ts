import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Take a verified etcd snapshot on the first control plane before an upgrade',
    example: yaml.stringify({
      steps: [
        {
          id: 'snapshot',
          action: 'kpaas:etcd-snapshot',
          name: 'Snapshot etcd',
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
    description: 'Take the snapshot on a named control plane',
    example: yaml.stringify({
      steps: [
        {
          id: 'snapshot',
          action: 'kpaas:etcd-snapshot',
          name: 'Snapshot etcd on demo-cp-2',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            node: 'demo-cp-2',
          },
        },
      ],
    }),
  },
];
