import semver from 'semver';
import type { AddonCatalog } from '../addons/schema';
import type { NodeStatus } from '../api';

/*
 * Version policy: how long a Kubernetes minor is supported, whether every node's kubelet is
 * inside the skew the control plane allows, and which pinned add-on charts have a newer
 * release. Pure data and functions; the caller passes the clock and what it observed.
 */

/** One Kubernetes minor release and its upstream support window. @public */
export interface KubernetesMinorRelease {
  /** "1.33" */
  minor: string;
  /** First day of maintenance mode (only critical fixes), ISO date. */
  maintenanceModeStart: string;
  /** End of life: no more patch releases after this day, ISO date. */
  endOfLife: string;
}

/**
 * Kubernetes minor releases and their end-of-support dates.
 *
 * Source: kubernetes.io/releases (the per-release pages kubernetes.io/releases/1.NN and the
 * site's data file github.com/kubernetes/website data/releases/eol.yaml for releases already
 * out of support). Read 2026-12-03; endoflife.date/kubernetes was not consulted. Maintenance
 * mode starts two months before the planned end of life (the Kubernetes patch-release policy:
 * 12 months of support, then 2 months of maintenance); for 1.30-1.32 the maintenance dates are
 * that rule's, not read from their pages. Upstream sometimes moves a final date
 * (1.30 ended 2025-07-15 and 1.31 2025-11-11, later than the planned 28th): eol.yaml is the
 * record for ended releases. Add a row when a minor is released; never delete one.
 * @public
 */
export const kubernetesMinorReleases: ReadonlyArray<KubernetesMinorRelease> = [
  {
    minor: '1.30',
    maintenanceModeStart: '2025-04-28',
    endOfLife: '2025-07-15',
  },
  {
    minor: '1.31',
    maintenanceModeStart: '2025-08-28',
    endOfLife: '2025-11-11',
  },
  {
    minor: '1.32',
    maintenanceModeStart: '2025-12-28',
    endOfLife: '2026-02-28',
  },
  {
    minor: '1.33',
    maintenanceModeStart: '2026-04-28',
    endOfLife: '2026-06-28',
  },
  {
    minor: '1.34',
    maintenanceModeStart: '2026-08-27',
    endOfLife: '2026-10-27',
  },
  {
    minor: '1.35',
    maintenanceModeStart: '2026-12-28',
    endOfLife: '2027-02-28',
  },
  {
    minor: '1.36',
    maintenanceModeStart: '2027-04-28',
    endOfLife: '2027-06-28',
  },
  {
    minor: '1.37',
    maintenanceModeStart: '2027-08-28',
    endOfLife: '2027-10-28',
  },
];

/** How many days before end of life a version counts as "soon". @public */
export const VERSION_EOL_WARNING_DAYS = 90;

/** @public */
export type VersionSupportState =
  | 'supported'
  | 'maintenance'
  | 'eol-soon'
  | 'eol'
  | 'unknown';

