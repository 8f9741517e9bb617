import { applyClusterAccess } from './rbac';

/** How long the access step waits for a Keycloak that does not answer yet. */
const KEYCLOAK_WAIT_MS = 5 * 60_000;

/**
 * kpaas:addons' access step: applies spec.access of the run's cluster.yaml (loaded and checked
 * with the plan) (see ./rbac.ts applyClusterAccess).
 */
export async function runClusterAccess(
  opts: Omit<Parameters<typeof applyClusterAccess>[0], 'deadline'>,
) {
  return applyClusterAccess({
    ...opts,
    deadline: Date.now() + KEYCLOAK_WAIT_MS,
  });
}
