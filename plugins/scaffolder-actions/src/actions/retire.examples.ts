import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Retire a cluster: uninstall its add-ons, destroy its machines, archive its registry entry',
    example: yaml.stringify({
      steps: [
        {
          id: 'retire',
          action: 'kpaas:retire',
          name: 'Retire the cluster',
          input: {
            repoPath: './cluster',
            repoUrl: '${{ parameters.repoUrl }}',
            confirm: '${{ parameters.confirm }}',
            sshUser: '${{ parameters.sshUser }}',
          },
        },
      ],
    }),
  },
  {
    description:
      'The control planes are gone already: skip the add-on uninstall (their LoadBalancer addresses and volumes must be released by hand)',
    example: yaml.stringify({
      steps: [
        {
          id: 'retire',
          action: 'kpaas:retire',
          name: 'Retire the cluster',
          input: {
            repoPath: '.',
            repoUrl: '${{ parameters.repoUrl }}',
            confirm: 'demo',
            uninstallAddons: false,
          },
        },
      ],
    }),
  },
];
