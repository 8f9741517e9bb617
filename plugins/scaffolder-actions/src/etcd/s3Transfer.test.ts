import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import type {
  EtcdBackupSpec,
  SnapshotTransfer,
} from '@internal/plugin-kpaas-common';
import * as k8s from '@kubernetes/client-node';
import { runSnapshotTransfer } from './s3Transfer';

/*
 * The transfer Job against the API stand-in, the test playing the Job controller and kubelet
 * (the stand-in runs no pods): it answers the Job with Complete, or with Failed and a pod whose
 * failed container left its log as termination message, as FallbackToLogsOnError does.
 */

const backup: EtcdBackupSpec = {
  schedule: '0 */6 * * *',
  retentionDays: 14,
  maxAgeHours: 26,
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    region: 'us-east-1',
    credentialsSecret: 'etcd-backup-s3',
  },
};

describe('runSnapshotTransfer (against the API stand-in)', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
  });
  afterEach(() => standIn.close());

  const transfer = (name: string): SnapshotTransfer => ({
    clusterName: 'demo',
    backup,
    node: 'cp-1',
    direction: 'upload',
    file: 'demo-20261203T120000Z.db',
    key: 'demo/on-demand/demo-20261203T120000Z.db',
    withRecord: true,
    name,
  });

  /** Plays the controller: once the Job exists, finishes it as `outcome`. */
  async function finish(
    name: string,
    outcome: 'Complete' | 'Failed',
    failedStep?: { name: string; log: string },
  ) {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    let job: k8s.V1Job | undefined;
    while (!job) {
      job = await batch
        .readNamespacedJob({ namespace: 'kube-system', name })
        .catch(() => undefined);
      if (!job) await new Promise(r => setTimeout(r, 50));
    }
    if (failedStep) {
      const spec = job.spec!.template.spec!;
      const pod = await core.createNamespacedPod({
        namespace: 'kube-system',
        body: {
          metadata: { name: `${name}-abcde`, labels: { 'job-name': name } },
          spec,
        },
      });
      await core.replaceNamespacedPodStatus({
        namespace: 'kube-system',
        name: pod.metadata!.name!,
        body: {
          ...pod,
          status: {
            phase: 'Failed',
            initContainerStatuses: (spec.initContainers ?? []).map(c => ({
              name: c.name,
              image: c.image!,
              imageID: '',
              ready: false,
              restartCount: 0,
              state:
                c.name === failedStep.name
                  ? { terminated: { exitCode: 1, message: failedStep.log } }
                  : { terminated: { exitCode: 0 } },
            })),
          },
        },
      });
    }
    await batch.replaceNamespacedJobStatus({
      namespace: 'kube-system',
      name,
      body: {
        ...job,
        status: {
          conditions: [
            {
              type: outcome,
              status: 'True',
              ...(outcome === 'Failed'
                ? { reason: 'BackoffLimitExceeded' }
                : {}),
            },
          ],
        },
      },
    });
    return job;
  }

  it('creates the Job on the node with the log fallback and returns when it completes', async () => {
    const [, job] = await Promise.all([
      runSnapshotTransfer(kc, transfer('kpaas-etcd-upload-1'), {
        timeoutMs: 20_000,
      }),
      finish('kpaas-etcd-upload-1', 'Complete'),
    ]);
    const pod = job.spec!.template.spec!;
    expect(pod.nodeName).toBe('cp-1');
    expect(
      [...pod.initContainers!, ...pod.containers].map(c => [
        c.name,
        c.terminationMessagePolicy,
      ]),
    ).toEqual([
      ['upload', 'FallbackToLogsOnError'],
      ['upload-record', 'FallbackToLogsOnError'],
    ]);
  });

  it.each([
    [
      'mc: <ERROR> Unable to upload. The Access Key Id you provided does not exist in our records.',
      'the target refuses the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in Secret kube-system/etcd-backup-s3',
    ],
    [
      'mc: <ERROR> Failed to copy. Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.',
      'the bucket etcd is full: free space or raise its quota',
    ],
  ])('names node, step and fix when the target says %s', async (log, fix) => {
    const name = 'kpaas-etcd-upload-2';
    const [outcome] = await Promise.allSettled([
      runSnapshotTransfer(
        kc,
        { ...transfer(name), withRecord: false, direction: 'download' },
        { timeoutMs: 20_000 },
      ),
      finish(name, 'Failed', { name: 'download', log }),
    ]);
    expect(outcome.status).toBe('rejected');
    const message = (outcome as PromiseRejectedResult).reason.message;
    expect(message).toContain(
      `cp-1: the download of s3://etcd/demo/on-demand/demo-20261203T120000Z.db to cp-1 failed (Job kube-system/${name}, step download exited 1: ${log}); fix: ${fix}`,
    );
    expect((outcome as PromiseRejectedResult).reason.step).toBe('download');
  });
});
