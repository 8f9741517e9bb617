import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Write cluster.yaml from the kpaas-cluster order form and use its summary',
    example: yaml.stringify({
      steps: [
        {
          id: 'cluster-repo',
          action: 'kpaas:cluster-repo',
          name: 'Write cluster.yaml',
          input: { form: '${{ parameters }}' },
        },
      ],
      output: {
        text: [
          {
            title: 'What was ordered',
            content: "${{ steps['cluster-repo'].output.summary }}",
          },
        ],
      },
    }),
  },
  {
    description: 'A Multipass sandbox cluster written into a sub-folder',
    example: yaml.stringify({
      steps: [
        {
          id: 'cluster-repo',
          action: 'kpaas:cluster-repo',
          name: 'Write cluster.yaml',
          input: {
            repoPath: './cluster',
            form: {
              name: 'lab',
              owner: 'group:default/platform-team',
              environment: 'sandbox',
              target: 'multipass',
              multipass: {
                image: '24.04',
                controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
                worker: { cpus: 2, memoryGiB: 4, diskGiB: 50 },
              },
              controlPlaneCount: 1,
              workerCount: 2,
              domain: 'lab.k-paas.io',
              addons: ['envoy-gateway', 'metrics-server'],
              sshUser: 'ubuntu',
              sshPort: 22,
            },
          },
        },
      ],
    }),
  },
];