/** @public */
export interface VersionSupport {
  version: string;
  minor?: string;
  state: VersionSupportState;
  endOfLife?: string;
  /** Whole days until end of life; negative once past it. */
  daysLeft?: number;
  /** Newest minor in the table, the upgrade target. */
  newestMinor?: string;
  message: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** "v1.33.5" / "1.33.5+k3s" / "v1.33.5-rc.1" -> "1.33"; undefined when not a version. @public */
export function kubernetesMinorOf(version: string): string | undefined {
  const parsed = semver.coerce(version);
  return parsed ? `${parsed.major}.${parsed.minor}` : undefined;
}

/** Days from `now` to the end (UTC midnight) of an ISO date, rounded down. */
function daysUntil(isoDate: string, now: Date): number {
  return Math.floor(
    (Date.parse(`${isoDate}T23:59:59Z`) - now.getTime()) / DAY_MS,
  );
}

/** Where a Kubernetes version stands against upstream support on `now`. @public */
export function kubernetesVersionSupport(
  version: string,
  now: Date,
  releases: ReadonlyArray<KubernetesMinorRelease> = kubernetesMinorReleases,
): VersionSupport {
  const minor = kubernetesMinorOf(version);
  const newestMinor = releases[releases.length - 1]?.minor;
  const release = releases.find(r => r.minor === minor);
  if (!minor || !release) {
    return {
      version,
      minor,
      state: 'unknown',
      newestMinor,
      message: `no support dates for ${version}; add its minor to kubernetesMinorReleases (kpaas-common operations/versionPolicy.ts) from kubernetes.io/releases`,
    };
  }
  const daysLeft = daysUntil(release.endOfLife, now);
  const base = {
    version,
    minor,
    endOfLife: release.endOfLife,
    daysLeft,
    newestMinor,
  };
  if (daysLeft < 0) {
    return {
      ...base,
      state: 'eol',
      message: `Kubernetes ${minor} reached end of life on ${release.endOfLife} and gets no more security fixes; upgrade to ${newestMinor}`,
    };
  }
  if (daysLeft <= VERSION_EOL_WARNING_DAYS) {
    return {
      ...base,
      state: 'eol-soon',
      message: `Kubernetes ${minor} reaches end of life on ${release.endOfLife} (${daysLeft} days); plan the upgrade to ${newestMinor}`,
    };
  }
  if (daysUntil(release.maintenanceModeStart, now) < 0) {
    return {
      ...base,
      state: 'maintenance',
      message: `Kubernetes ${minor} is in maintenance mode (critical fixes only) until ${release.endOfLife}`,
    };
  }
  return {
    ...base,
    state: 'supported',
    message: `Kubernetes ${minor} is supported until ${release.endOfLife}`,
  };
}

/** @public */
export type SkewState = 'ok' | 'upgrade-pending' | 'violation' | 'unknown';

/** @public */
export interface NodeSkew {
  node: string;
  controlPlane: boolean;
  kubeletVersion?: string;
  /** Minors the kubelet is behind the API server (negative: ahead). */
  minorsBehind?: number;
  state: SkewState;
  message: string;
}

/**
 * The kubelet may be up to three minors older than kube-apiserver and never newer
 * (kubernetes.io/releases/version-skew-policy, since 1.28).
 * @public
 */
export const KUBELET_MAX_MINORS_BEHIND = 3;

/**
 * Every node's kubelet against the API server's version (the version skew policy). A kubelet
 * newer than the API server, or more than three minors older, is a violation. kubeadm upgrades
 * the control-plane nodes' kubelets right after the control plane, so a control-plane kubelet
 * one or more minors behind, or a worker behind at all, is an upgrade still pending.
 * @public
 */
export function nodeVersionSkew(
  apiServerVersion: string,
  nodes: ReadonlyArray<Pick<NodeStatus, 'name' | 'roles' | 'kubeletVersion'>>,
): NodeSkew[] {
  const api = semver.coerce(apiServerVersion);
  return nodes.map(node => {
    const controlPlane =
      node.roles.includes('control-plane') || node.roles.includes('master');
    const kubelet = node.kubeletVersion
      ? semver.coerce(node.kubeletVersion)
      : null;
    if (!api || !kubelet) {
      return {
        node: node.name,
        controlPlane,
        kubeletVersion: node.kubeletVersion,
        state: 'unknown' as const,
        message: `cannot compare ${node.name}'s kubelet (${
          node.kubeletVersion ?? 'not reported'
        }) with the API server (${apiServerVersion})`,
      };
    }
    const behind =
      api.major !== kubelet.major ? Infinity : api.minor - kubelet.minor;
    const at = `${node.name}: kubelet v${kubelet.major}.${kubelet.minor}, API server v${api.major}.${api.minor}`;
    const result = (state: SkewState, message: string): NodeSkew => ({
      node: node.name,
      controlPlane,
      kubeletVersion: node.kubeletVersion,
      minorsBehind: Number.isFinite(behind) ? behind : undefined,
      state,
      message,
    });
    if (behind < 0)
      return result(
        'violation',
        `${at}: a kubelet newer than the API server is not supported; upgrade the control plane first`,
      );
    if (behind > KUBELET_MAX_MINORS_BEHIND)
      return result(
        'violation',
        `${at}: more than ${KUBELET_MAX_MINORS_BEHIND} minors behind; upgrade this node one minor at a time`,
      );
    if (behind > 0)
      return result(
        'upgrade-pending',
        controlPlane
          ? `${at}: upgrade this control plane's kubelet (kubeadm upgrade node, then the kubelet package)`
          : `${at}: inside the skew policy; upgrade the kubelet before the next control-plane upgrade`,
      );
    return result('ok', `${at}`);
  });
}

const CHANGE_OF_DIFF: Record<string, ChartUpdate['change']> = {
  major: 'major',
  premajor: 'major',
  minor: 'minor',
  preminor: 'minor',
  patch: 'patch',
  prepatch: 'patch',
};

/** @public */
export interface ChartUpdate {
  addonId: string;
  chart: string;
  pinned: string;
  newest: string;
  /** "major" | "minor" | "patch" */
  change: 'major' | 'minor' | 'patch' | 'prerelease';
}

/**
 * The catalog's pinned chart versions (values/addons.yaml helm.version) against the versions
 * a chart repository index offers, by chart name. Returns only charts with a newer stable
 * release; a chart the index does not list is skipped (nothing to compare).
 * @public
 */
export function chartUpdates(
  catalog: AddonCatalog,
  available: Readonly<Record<string, ReadonlyArray<string>>>,
): ChartUpdate[] {
  const updates: ChartUpdate[] = [];
  for (const addon of catalog.addons) {
    if (addon.type !== 'helm') continue;
    const pinned = semver.parse(addon.helm.version.replace(/^v/, ''));
    const offered = (available[addon.helm.chart] ?? [])
      .map(v => semver.parse(v.replace(/^v/, '')))
      .filter(
        (v): v is semver.SemVer => v !== null && v.prerelease.length === 0,
      );
    if (!pinned || offered.length === 0) continue;
    const newest = offered.sort(semver.rcompare)[0];
    if (semver.gt(newest, pinned)) {
      const diff = semver.diff(pinned, newest);
      updates.push({
        addonId: addon.id,
        chart: addon.helm.chart,
        pinned: addon.helm.version,
        newest: addon.helm.version.startsWith('v')
          ? `v${newest.version}`
          : newest.version,
        change: CHANGE_OF_DIFF[diff ?? ''] ?? 'prerelease',
      });
    }
  }
  return updates.sort((a, b) => a.addonId.localeCompare(b.addonId));
}

/**
 * Why a Kubernetes upgrade from `from` to `to` breaks the upgrade policy, or undefined when it
 * is allowed: kubeadm upgrades one minor at a time (kubernetes.io kubeadm-upgrade: "skipping
 * MINOR versions when upgrading is unsupported") and never downgrades. `supported` (oldest
 * first) names the version to go to first when `to` skips a minor.
 * @public
 */
export function kubernetesUpgradeProblem(
  from: string,
  to: string,
  supported: ReadonlyArray<string> = [],
): string | undefined {
  const a = semver.coerce(from);
  const b = semver.coerce(to);
  if (!a || !b)
    return `cannot compare "${from}" with "${to}"; use a version such as v1.34.1`;
  if (semver.lt(b, a)) {
    return `${to} is older than the running ${from}; Kubernetes is never downgraded, choose ${from} or newer`;
  }
  const minors = b.major === a.major ? b.minor - a.minor : Infinity;
  if (minors > 1) {
    const next = `${a.major}.${a.minor + 1}`;
    const step = supported.filter(v => kubernetesMinorOf(v) === next).pop();
    return `${to} skips ${
      Number.isFinite(minors) ? minors - 1 : 'at least one'
    } minor version(s) from ${from}; upgrade one minor at a time, first to ${
      step ?? `v${next}.x`
    }`;
  }
  return undefined;
}
