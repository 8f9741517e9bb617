import path from 'node:path';
import { InputError } from '@backstage/errors';

/**
 * The absolute folder of the cluster repo inside the task workspace, from an action's
 * `repoPath` input. Refuses anything outside the workspace, including a sibling whose name
 * starts with the workspace's (`/ws-x` is not inside `/ws`). Shared by every kpaas action.
 */
export function resolveRepoPath(
  workspacePath: string,
  repoPath: string,
): string {
  const root = path.resolve(workspacePath);
  const repo = path.resolve(root, repoPath);
  const rel = path.relative(root, repo);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new InputError(
      `repoPath "${repoPath}" leaves the task workspace; use a path inside it (e.g. "." or "./cluster")`,
    );
  }
  return repo;
}
