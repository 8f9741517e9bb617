import {
  ClusterSpec,
  formatTerraformPlanMarkdown,
} from '@internal/plugin-kpaas-common';
import { ASSIGNED_AT_APPLY } from './outputs';
import type { ProvisionMode, ProvisionResult } from './types';

/**
 * The `summary` output: Markdown of the machines, the endpoints and the plan figures, for the
 * review pull request and the task page. Addresses only the tool knows read "assigned at apply".
 */
export function formatProvisionSummary(input: {
  spec: ClusterSpec;
  mode: ProvisionMode;
  result: ProvisionResult;
  dryRun: boolean;
}): string {
  const { spec, mode, result, dryRun } = input;
  const target = spec.spec.target.type;
  const lines = [`### Machines of \`${spec.metadata.name}\` (${target})`, ''];
  if (mode === 'destroy') {
    lines.push(
      dryRun
        ? 'Dry run: the machines would be destroyed; nothing was run.'
        : 'The machines were destroyed.',
    );
  } else {
    lines.push('| name | role | address |', '|---|---|---|');
    for (const n of result.inventory) {
      const address =
        n.address === ASSIGNED_AT_APPLY ? `_${ASSIGNED_AT_APPLY}_` : n.address;
      lines.push(`| ${n.name} | ${n.role} | ${address} |`);
    }
    const { endpoints } = result;
    lines.push(
      '',
      `API server: ${endpoints.apiServerUrl}${
        endpoints.ingressAddress ? `, ingress: ${endpoints.ingressAddress}` : ''
      }`,
    );
  }
  const plan = result.planSummary;
  lines.push('');
  if (plan) {
    // one row per resource, destroys first (the same table as the change pull request's)
    lines.push(formatTerraformPlanMarkdown(plan));
  } else if (dryRun && (target === 'kakao-cloud' || target === 'multipass')) {
    lines.push(
      `**Terraform plan:** not made in a dry run; ${result.inventory.length} machines from cluster.yaml, addresses marked _${ASSIGNED_AT_APPLY}_ come from Terraform.`,
    );
  } else if (target === 'vagrant') {
    lines.push(
      `**Vagrant:** ${result.inventory.length} machines with fixed addresses (no plan step).`,
    );
  } else if (target === 'existing') {
    lines.push('**Existing hosts:** nothing is created.');
  }
  return lines.join('\n');
}
