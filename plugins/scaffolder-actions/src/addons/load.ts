import { InputError } from '@backstage/errors';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterRepo, loadClusterRepo } from '../core/loadClusterRepo';
import { AddonPlan, AddonPlanError, buildAddonPlan } from './plan';

function reader(root: string) {
  return (rel: string): string | undefined => {
    const full = path.resolve(root, rel);
    if (!full.startsWith(path.resolve(root) + path.sep)) return undefined;
    try {
      return fs.readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  };
}

/**
 * The run's cluster repo through the one loader every kpaas action uses (safe path, cluster.yaml
 * checked with the add-on catalog, derived files current), before anything is contacted.
 */
export function loadAddonsRepo(
  ctx: { input: { repoPath: string }; workspacePath: string },
  options: { valuesPackDir?: string },
): ClusterRepo {
  return loadClusterRepo({
    workspacePath: ctx.workspacePath,
    repoPath: ctx.input.repoPath,
    valuesPackDir: options.valuesPackDir,
  });
}

/** Reads and checks everything that can be checked before connecting. */
export function loadAddonPlan(
  ctx: { input: { repoPath: string }; workspacePath: string },
  options: { valuesPackDir?: string },
  /** Private address of the first control plane (from the inventory), once known. */
  firstControlPlaneAddress?: string,
  repo: ClusterRepo = loadAddonsRepo(ctx, options),
): AddonPlan {
  const readRepoFile = reader(repo.dir);
  // the catalog file is <pack root>/values/addons.yaml (the repo's own, or the values pack's)
  const readPackFile = reader(path.dirname(path.dirname(repo.catalogFile)));
  try {
    return buildAddonPlan({
      specText: readRepoFile('cluster.yaml')!,
      catalogText: readPackFile('values/addons.yaml')!,
      readPackFile,
      readRepoFile,
      firstControlPlaneAddress,
    });
  } catch (e) {
    if (e instanceof AddonPlanError) throw new InputError(e.message);
    throw e;
  }
}
