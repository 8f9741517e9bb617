import type { EtcdBackupSpec } from './backupSpec';
import { nextCronRun } from './cronSchedule';

/*
 * Where a cluster's etcd backups stand, from what the backup CronJob leaves in the cluster:
 * its result ConfigMap (last good snapshot: time, size, object) and its failed Jobs. No Secret.
 */

/** @public */
export type BackupState =
  | 'not-configured'
  | 'never'
  | 'fresh'
  | 'stale'
  | 'failing';

/** One failed backup run (a Job of the CronJob). @public */
export interface BackupFailure {
  job: string;
  at: string;
  /** The Job's Failed condition, e.g. which container (snapshot, verify, upload) failed. */
  reason: string;
}

/** `GET /clusters/:name/operations` backup section. @public */
export interface BackupStatus {
  state: BackupState;
  schedule?: string;
  maxAgeHours?: number;
  /** endpoint/bucket/prefix */
  target?: string;
  lastSuccessAt?: string;
  ageHours?: number;
  sizeBytes?: number;
  object?: string;
  node?: string;
  nextRunAt?: string;
  /** Failed runs since the last good one, newest first. */
  failures: BackupFailure[];
  message: string;
  /** What to do, and which kpaas action does it. */
  action: string;
}

/** What the backend read from the cluster. @public */
export interface BackupObservation {
  /** data of ConfigMap kube-system/kpaas-etcd-backup-result, when it exists */
  result?: Record<string, string>;
  failedJobs: BackupFailure[];
}

/** @public */
export function deriveBackupStatus(
  backup: EtcdBackupSpec | undefined,
  observed: BackupObservation,
  now: Date,
): BackupStatus {
  if (!backup) {
    return {
      state: 'not-configured',
      failures: [],
      message: 'no scheduled etcd backup: spec.backup is not set',
      action:
        'add spec.backup (schedule, target endpoint, bucket, credentialsSecret) to cluster.yaml and apply it; take one now with kpaas:etcd-snapshot',
    };
  }
  const prefix = backup.target.prefix ? `/${backup.target.prefix}` : '';
  const base = {
    schedule: backup.schedule,
    maxAgeHours: backup.maxAgeHours,
    target: `${backup.target.endpoint}/${backup.target.bucket}${prefix}`,
    nextRunAt: nextCronRun(backup.schedule, now)?.toISOString(),
  };
  const r = observed.result ?? {};
  const lastSuccess = r.lastSuccessAt ? new Date(r.lastSuccessAt) : undefined;
  const valid = lastSuccess && !Number.isNaN(lastSuccess.getTime());
  const failures = observed.failedJobs
    .filter(f => !valid || Date.parse(f.at) > lastSuccess!.getTime())
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const last = valid
    ? {
        lastSuccessAt: lastSuccess!.toISOString(),
        ageHours:
          Math.round(
            ((now.getTime() - lastSuccess!.getTime()) / 3_600_000) * 10,
          ) / 10,
        sizeBytes: r.sizeBytes ? Number(r.sizeBytes) : undefined,
        object: r.object,
        node: r.node,
      }
    : {};
  const fix = `check the latest failed Job in kube-system (kubectl -n kube-system logs job/<name> --all-containers) and the Secret ${backup.target.credentialsSecret}; take one now with kpaas:etcd-snapshot`;
  if (failures.length > 0) {
    return {
      state: 'failing',
      ...base,
      ...last,
      failures,
      message: `${failures.length} backup run(s) failed since the last good snapshot; latest: ${failures[0].reason}`,
      action: fix,
    };
  }
  if (!valid) {
    return {
      state: 'never',
      ...base,
      failures,
      message: `no etcd backup has succeeded yet; the first run is ${
        base.nextRunAt ?? 'not scheduled'
      }`,
      action: 'take one now with kpaas:etcd-snapshot',
    };
  }
  if ((last.ageHours ?? 0) > backup.maxAgeHours) {
    return {
      state: 'stale',
      ...base,
      ...last,
      failures,
      message: `the last good etcd backup is ${last.ageHours} hours old (more than spec.backup.maxAgeHours ${backup.maxAgeHours})`,
      action: `check that the CronJob kube-system/kpaas-etcd-backup is scheduled (kubectl -n kube-system get cronjob kpaas-etcd-backup); take one now with kpaas:etcd-snapshot`,
    };
  }
  return {
    state: 'fresh',
    ...base,
    ...last,
    failures,
    message: `last good etcd backup ${last.ageHours} hours ago`,
    action: 'restore with kpaas:etcd-restore when needed',
  };
}
