import pLimit from 'p-limit';
import {
  connectNode,
  HostKeyRecord,
  SshExecutorOptions,
  SshNodeSession,
  SshTarget,
} from './executor';

/** Several nodes failed; each error names its node. */
export class NodeFailuresError extends Error {
  name = 'NodeFailuresError';
  constructor(
    readonly what: string,
    readonly failures: Array<{ node: string; error: Error }>,
  ) {
    super(
      `${what} failed on ${failures.length} node(s):\n${failures
        .map(f => `  - ${f.error.message}`)
        .join('\n')}`,
    );
  }
}

/**
 * Connects to every target (at most `concurrency` handshakes at once). All failures are
 * reported together; on any failure the connections already made are closed.
 */
export async function connectAll(
  targets: SshTarget[],
  options: SshExecutorOptions,
  concurrency: number,
): Promise<Map<string, SshNodeSession>> {
  const limit = pLimit(concurrency);
  const sessions = new Map<string, SshNodeSession>();
  const failures: Array<{ node: string; error: Error }> = [];
  await Promise.all(
    targets.map(t =>
      limit(async () => {
        try {
          sessions.set(t.name, await connectNode(t, options));
        } catch (e) {
          failures.push({ node: t.name, error: e as Error });
        }
      }),
    ),
  );
  if (failures.length) {
    for (const s of sessions.values()) s.close();
    if (failures.length === 1) throw failures[0].error;
    throw new NodeFailuresError('SSH connect', failures);
  }
  return sessions;
}

/** Per-node work of one phase; `shouldStop()` turns true once another node failed. */
export type NodeWork<T> = (
  session: SshNodeSession,
  shouldStop: () => boolean,
) => Promise<T>;

/**
 * Runs `work` on the sessions with at most `concurrency` at once. When one node fails, nodes
 * that have not started are skipped and running ones are told to stop after their current
 * step (`shouldStop`), so nothing is left half-done; then the failures are thrown together.
 */
export async function runOnNodes<T>(
  sessions: SshNodeSession[],
  concurrency: number,
  work: NodeWork<T>,
  what: string,
): Promise<Map<string, T>> {
  const limit = pLimit(concurrency);
  const results = new Map<string, T>();
  const failures: Array<{ node: string; error: Error }> = [];
  let failed = false;
  await Promise.all(
    sessions.map(s =>
      limit(async () => {
        if (failed) return;
        try {
          results.set(s.name, await work(s, () => failed));
        } catch (e) {
          failed = true;
          failures.push({ node: s.name, error: e as Error });
        }
      }),
    ),
  );
  if (failures.length === 1) throw failures[0].error;
  if (failures.length) throw new NodeFailuresError(what, failures);
  return results;
}

export type { HostKeyRecord };
