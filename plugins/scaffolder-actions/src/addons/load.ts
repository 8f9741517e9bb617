import { InputError } from '@backstage/errors';
import fs from 'node:fs';
import path from 'node:path';
import { resolveRepoPath } from '../workspace/resolveRepoPath';
import { AddonPlan, AddonPlanError, buildAddonPlan } from './plan';

// eslint-disable-next-line no-restricted-syntax
const DEFAULT_PACK_ROOT = path.resolve(__dirname, '../../../..');

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

/** Reads and checks everything that can be checked before connecting. */
export function loadAddonPlan(
  ctx: { input: { repoPath: string }; workspacePath: string },
  options: { valuesPackDir?: string },
  /** Private address of the first control plane (from the inventory), once known. */
  firstControlPlaneAddress?: string,
): AddonPlan {
  const repo = resolveRepoPath(ctx.workspacePath, ctx.input.repoPath);
  const readRepoFile = reader(repo);
  const specText = readRepoFile('cluster.yaml');
  if (specText === undefined) {
    throw new InputError(
      `repoPath: no cluster.yaml in "${ctx.input.repoPath}"; point repoPath at the cluster repo (fetch it first)`,
    );
  }
  const packRoot =
    readRepoFile('values/addons.yaml') !== undefined
      ? repo
      : options.valuesPackDir ?? DEFAULT_PACK_ROOT;
  const readPackFile = reader(packRoot);
  const catalogText = readPackFile('values/addons.yaml');
  if (catalogText === undefined) {
    throw new InputError(
      `the values pack (values/addons.yaml) is neither in the cluster repo nor in ${packRoot}; configure createAddonsAction({ valuesPackDir })`,
    );
  }
  try {
    return buildAddonPlan({
      specText,
      catalogText,
      readPackFile,
      readRepoFile,
      firstControlPlaneAddress,
    });
  } catch (e) {
    if (e instanceof AddonPlanError) throw new InputError(e.message);
    throw e;
  }
}
