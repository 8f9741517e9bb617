import semver from 'semver';
import {
  KUBELET_MAX_MINORS_BEHIND,
  kubernetesMinorOf,
  kubernetesUpgradeProblem,
} from '../operations/versionPolicy';
import { supportedKubernetesVersions } from '../spec/versions';

/*
 * The Kubernetes upgrade rollout as kubeadm documents it (kubernetes.io, "Upgrading kubeadm
 * clusters"): the first control plane (`kubeadm upgrade apply`), the other control planes
 * (`kubeadm upgrade node`), then the workers in batches, each drained. Pure: the caller passes
 * what the cluster runs (its control planes' API server versions, its Nodes' kubelets); the
 * kpaas:upgrade action and the change plan both read the path from here.
 */

/** One node as the rollout sees it. @public */
export interface UpgradeNodeVersion {
  name: string;
  controlPlane: boolean;
  /** The kubelet version the Node reports (status.nodeInfo.kubeletVersion). */
  kubeletVersion?: string;
  /** Control planes: the version of its kube-apiserver static pod. */
  apiServerVersion?: string;
}

/** What is done on one node. @public */
export type UpgradeNodeAction = 'upgrade-apply' | 'upgrade-node';

/** One node of the rollout, in order. @public */
export interface UpgradeNodeStep {
  node: string;
  controlPlane: boolean;
  action: UpgradeNodeAction;
  /** Worker batch (1-based); control planes are batch 0, one at a time. */
  batch: number;
  /** The kubelet the Node reports now. */
  from?: string;
  /** Already at the target (a re-run skips it). */
  done: boolean;
}

/** @public */
export interface KubernetesUpgradeRollout {
  /** The lowest API server version of the control planes (the cluster's version). */
  from: string;
  to: string;
  steps: UpgradeNodeStep[];
  /** Nothing left to do. */
  upToDate: boolean;
}

/** A refused upgrade: the field to fix and why. @public */
export interface UpgradeProblem {
  field: string;
  message: string;
}

/** @public */
export type KubernetesUpgradeRolloutResult =
  | { ok: true; rollout: KubernetesUpgradeRollout }
  | { ok: false; problems: UpgradeProblem[] };

/** Default worker batch size of the rollout. @public */
export const DEFAULT_UPGRADE_MAX_UNAVAILABLE = 1;

/**
 * The versions an upgrade from `from` to `to` goes through, one minor at a time, each the newest
 * supported patch of its minor (the last one is `to` itself). Empty when `to` is `from`.
 * Refused (undefined with the reason) for a downgrade or an unknown version. The change plan
 * shows it; a change that skips a minor names the first step.
 * @public
 */
export function kubernetesUpgradePath(
  from: string,
  to: string,
  supported: ReadonlyArray<string> = supportedKubernetesVersions,
): { ok: true; path: string[] } | { ok: false; problem: string } {
  const a = semver.coerce(from);
  const b = semver.coerce(to);
  if (!a || !b)
    return {
      ok: false,
      problem: `cannot compare "${from}" with "${to}"; use a version such as v1.34.1`,
    };
  if (semver.eq(a, b)) return { ok: true, path: [] };
  const downgrade = kubernetesUpgradeProblem(from, to, supported);
  if (semver.lt(b, a)) return { ok: false, problem: downgrade! };
  if (a.major !== b.major)
    return {
      ok: false,
      problem: `${from} -> ${to} changes the major version; kpaas upgrades one minor at a time within 1.x`,
    };
  const path: string[] = [];
  for (let minor = a.minor + 1; minor < b.minor; minor++) {
    const step = supported
      .filter(v => kubernetesMinorOf(v) === `${a.major}.${minor}`)
      .pop();
    if (!step)
      return {
        ok: false,
        problem: `no supported ${a.major}.${minor} release to pass through on the way from ${from} to ${to}; add one to supportedKubernetesVersionTable`,
      };
    path.push(step);
  }
  path.push(to);
  return { ok: true, path };
}

