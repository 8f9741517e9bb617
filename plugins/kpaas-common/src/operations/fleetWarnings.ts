import type { ClusterOperationsResponse } from './operationsApi';

/*
 * The fleet page's operations warnings: the same things the cluster page's Operations section
 * flags (backup age and failures, expiries inside the warn/critical windows, Kubernetes end of
 * life, kubelet skew violations), one row each, across every cluster the caller may read.
 * Derived from each cluster's ClusterOperationsResponse, never computed a second way.
 */

/** @public */
export type FleetWarningSeverity = 'critical' | 'warning';

/** @public */
export type FleetWarningKind = 'backup' | 'expiry' | 'version' | 'skew';

/** One warning of one cluster. @public */
export interface FleetOperationsWarning {
  cluster: string;
  kind: FleetWarningKind;
  severity: FleetWarningSeverity;
  /** "etcd backup stale", "apiserver-etcd-client", "Kubernetes 1.33" */
  subject: string;
  message: string;
  /**
   * When it bites: the expiry, the end of life, or when the backup went past its max age (the
   * last success plus spec.backup.maxAgeHours). Absent when there is no date (no backup yet).
   */
  dueAt?: string;
  /** What to do, as the cluster page says it. */
  action: string;
}

/** A cluster whose warnings could not be read, and why. @public */
export interface FleetOperationsUnavailable {
  cluster: string;
  reason: string;
}

/** `GET /api/kpaas/fleet/operations` (kpaas.cluster.read, filtered per cluster). @public */
export interface FleetOperationsResponse {
  checkedAt: string;
  /** Most severe first, then soonest first. */
  items: FleetOperationsWarning[];
  /** Clusters that were not read (unreachable, not checked yet, a failed read). */
  unavailable: FleetOperationsUnavailable[];
}

const HOUR_MS = 3_600_000;

/** The warnings of one cluster's Operations section. @public */
export function clusterOperationsWarnings(
  ops: ClusterOperationsResponse,
): FleetOperationsWarning[] {
  const cluster = ops.cluster;
  const out: FleetOperationsWarning[] = [];
  const b = ops.backup;
  if (b.state !== 'fresh') {
    const late = b.state === 'stale' || b.state === 'failing';
    const overdue =
      late && b.lastSuccessAt && b.maxAgeHours !== undefined
        ? new Date(
            Date.parse(b.lastSuccessAt) + b.maxAgeHours * HOUR_MS,
          ).toISOString()
        : undefined;
    out.push({
      cluster,
      kind: 'backup',
      severity: late ? 'critical' : 'warning',
      subject: {
        stale: 'etcd backup stale',
        failing: 'etcd backup failing',
        never: 'no etcd backup yet',
        'not-configured': 'etcd backup not configured',
      }[b.state],
      message: b.message,
      ...(overdue ? { dueAt: overdue } : {}),
      action: b.action,
    });
  }
  for (const e of ops.expiries) {
    if (e.state === 'ok') continue;
    out.push({
      cluster,
      kind: 'expiry',
      severity: e.state === 'warning' ? 'warning' : 'critical',
      subject: e.name,
      message:
        e.state === 'expired'
          ? `expired on ${e.notAfter.slice(0, 10)}`
          : `expires in ${e.daysLeft} days (${e.notAfter.slice(0, 10)})`,
      dueAt: e.notAfter,
      action: e.action,
    });
  }
  const v = ops.version;
  if (v && (v.state === 'eol' || v.state === 'eol-soon')) {
    out.push({
      cluster,
      kind: 'version',
      severity: v.state === 'eol' ? 'critical' : 'warning',
      subject: `Kubernetes ${v.minor}`,
      message: v.message,
      ...(v.endOfLife ? { dueAt: `${v.endOfLife}T23:59:59.000Z` } : {}),
      action: `upgrade to Kubernetes ${v.newestMinor} one minor at a time (kubeadm upgrade), after a snapshot with kpaas:etcd-snapshot`,
    });
  }
  for (const s of ops.skew) {
    if (s.state !== 'violation') continue;
    out.push({
      cluster,
      kind: 'skew',
      severity: 'critical',
      subject: `kubelet on ${s.node}`,
      message: s.message,
      action: 'bring the kubelet inside the version skew policy',
    });
  }
  return out;
}

/**
 * Most severe first; inside a severity the soonest (or longest overdue) first, undated ones
 * after the dated ones; then by cluster and subject so the order is stable.
 * @public
 */
export function sortFleetWarnings(
  items: ReadonlyArray<FleetOperationsWarning>,
): FleetOperationsWarning[] {
  const rank = (s: FleetWarningSeverity) => (s === 'critical' ? 0 : 1);
  const due = (w: FleetOperationsWarning) =>
    w.dueAt ? Date.parse(w.dueAt) : Number.POSITIVE_INFINITY;
  return [...items].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      due(a) - due(b) ||
      a.cluster.localeCompare(b.cluster) ||
      a.subject.localeCompare(b.subject),
  );
}
