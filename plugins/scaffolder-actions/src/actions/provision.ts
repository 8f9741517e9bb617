import { NotImplementedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './provision.examples';

/**
 * `kpaas:provision`: runs Terraform (or Vagrant) for the cluster repo's target and reports the
 * node inventory and endpoints for `kpaas:bootstrap`.
 *
 * Secrets (from the template's `secrets`, never inputs): `kakaoCredentialId`,
 * `kakaoCredentialSecret` (Kakao Cloud application credential), `sshPrivateKey`.
 *
 * @public
 */
export function createProvisionAction() {
  return createTemplateAction({
    id: 'kpaas:provision',
    description:
      'Provisions the machines of a kpaas cluster with Terraform (Kakao Cloud, Multipass), Vagrant, or checks an existing host list, and outputs the node inventory and endpoints',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoPath: z =>
          z
            .string({
              description:
                'Path of the cluster repo inside the task workspace (the folder holding cluster.yaml)',
            })
            .default('.'),
        mode: z =>
          z
            .enum(['plan', 'apply', 'destroy'], {
              description:
                'plan: init + plan only (for review); apply: plan then apply that plan; destroy: tear the machines down',
            })
            .default('plan'),
        terraformPath: z =>
          z
            .string({
              description:
                'Terraform (or OpenTofu) binary to run; defaults to `terraform`, then `tofu`, on the PATH',
            })
            .optional(),
        timeoutMinutes: z =>
          z
            .number({
              description:
                'Upper bound for the whole run; on expiry Terraform is stopped and its state lock released',
            })
            .int()
            .min(1)
            .max(600)
            .default(60),
      },
      output: {
        clusterName: z =>
          z.string({ description: 'Cluster name from cluster.yaml' }),
        target: z =>
          z.string({
            description: 'kakao-cloud, multipass, vagrant or existing',
          }),
        planSummary: z =>
          z
            .object(
              {
                add: z.number(),
                change: z.number(),
                destroy: z.number(),
                resources: z.array(
                  z.object({ address: z.string(), action: z.string() }),
                ),
              },
              {
                description:
                  'Terraform plan summary: N to add, M to change, K to destroy, and the resource list',
              },
            )
            .optional(),
        inventory: z =>
          z.array(
            z.object({
              name: z.string(),
              role: z.enum(['control-plane', 'worker', 'lb']),
              address: z.string(),
              privateAddress: z.string().optional(),
              publicAddress: z.string().optional(),
              port: z.number(),
              hostKeyFingerprint: z.string().optional(),
            }),
            {
              description:
                'Node inventory, ready to pass to kpaas:bootstrap as its `inventory` input',
            },
          ),
        endpoints: z =>
          z.object(
            {
              apiServerUrl: z.string(),
              apiVip: z.string().optional(),
              apiPublicAddress: z.string().optional(),
              ingressAddress: z.string().optional(),
            },
            { description: 'API server (VIP/LB) and ingress endpoints' },
          ),
      },
    },
    async handler() {
      throw new NotImplementedError(
        'kpaas:provision is registered but its handler is not implemented yet (tracked by the kpaas:provision issue); nothing was changed',
      );
    },
  });
}
