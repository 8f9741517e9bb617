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
  {
    description:
      "Restore etcd from one of spec.backup's S3 objects (the backup CronJob's or an uploaded on-demand one)",
    example: yaml.stringify({
      steps: [
        {
          id: 'restore',
          action: 'kpaas:etcd-restore',
          name: 'Restore etcd from S3',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            snapshotObject:
              's3://kpaas-etcd-backups/demo/kpaas-etcd-backup-29400000-x7k2q.db',
            confirm: '${{ parameters.confirmClusterName }}',
          },
        },
      ],
    }),
  },
];
