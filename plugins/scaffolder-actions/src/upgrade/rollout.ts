import * as k8s from '@kubernetes/client-node';
import {
  KubernetesUpgradeRollout,
  UpgradeNodeStep,
  UpgradeNodeVersion,
} from '@internal/plugin-kpaas-common';
import { CancelledWaitError, delay } from '../addons/cluster';
import type { RunRecorder } from '../core/runRecorder';
import { drainNode, setUnschedulable } from '../nodes/drain';
import type { SshNodeSession } from '../ssh';
import {
  APISERVER_VERSION_COMMAND,
  heldPackagesCommand,
  KUBEADM_UPGRADE_NODE_COMMAND,
  KUBEADM_VERSION_COMMAND,
  kubeadmUpgradeApplyCommand,
  kubeadmUpgradePlanCommand,
  KUBELET_RESTART_COMMAND,
  packageRepositoryCommand,
} from './nodeCommands';

/*
 * The rollout of kpaas:upgrade: an etcd snapshot and `kubeadm upgrade plan` before anything
 * changes, the first control plane (`kubeadm upgrade apply`), the other control planes
 * (`kubeadm upgrade node`; each drained before its kubelet is upgraded, as kubeadm's guide does),
 * then the workers in batches (cordon + drain through the Eviction API, packages, `kubeadm
 * upgrade node`, kubelet restart, uncordon, Ready with the new version).
 * Every step of every node is a task checkpoint; nodes whose Node already reports the target are
 * skipped, so a re-run continues at the node that failed.
 */

/** The rollout stopped: the node, its step, and what is done. */
export class UpgradeStoppedError extends Error {
  constructor(
    readonly node: string,
    readonly step: string,
    cause: string,
    readonly upgraded: string[],
    readonly pending: string[],
    cordoned: boolean,
  ) {
    super(
      `upgrade stopped on ${node} at "${step}": ${cause}. Upgraded: ${
        upgraded.join(', ') || 'none'
      }; not yet: ${pending.join(', ')}.${
        cordoned
          ? ` ${node} is still cordoned (kubectl uncordon ${node} gives it back).`
          : ''
      } Fix the cause on ${node} and run kpaas:upgrade again (kpaas-cluster-apply): it continues at ${node}`,
    );
    this.name = 'UpgradeStoppedError';
  }
}

/** Wall time of one node's upgrade (the bench sums them). */
export interface NodeUpgradeTiming {
  node: string;
  role: 'control-plane' | 'worker';
  batch: number;
  /** ISO 8601 */
  startedAt: string;
  seconds: number;
}

export interface UpgradeRunOptions {
  rollout: KubernetesUpgradeRollout;
  sessions: ReadonlyMap<string, SshNodeSession>;
  core: k8s.CoreV1Api;
  recorder: RunRecorder;
  /** ctx.checkpoint: a retried task skips the steps that finished. */
  checkpoint<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** The etcd snapshot (kpaas:etcd-snapshot's), taken on the first control plane. */
  snapshot(session: SshNodeSession): Promise<{ path: string }>;
  drainTimeoutMs: number;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

export interface UpgradeRunResult {
  snapshotPath?: string;
  nodes: NodeUpgradeTiming[];
}

/** Nodes and control-plane API server versions as the cluster runs them now. */
export async function observeNodeVersions(opts: {
  core: k8s.CoreV1Api;
  nodes: ReadonlyArray<{ name: string; controlPlane: boolean }>;
  sessions: ReadonlyMap<string, SshNodeSession>;
}): Promise<{ versions: UpgradeNodeVersion[]; notJoined: string[] }> {
  const apiNodes = new Map(
    (await opts.core.listNode()).items.map(n => [n.metadata?.name, n]),
  );
  const versions: UpgradeNodeVersion[] = [];
  const notJoined: string[] = [];
  for (const n of opts.nodes) {
    const node = apiNodes.get(n.name);
    if (!node) {
      notJoined.push(n.name);
      continue;
    }
    let apiServerVersion: string | undefined;
    if (n.controlPlane) {
      const r = await opts.sessions
        .get(n.name)!
        .exec('kube-apiserver version', APISERVER_VERSION_COMMAND, {
          quiet: true,
        });
      apiServerVersion = r.stdout.trim() || undefined;
    }
    versions.push({
      name: n.name,
      controlPlane: n.controlPlane,
      kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
      apiServerVersion,
    });
  }
  return { versions, notJoined };
}

function isReady(node: k8s.V1Node): boolean {
  return Boolean(
    node.status?.conditions?.some(
      c => c.type === 'Ready' && c.status === 'True',
    ),
  );
}

/** Waits until the Node is Ready, schedulable and reports `version`. */
async function waitNodeReady(
  core: k8s.CoreV1Api,
  name: string,
  version: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = 200;
  let seen = 'not read yet';
  for (;;) {
    const node = await core.readNode({ name });
    const kubelet = node.status?.nodeInfo?.kubeletVersion;
    seen = `kubelet ${kubelet ?? 'unknown'}, ${
      isReady(node) ? 'Ready' : 'NotReady'
    }${node.spec?.unschedulable ? ', cordoned' : ''}`;
    if (kubelet === version && isReady(node) && !node.spec?.unschedulable)
      return;
    if (Date.now() >= deadline) {
      throw new Error(
        `the Node did not report Ready with kubelet ${version} within ${Math.round(
          timeoutMs / 1000,
        )} s (last seen: ${seen}); check the kubelet there (journalctl -u kubelet)`,
      );
    }
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())), signal);
    pause = Math.min(2000, Math.round(pause * 1.5));
  }
}

