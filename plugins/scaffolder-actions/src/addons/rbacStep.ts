import { applyClusterAccess } from './rbac';
import { readClusterSpec } from './rbacCatalog';

/** How long the access step waits for a Keycloak that does not answer yet. */
const KEYCLOAK_WAIT_MS = 5 * 60_000;

/**
 * kpaas:addons' access step: reads cluster.yaml of the run's repo (already checked by the plan)
 * and applies spec.access (see ./rbac.ts applyClusterAccess).
 */
export async function runClusterAccess(
  opts: Omit<Parameters<typeof applyClusterAccess>[0], 'spec' | 'deadline'> & {
    repoDir: string;
  },
) {
  const { repoDir, ...rest } = opts;
  return applyClusterAccess({
    ...rest,
    spec: readClusterSpec(repoDir),
    deadline: Date.now() + KEYCLOAK_WAIT_MS,
  });
}