/** One line for the change plan: the path and the rollout order. @public */
export function describeKubernetesUpgradePath(
  from: string,
  to: string,
  supported: ReadonlyArray<string> = supportedKubernetesVersions,
): string {
  const result = kubernetesUpgradePath(from, to, supported);
  if (!result.ok) return result.problem;
  if (result.path.length === 0) return `${from} (unchanged)`;
  const hops = [from, ...result.path].join(' → ');
  const note =
    result.path.length > 1
      ? `; one change per minor: apply ${result.path[0]} first`
      : '';
  return `${hops}: etcd snapshot, kubeadm upgrade apply on the first control plane, kubeadm upgrade node on the others, then workers drained in batches${note}`;
}

const minorsBetween = (older: semver.SemVer, newer: semver.SemVer) =>
  newer.major !== older.major ? Infinity : newer.minor - older.minor;

/**
 * The rollout to `target` from what the cluster runs, or the problems that refuse it before
 * anything is touched: the target must be supported, at most one minor above the control plane
 * (and never below it), and afterwards every kubelet must be inside the skew policy (not newer
 * than the API server, at most {@link KUBELET_MAX_MINORS_BEHIND} minors older). Nodes that report
 * the target already are `done` (a re-run after a failure continues at the first one that is not).
 * Workers come in batches of `maxUnavailable`, in the order given.
 * @public
 */
