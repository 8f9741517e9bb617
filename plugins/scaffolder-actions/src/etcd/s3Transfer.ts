import * as k8s from '@kubernetes/client-node';
import {
  ETCD_BACKUP_NAMESPACE,
  renderSnapshotTransferJob,
  SnapshotTransfer,
} from '@internal/plugin-kpaas-common';
import { until } from './until';

/*
 * Runs one snapshot transfer Job (kpaas-common's renderSnapshotTransferJob) and waits for it.
 * A failure names the node, the step (the container that failed, with the last lines it wrote:
 * every container falls back to its log as termination message) and the fix.
 */

const FIXES: Array<[RegExp, (t: SnapshotTransfer) => string]> = [
  [
    /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|credentials|Access Key Id/i,
    t =>
      `the target refuses the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in Secret ${ETCD_BACKUP_NAMESPACE}/${t.backup.target.credentialsSecret} and their policy on bucket ${t.backup.target.bucket}`,
  ],
  [
    /StorageFull|QuotaExceeded|minimum free drive|quota|no space/i,
    t =>
      `the bucket ${t.backup.target.bucket} is full: free space or raise its quota (lower spec.backup.retentionDays to keep fewer snapshots)`,
  ],
  [
    /NoSuchBucket|bucket does not exist/i,
    t =>
      `bucket ${t.backup.target.bucket} does not exist at ${t.backup.target.endpoint}: create it or fix spec.backup.target.bucket`,
  ],
  [
    /NoSuchKey|Object does not exist|not found/i,
    t =>
      `there is no object ${t.key} in bucket ${t.backup.target.bucket}: pick one the backup result or kpaas:etcd-snapshot named`,
  ],
  [
    /no such host|connection refused|i\/o timeout|dial tcp/i,
    t =>
      `${t.node} cannot reach ${t.backup.target.endpoint}: check the endpoint and that the node (host network, cluster DNS) can reach it`,
  ],
];

function fixFor(t: SnapshotTransfer, text: string, job: string): string {
  const found = FIXES.find(([re]) => re.test(text));
  return found
    ? found[1](t)
    : `see kubectl -n ${ETCD_BACKUP_NAMESPACE} logs job/${job} --all-containers`;
}

/** The first container that ended with a non-zero exit, in order, and what it said. */
function failedStep(pod: k8s.V1Pod | undefined) {
  const statuses = [
    ...(pod?.status?.initContainerStatuses ?? []),
    ...(pod?.status?.containerStatuses ?? []),
  ];
  for (const s of statuses) {
    const t = s.state?.terminated ?? s.lastState?.terminated;
    if (t && t.exitCode !== 0)
      return {
        step: s.name,
        said: (t.message ?? t.reason ?? '')
          .trim()
          .split('\n')
          .slice(-3)
          .join(' '),
        exitCode: t.exitCode,
      };
  }
  return undefined;
}

export class SnapshotTransferError extends Error {
  constructor(message: string, readonly step: string) {
    super(message);
    this.name = 'SnapshotTransferError';
  }
}

/** Creates the Job, waits until it completes or fails; throws a SnapshotTransferError on failure. */
export async function runSnapshotTransfer(
  kc: k8s.KubeConfig,
  transfer: SnapshotTransfer,
  opts: { timeoutMs: number },
): Promise<void> {
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const job = renderSnapshotTransferJob(transfer) as unknown as k8s.V1Job;
  for (const c of [
    ...(job.spec!.template.spec!.initContainers ?? []),
    ...job.spec!.template.spec!.containers,
  ])
    c.terminationMessagePolicy = 'FallbackToLogsOnError';
  const name = job.metadata!.name!;
  const object = `s3://${transfer.backup.target.bucket}/${transfer.key}`;
  const what = `${transfer.direction} of ${object} ${
    transfer.direction === 'upload' ? 'from' : 'to'
  } ${transfer.node}`;
  try {
    await batch.createNamespacedJob({
      namespace: ETCD_BACKUP_NAMESPACE,
      body: job,
    });
  } catch (e) {
    throw new SnapshotTransferError(
      `${
        transfer.node
      }: could not create Job ${ETCD_BACKUP_NAMESPACE}/${name} for the ${what} (${
        (e as Error).message.split('\n')[0]
      }); check the cluster's API and that kpaas may create Jobs in ${ETCD_BACKUP_NAMESPACE}`,
      'create job',
    );
  }
  let final: k8s.V1Job | undefined;
  const done = await until(opts.timeoutMs, async () => {
    final = await batch.readNamespacedJob({
      namespace: ETCD_BACKUP_NAMESPACE,
      name,
    });
    return (final.status?.conditions ?? []).some(
      c =>
        (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  });
  const failed = final?.status?.conditions?.find(
    c => c.type === 'Failed' && c.status === 'True',
  );
  if (done && !failed) return;
  const pods = await core
    .listNamespacedPod({
      namespace: ETCD_BACKUP_NAMESPACE,
      labelSelector: `job-name=${name}`,
    })
    .catch(() => undefined);
  const step = failedStep(pods?.items[0]);
  const said = step
    ? `step ${step.step} exited ${step.exitCode}${
        step.said ? `: ${step.said}` : ''
      }`
    : failed
    ? `${failed.reason ?? 'failed'}${
        failed.message ? `: ${failed.message}` : ''
      }`
    : `not finished after ${Math.round(opts.timeoutMs / 1000)} s`;
  throw new SnapshotTransferError(
    `${
      transfer.node
    }: the ${what} failed (Job ${ETCD_BACKUP_NAMESPACE}/${name}, ${said}); fix: ${fixFor(
      transfer,
      said,
      name,
    )}`,
    step?.step ?? (done ? 'job' : 'wait'),
  );
}
