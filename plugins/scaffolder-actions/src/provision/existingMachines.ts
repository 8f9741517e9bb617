import { inventoryFromSpec } from './outputs';
import { ProvisionResult, ProvisionRun } from './types';

/** existing: nothing to create; the validated host list of cluster.yaml is the inventory. */
export async function provisionExistingMachines(
  run: ProvisionRun,
): Promise<ProvisionResult> {
  const startedAt = new Date();
  const planned = inventoryFromSpec(run.spec);
  run.logger.info(
    `spec.target.type existing: ${planned.inventory.length} hosts checked, no machines to create`,
  );
  await run.recorder.timeline({
    step: 'inventory',
    status: 'succeeded',
    startedAt: startedAt,
    summary: `${planned.inventory.length} existing hosts`,
  });
  return planned;
}
