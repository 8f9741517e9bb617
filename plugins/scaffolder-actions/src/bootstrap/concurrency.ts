import fs from 'node:fs';
import os from 'node:os';

/*
 * How many nodes kpaas:bootstrap works on at once when the template does not say (`concurrency`
 * input left out): every node in one round, unless this machine (the Backstage backend running
 * the task) cannot afford that many SSH sessions at once. Each session holds one TCP socket and
 * its ssh2 state and buffers; the nodes do the work, so the controller's CPU per node is small
 * (about 6 ms per node for node preparation, bench/bootstrap-fanout), but hundreds of handshakes
 * at once on one core would queue past the connect timeout.
 *
 *   concurrency = max(1, min(nodes, 200, fd budget, memory budget, CPU budget))
 *   fd budget     = (soft RLIMIT_NOFILE − open descriptors) / 2, FDS_PER_NODE per node
 *   memory budget = a quarter of the available memory, MEMORY_PER_NODE per node
 *   CPU budget    = NODES_PER_CPU per available CPU
 */

/** The schema's upper bound of `concurrency`. */
export const MAX_BOOTSTRAP_CONCURRENCY = 200;
/** Descriptors per session: its socket, and one spare (DNS, the SFTP upload's channel buffers). */
export const FDS_PER_NODE = 2;
/** Controller memory per session, generous (ssh2 client, channel windows, captured output). */
export const MEMORY_PER_NODE = 8 * 1024 * 1024;
/** Sessions per CPU: their handshakes stay well within the connect timeout. */
export const NODES_PER_CPU = 100;

export interface ControllerResources {
  /** os.availableParallelism() */
  cpus: number;
  /** Memory the process may still use: available memory, or the cgroup limit's remainder */
  availableMemoryBytes: number;
  /** Soft limit of open files (RLIMIT_NOFILE) */
  fdLimit: number;
  /** Descriptors this process has open now */
  openFds: number;
}

export interface ConcurrencyChoice {
  concurrency: number;
  /** Why this many, for the task log: `all 100 nodes in one round`, or the limiting resource */
  reason: string;
}

/** The default concurrency for `nodes` nodes on a controller with `resources` (rule above). */
export function chooseBootstrapConcurrency(
  nodes: number,
  resources: ControllerResources,
): ConcurrencyChoice {
  const freeFds = Math.max(0, resources.fdLimit - resources.openFds);
  const budgets = [
    {
      limit: Math.floor(freeFds / 2 / FDS_PER_NODE),
      why: `file descriptors (soft limit ${resources.fdLimit}, ${resources.openFds} open; half of the rest at ${FDS_PER_NODE} per node)`,
    },
    {
      limit: Math.floor(resources.availableMemoryBytes / 4 / MEMORY_PER_NODE),
      why: `memory (${Math.round(
        resources.availableMemoryBytes / 2 ** 20,
      )} MiB available; a quarter of it at ${
        MEMORY_PER_NODE / 2 ** 20
      } MiB per node)`,
    },
    {
      limit: Math.max(1, resources.cpus) * NODES_PER_CPU,
      why: `CPU (${resources.cpus} CPUs at ${NODES_PER_CPU} nodes each)`,
    },
    {
      limit: MAX_BOOTSTRAP_CONCURRENCY,
      why: `the upper bound of ${MAX_BOOTSTRAP_CONCURRENCY}`,
    },
  ];
  const tightest = budgets.reduce((a, b) => (b.limit < a.limit ? b : a));
  if (nodes <= tightest.limit) {
    return {
      concurrency: Math.max(1, nodes),
      reason: `all ${nodes} node${nodes === 1 ? '' : 's'} in one round`,
    };
  }
  const concurrency = Math.max(1, tightest.limit);
  return {
    concurrency,
    reason: `${concurrency} of ${nodes} nodes at once, limited by ${tightest.why}`,
  };
}

/** Soft RLIMIT_NOFILE from /proc/self/limits (Linux); 1024, the usual default, elsewhere. */
function fdLimit(): number {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find(l => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER;
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : 1024;
  } catch {
    return 1024;
  }
}

function openFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return 64;
  }
}

/** This process's resources now. */
export function readControllerResources(): ControllerResources {
  let available = os.freemem();
  // in a container with a memory limit, what is left of the limit counts
  const constrained = process.constrainedMemory?.() ?? 0;
  if (constrained > 0 && constrained < os.totalmem()) {
    available = Math.min(
      available,
      Math.max(0, constrained - process.memoryUsage.rss()),
    );
  }
  return {
    cpus: os.availableParallelism(),
    availableMemoryBytes: available,
    fdLimit: fdLimit(),
    openFds: openFds(),
  };
}
