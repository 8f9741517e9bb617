import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Restore etcd on every control plane from the snapshot a previous step took',
    example: yaml.stringify({
      steps: [
        {
          id: 'restore',
          action: 'kpaas:etcd-restore',
          name: 'Restore etcd',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            snapshotNode: '${{ steps.snapshot.output.node }}',
            snapshotPath: '${{ steps.snapshot.output.path }}',
            confirm: '${{ parameters.confirmClusterName }}',
          },
        },
      ],
    }),
  },
];
