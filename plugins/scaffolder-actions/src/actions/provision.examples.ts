import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Plan the machines of the cluster repo rendered by the previous step (for platform review)',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'kpaas:provision',
          name: 'Plan infrastructure',
          input: {
            repoPath: './cluster',
            mode: 'plan',
            // the repository the workspace came from: a registered cluster runs only from its own
            repoUrl: '${{ parameters.repoUrl }}',
          },
        },
      ],
    }),
  },
  {
    description: 'Apply with a one hour limit, using OpenTofu',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'kpaas:provision',
          name: 'Provision machines',
          input: {
            repoPath: '.',
            mode: 'apply',
            terraformPath: 'tofu',
            timeoutMinutes: 60,
          },
        },
      ],
    }),
  },
  {
    description:
      'Apply and give kpaas:bootstrap the floating (public) addresses of the nodes, for a Backstage outside the VPC',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          action: 'kpaas:provision',
          name: 'Provision machines',
          input: { repoPath: './cluster', mode: 'apply', sshAddress: 'public' },
        },
      ],
    }),
  },
  {
    description:
      'Tear the machines of a cluster down (destroy plan, then apply)',
    example: yaml.stringify({
      steps: [
        {
          id: 'teardown',
          action: 'kpaas:provision',
          name: 'Destroy machines',
          input: { repoPath: './cluster', mode: 'destroy', timeoutMinutes: 30 },
        },
      ],
    }),
  },
];
