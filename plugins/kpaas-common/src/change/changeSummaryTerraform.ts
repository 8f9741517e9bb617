/**
 * A Terraform plan as kpaas:provision reports it (`terraform show -json` of the plan file):
 * Terraform's counts, and every resource it creates, updates, replaces or deletes.
 * @public
 */
export interface TerraformPlanSummary {
  add: number;
  change: number;
  destroy: number;
  resources: Array<{ address: string; action: string }>;
}

/** Terraform's words for the plan's actions, in the order the table lists them. */
const ACTION_ORDER = ['delete', 'replace', 'update', 'create'];

/**
 * The plan in Markdown, one row per resource (destroys first, so a reviewer sees them at once):
 * `| action | resource |` under Terraform's "Plan: N to add, M to change, K to destroy.".
 * @public
 */
export function formatTerraformPlanMarkdown(
  plan: TerraformPlanSummary,
): string {
  if (plan.resources.length === 0) {
    return '**Terraform plan:** no changes: the machines match the configuration.';
  }
  const rows = [...plan.resources].sort(
    (a, b) =>
      ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) ||
      a.address.localeCompare(b.address),
  );
  return [
    `**Terraform plan:** ${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy.`,
    '',
    '| action | resource |',
    '|---|---|',
    ...rows.map(r => `| ${r.action} | \`${r.address}\` |`),
  ].join('\n');
}
