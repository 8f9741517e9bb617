import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Install the add-ons of cluster.yaml on the bootstrapped cluster',
    example: yaml.stringify({
      steps: [
        {
          id: 'addons',
          action: 'kpaas:addons',
          name: 'Install platform add-ons',
          input: {
            repoUrl: '${{ parameters.repoUrl }}',
            clusterName: '${{ steps.bootstrap.output.clusterName }}',
            controlPlane: '${{ steps.provision.output.inventory[0] }}',
          },
        },
      ],
    }),
  },
  {
    description: 'Tear the add-ons down in reverse order',
    example: yaml.stringify({
      steps: [
        {
          id: 'addons',
          action: 'kpaas:addons',
          name: 'Uninstall platform add-ons',
          input: {
            clusterName: 'demo',
            controlPlane: {
              name: 'cp-1',
              role: 'control-plane',
              address: '10.0.0.11',
              port: 22,
            },
            uninstall: true,
          },
        },
      ],
    }),
  },
];