export function planKubernetesUpgrade(opts: {
  target: string;
  nodes: ReadonlyArray<UpgradeNodeVersion>;
  maxUnavailable?: number;
  supported?: ReadonlyArray<string>;
  /** The field the target came from (default spec.kubernetes.version). */
  targetField?: string;
}): KubernetesUpgradeRolloutResult {
  const supported = opts.supported ?? supportedKubernetesVersions;
  const field = opts.targetField ?? 'spec.kubernetes.version';
  const problems: UpgradeProblem[] = [];
  const maxUnavailable = opts.maxUnavailable ?? DEFAULT_UPGRADE_MAX_UNAVAILABLE;
  if (!Number.isInteger(maxUnavailable) || maxUnavailable < 1) {
    problems.push({
      field: 'maxUnavailable',
      message: `must be a whole number of workers of at least 1, not ${maxUnavailable}`,
    });
  }
  const target = semver.coerce(opts.target);
  if (!supported.includes(opts.target) || !target) {
    problems.push({
      field,
      message: `${
        opts.target
      } is not a supported Kubernetes version; use one of ${supported.join(
        ', ',
      )}`,
    });
  }
  const controlPlanes = opts.nodes.filter(n => n.controlPlane);
  const workers = opts.nodes.filter(n => !n.controlPlane);
  if (controlPlanes.length === 0) {
    problems.push({
      field: 'nodes',
      message: 'the cluster reports no control plane; nothing can be upgraded',
    });
  }
  const apiVersions = controlPlanes.map(n => ({
    n,
    v: semver.coerce(n.apiServerVersion ?? n.kubeletVersion ?? ''),
  }));
  const unknown = apiVersions.filter(x => !x.v).map(x => x.n.name);
  if (unknown.length > 0) {
    problems.push({
      field: 'nodes',
      message: `cannot read the API server version of ${unknown.join(
        ', ',
      )}; check /etc/kubernetes/manifests/kube-apiserver.yaml there`,
    });
  }
  if (problems.length > 0 || !target) return { ok: false, problems };

  const lowest = apiVersions.map(x => x.v!).sort(semver.compare)[0]!;
  const from = `v${lowest.version}`;
  // a re-run after the first control plane was upgraded: the lowest still counts (same target)
  const problem = kubernetesUpgradeProblem(from, opts.target, supported);
  if (problem) problems.push({ field, message: problem });
  for (const n of opts.nodes) {
    const kubelet = semver.coerce(n.kubeletVersion ?? '');
    if (!kubelet) {
      problems.push({
        field: 'nodes',
        message: `${n.name} reports no kubelet version; it must be Ready before an upgrade`,
      });
      continue;
    }
    if (semver.gt(kubelet, target)) {
      problems.push({
        field,
        message: `${n.name}'s kubelet ${n.kubeletVersion} is newer than ${opts.target}; a kubelet newer than the API server is not supported, choose ${n.kubeletVersion} or newer`,
      });
    } else if (minorsBetween(kubelet, target) > KUBELET_MAX_MINORS_BEHIND) {
      problems.push({
        field,
        message: `${n.name}'s kubelet ${n.kubeletVersion} would be more than ${KUBELET_MAX_MINORS_BEHIND} minors behind an API server at ${opts.target} (version skew policy); upgrade ${n.name} first`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const atTarget = (n: UpgradeNodeVersion) =>
    Boolean(
      semver.coerce(n.kubeletVersion ?? '') &&
        semver.eq(semver.coerce(n.kubeletVersion!)!, target) &&
        (!n.controlPlane ||
          semver.eq(
            semver.coerce(n.apiServerVersion ?? n.kubeletVersion!)!,
            target,
          )),
    );
  const steps: UpgradeNodeStep[] = [
    ...controlPlanes.map((n, i) => ({
      node: n.name,
      controlPlane: true,
      action: (i === 0 ? 'upgrade-apply' : 'upgrade-node') as UpgradeNodeAction,
      batch: 0,
      from: n.kubeletVersion,
      done: atTarget(n),
    })),
    ...workers.map((n, i) => ({
      node: n.name,
      controlPlane: false,
      action: 'upgrade-node' as const,
      batch: Math.floor(i / maxUnavailable) + 1,
      from: n.kubeletVersion,
      done: atTarget(n),
    })),
  ];
  return {
    ok: true,
    rollout: {
      from,
      to: opts.target,
      steps,
      upToDate: steps.every(s => s.done),
    },
  };
}

/** The pkgs.k8s.io package version of a Kubernetes release: v1.34.8 -> 1.34.8-1.1. @public */
export function kubernetesPackageVersion(version: string): string {
  return `${version.replace(/^v/, '')}-1.1`;
}

/** The rollout as text (the dry run and the timeline). @public */
export function formatUpgradeRollout(
  rollout: KubernetesUpgradeRollout,
): string[] {
  const lines = [`Kubernetes ${rollout.from} → ${rollout.to}`];
  const pending = rollout.steps.filter(s => !s.done);
  if (pending.length === 0) return [...lines, 'every node is at the target'];
  let n = 1;
  // the snapshot guards the control planes' upgrade; a re-run past them takes none
  if (pending.some(s => s.controlPlane))
    lines.push(`${n++}. etcd snapshot on ${rollout.steps[0].node}`);
  const pkg = kubernetesPackageVersion(rollout.to);
  for (const s of rollout.steps) {
    const kubeadm =
      s.action === 'upgrade-apply'
        ? `kubeadm upgrade plan ${rollout.to}, kubeadm upgrade apply ${rollout.to}`
        : 'kubeadm upgrade node';
    const work = s.controlPlane
      ? `kubeadm ${pkg} held, ${kubeadm}, cordon + drain`
      : `cordon + drain, kubeadm ${pkg} held, ${kubeadm}`;
    const where = s.controlPlane
      ? `control plane ${s.node}`
      : `worker ${s.node} (batch ${s.batch})`;
    lines.push(
      `${n++}. ${where}: ${
        s.done
          ? `already ${rollout.to}, skipped`
          : `${work}, kubelet/kubectl ${pkg} held, kubelet restart, uncordon, wait Ready (${
              s.from ?? '?'
            } → ${rollout.to})`
      }`,
    );
  }
  return lines;
}
