/** What `terraform plan` will do, as the action reports it. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  resources: Array<{ address: string; action: string }>;
}

interface ResourceChange {
  address?: string;
  change?: { actions?: string[] };
}

/** The action of one resource change, in Terraform's words. */
function actionOf(actions: string[]): string {
  const set = new Set(actions);
  if (set.has('create') && set.has('delete')) return 'replace';
  if (set.has('create')) return 'create';
  if (set.has('delete')) return 'delete';
  if (set.has('update')) return 'update';
  if (set.has('read')) return 'read';
  return 'no-op';
}

/**
 * Summarises `terraform show -json <planfile>` like Terraform's "Plan: N to add, M to change,
 * K to destroy." (a replacement counts as one add and one destroy), with the changed resources.
 */
export function summarizePlan(planJson: string): PlanSummary {
  let plan: { resource_changes?: ResourceChange[] };
  try {
    plan = JSON.parse(planJson);
  } catch (e) {
    throw new Error(`terraform show -json printed no valid JSON: ${e}`);
  }
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, resources: [] };
  for (const rc of plan.resource_changes ?? []) {
    const action = actionOf(rc.change?.actions ?? []);
    if (action === 'no-op' || action === 'read') continue;
    if (action === 'create' || action === 'replace') summary.add++;
    if (action === 'delete' || action === 'replace') summary.destroy++;
    if (action === 'update') summary.change++;
    summary.resources.push({ address: rc.address ?? '(unknown)', action });
  }
  return summary;
}

export function formatPlanSummary(summary: PlanSummary): string {
  const head =
    summary.resources.length === 0
      ? 'No changes: the machines match the configuration.'
      : `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`;
  return [
    head,
    ...summary.resources.map(r => `  ${r.action.padEnd(7)} ${r.address}`),
  ].join('\n');
}