/** Runs the rollout; throws {@link UpgradeStoppedError} naming the node and its step. */
export async function runUpgrade(
  opts: UpgradeRunOptions,
): Promise<UpgradeRunResult> {
  const { rollout, recorder, core, signal } = opts;
  const target = rollout.to;
  const log = recorder.logger;
  const pending = rollout.steps.filter(s => !s.done);
  const upgraded = rollout.steps.filter(s => s.done).map(s => s.node);
  const timings: NodeUpgradeTiming[] = [];
  // workers this run cordoned and has not given back yet (named when the rollout stops)
  const cordoned = new Set<string>();
  for (const s of rollout.steps.filter(x => x.done)) {
    log.info(`[${s.node}] already at ${target}: skipped`);
  }
  if (pending.length === 0) return { nodes: timings };

  const firstCp = rollout.steps[0];
  const session = (node: string) => {
    const s = opts.sessions.get(node);
    if (!s) throw new Error(`${node}: not connected`);
    return s;
  };
  let snapshotPath: string | undefined;
  const cpPending = pending.filter(s => s.controlPlane);
  if (cpPending.length > 0) {
    snapshotPath = await guard(firstCp.node, 'etcd snapshot', () =>
      recorder.phase(`etcd snapshot on ${firstCp.node}`, () =>
        opts.checkpoint(`upgrade-${target}-etcd-snapshot`, async () => {
          const record = await opts.snapshot(session(firstCp.node));
          return record.path;
        }),
      ),
    );
  }

  // every node's step goes through here: checkpointed, timed in the log, failure names it
  async function guard<T>(
    node: string,
    step: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UpgradeStoppedError) throw e;
      if (e instanceof CancelledWaitError || signal?.aborted) throw e;
      const message = String((e as Error)?.message ?? e).split('\n')[0];
      throw new UpgradeStoppedError(
        node,
        step,
        message,
        upgraded,
        pending.map(p => p.node).filter(n => !upgraded.includes(n)),
        cordoned.has(node),
      );
    }
  }
  const step = <T>(node: string, name: string, fn: () => Promise<T>) =>
    guard(node, name, () =>
      opts.checkpoint(`upgrade-${target}-${node}-${name}`, async () => {
        const start = Date.now();
        const r = await fn();
        log.info(
          `[${node}] ${name} done in ${((Date.now() - start) / 1000).toFixed(
            1,
          )} s`,
        );
        return r;
      }),
    );
  const exec = (node: string, name: string, command: string) =>
    step(node, name, async () => {
      await session(node).exec(name, command);
      return true;
    });

  const upgradeOne = async (s: UpgradeNodeStep) => {
    const n = s.node;
    const started = Date.now();
    const where = s.controlPlane ? 'control plane' : 'worker';
    await recorder.phase(`upgrade ${where} ${n} to ${target}`, async () => {
      const drain = () =>
        step(n, 'cordon and drain', async () => {
          cordoned.add(n);
          const drained = await drainNode(core, {
            node: n,
            timeoutMs: opts.drainTimeoutMs,
            logger: log,
            signal,
          });
          return drained.evicted.length;
        });
      // a worker is drained before anything changes on it (Kubespray's order too)
      if (!s.controlPlane) await drain();
      await exec(n, 'package repository', packageRepositoryCommand(target));
      await exec(
        n,
        'kubeadm package',
        heldPackagesCommand(['kubeadm'], target),
      );
      await step(n, 'kubeadm version', async () => {
        const v = (
          await session(n).exec('kubeadm version', KUBEADM_VERSION_COMMAND, {
            quiet: true,
          })
        ).stdout.trim();
        if (v !== target)
          throw new Error(
            `kubeadm reports ${v} after the install, not ${target}`,
          );
        return v;
      });
      if (s.action === 'upgrade-apply') {
        await exec(
          n,
          'kubeadm upgrade plan',
          kubeadmUpgradePlanCommand(target),
        );
        await exec(
          n,
          'kubeadm upgrade apply',
          kubeadmUpgradeApplyCommand(target),
        );
      } else {
        await exec(n, 'kubeadm upgrade node', KUBEADM_UPGRADE_NODE_COMMAND);
      }
      // a control plane is drained after its static pods are upgraded, before its kubelet
      // (kubeadm's upgrade guide): the API keeps serving from the others meanwhile
      if (s.controlPlane) await drain();
      await exec(
        n,
        'kubelet and kubectl packages',
        heldPackagesCommand(['kubelet', 'kubectl'], target),
      );
      await exec(n, 'kubelet restart', KUBELET_RESTART_COMMAND);
      await step(n, 'uncordon', async () => {
        await setUnschedulable(core, n, false);
        cordoned.delete(n);
        return true;
      });
      await guard(n, 'readiness', () =>
        waitNodeReady(core, n, target, opts.readyTimeoutMs, signal),
      );
    });
    upgraded.push(n);
    timings.push({
      node: n,
      role: s.controlPlane ? 'control-plane' : 'worker',
      batch: s.batch,
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
    });
  };

  // control planes one at a time, the first with `kubeadm upgrade apply`
  for (const s of cpPending) await upgradeOne(s);

  // workers batch by batch; a failure in a batch stops before the next one
  const workers = pending.filter(s => !s.controlPlane);
  const batches = [...new Set(workers.map(w => w.batch))];
  for (const b of batches) {
    const batch = workers.filter(w => w.batch === b);
    const results = await Promise.allSettled(batch.map(upgradeOne));
    const failed = results.find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
  }
  return { snapshotPath, nodes: timings };
}
