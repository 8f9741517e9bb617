import { InputError } from '@backstage/errors';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import fs from 'node:fs';
import path from 'node:path';
import { applyClusterAccess } from './rbac';

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
  const parsed = parseClusterSpec(
    fs.readFileSync(path.join(opts.repoDir, 'cluster.yaml'), 'utf8'),
  );
  if (!parsed.ok) {
    throw new InputError(
      `cluster.yaml: ${parsed.errors
        .map(e => `${e.path}: ${e.message}`)
        .join('; ')}`,
    );
  }
  const { repoDir, ...rest } = opts;
  return applyClusterAccess({
    ...rest,
    spec: parsed.spec,
    deadline: Date.now() + KEYCLOAK_WAIT_MS,
  });
}
