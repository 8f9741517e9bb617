import { InputError } from '@backstage/errors';
import { runOnNodes } from '../../ssh';
import type { BootstrapRun } from '../context';
import { judgePreflight, parseKeyValues } from '../plan';

/**
 * Preflight on every machine (OS, resources, unique hostnames): read-only, all problems at once,
 * nothing changed when one fails.
 */
export async function preflight(run: BootstrapRun): Promise<void> {
  const { nodes, recorder } = run;
  const log = recorder.logger;
  const facts = new Map<string, Record<string, string>>();
  const failures: string[] = [];
  const results = await Promise.allSettled(
    nodes.all.map(async n => {
      const s = run.session(n);
      const r = await s.exec('preflight', run.script(s, 'preflight.sh'), {
        env: { ROLE: n.role },
        quiet: true,
      });
      facts.set(n.name, parseKeyValues(r.stdout));
    }),
  );
  results.forEach((r, i) => {
    if (r.status === 'rejected')
      failures.push(`${nodes.all[i].name}: ${(r.reason as Error).message}`);
  });
  const hostnames = new Map<string, string[]>();
  for (const n of nodes.all) {
    const f = facts.get(n.name);
    if (!f) continue;
    const verdict = judgePreflight(n, f);
    for (const w of verdict.warnings) log.warn(`[${n.name}] preflight: ${w}`);
    for (const p of verdict.failures) failures.push(`${n.name}: ${p}`);
    log.info(
      `[${n.name}] preflight: ${f.os} ${f.os_version} ${f.arch}, ${f.cpus} CPU, ${f.memory_mib} MiB, hostname ${f.hostname}`,
    );
    if (f.hostname) {
      hostnames.set(f.hostname, [...(hostnames.get(f.hostname) ?? []), n.name]);
    }
  }
  for (const [h, names] of hostnames) {
    if (names.length > 1) {
      failures.push(
        `${names.join(
          ', ',
        )}: share the hostname "${h}"; give every node its own hostname`,
      );
    }
  }
  if (failures.length) {
    throw new InputError(
      `preflight failed on ${
        failures.length
      } check(s); nothing was changed:\n${failures
        .map(f => `  - ${f}`)
        .join('\n')}`,
    );
  }
}

/**
 * Prepares the Kubernetes nodes in parallel (swap, kernel, container runtime, pinned kubelet and
 * kubeadm). Per node: node-prep.sh keeps a marker of the version and runtime it prepared for and
 * skips a node that has it, so a re-run or a scale-up prepares only new machines.
 */
export async function prepareNodes(run: BootstrapRun): Promise<void> {
  const { spec } = run;
  await runOnNodes(
    run.nodes.k8s.map(run.session),
    run.ctx.input.concurrency,
    s =>
      run.step(s, 'node prep', run.script(s, 'node-prep.sh'), {
        env: {
          K8S_VERSION: spec.spec.kubernetes.version,
          CONTAINER_RUNTIME: spec.spec.kubernetes.containerRuntime,
        },
      }),
    'node prep',
  );
}
