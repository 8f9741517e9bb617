import {
  backupKeyPrefix,
  ETCD_BACKUP_CRONJOB,
  ETCD_BACKUP_NAMESPACE,
  ETCD_BACKUP_RESULT_CONFIGMAP,
  EtcdBackupSpec,
} from './backupSpec';

/*
 * The etcd backup CronJob spec.backup asks for, as plain manifests the add-ons step applies.
 * One pod per run on a control plane (host network, the kubeadm etcd client certificate from
 * /etc/kubernetes/pki/etcd), each step its own container so a failure names the step:
 *   snapshot (etcdctl snapshot save, the cluster's etcd image) -> verify (etcdutl snapshot status,
 *   the etcd release image of that version) -> upload (mc cp)
 *   -> retention (mc rm --older-than) -> describe (the result ConfigMap) -> record (kubectl apply).
 * A failed step fails the Job; kpaas-backend reads failures from the Jobs and the last good
 * snapshot from the result ConfigMap, never a Secret.
 */

/** Images of the steps that are not the cluster's own etcd. Tags pinned; bump deliberately. @public */
export const ETCD_BACKUP_IMAGES = {
  /** MinIO client: speaks S3 to MinIO, Kakao Object Storage and AWS. */
  mc: 'quay.io/minio/mc:RELEASE.2024-07-08T20-59-24Z',
  /** date and stat for the result record. */
  busybox: 'docker.io/library/busybox:1.37.0',
} as const;

/**
 * The etcd project's release image of the etcd version a kubeadm etcd image runs
 * (registry.k8s.io/etcd:3.5.21-0 -> gcr.io/etcd-development/etcd:v3.5.21). It ships etcdutl,
 * which the Kubernetes etcd image has not always carried (etcd-io/etcd#13764).
 * @public
 */
export function etcdReleaseImage(kubeadmEtcdImage: string): string {
  const tag = /:v?(\d+\.\d+\.\d+)(?:-\d+)?$/.exec(kubeadmEtcdImage)?.[1];
  if (!tag) {
    throw new Error(
      `cannot tell the etcd version of image "${kubeadmEtcdImage}"; expected a tag such as 3.5.21-0`,
    );
  }
  return `gcr.io/etcd-development/etcd:v${tag}`;
}

/** The kubeadm etcd client certificate etcdctl authenticates with (kubeadm's healthcheck client). @public */
export const ETCD_CLIENT_CERTS = {
  dir: '/etc/kubernetes/pki/etcd',
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
} as const;

/** @public */
export interface EtcdBackupRenderInput {
  clusterName: string;
  backup: EtcdBackupSpec;
  /** The running etcd static pod's image (same etcdctl/etcdutl as the server). */
  etcdImage: string;
  /** spec.kubernetes.version, for the kubectl image. */
  kubernetesVersion: string;
}

type Manifest = Record<string, unknown>;

const labels = {
  'app.kubernetes.io/name': ETCD_BACKUP_CRONJOB,
  'app.kubernetes.io/managed-by': 'kpaas',
};

/** ServiceAccount, Role, RoleBinding and CronJob of the etcd backup. @public */
export function renderEtcdBackupManifests(
  input: EtcdBackupRenderInput,
): Manifest[] {
  const { backup, etcdImage, kubernetesVersion } = input;
  const ns = ETCD_BACKUP_NAMESPACE;
  const prefix = backupKeyPrefix(input.clusterName, backup);
  const objectDir = `backup/${backup.target.bucket}/${prefix}/`;
  const meta = (name: string) => ({ name, namespace: ns, labels });
  const etcdctl = [
    'etcdctl',
    '--endpoints=https://127.0.0.1:2379',
    `--cacert=${ETCD_CLIENT_CERTS.cacert}`,
    `--cert=${ETCD_CLIENT_CERTS.cert}`,
    `--key=${ETCD_CLIENT_CERTS.key}`,
  ];
  const mcEnv = s3ClientEnv(backup);
  const podEnv = [
    {
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    },
    {
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    },
  ];
  const snapshotMount = { name: 'snapshot', mountPath: '/snapshot' };
  const describeScript = [
    'set -eu',
    'cat > /snapshot/record.yaml <<EOF',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${ETCD_BACKUP_RESULT_CONFIGMAP}`,
    `  namespace: ${ns}`,
    '  labels:',
    `    app.kubernetes.io/name: ${ETCD_BACKUP_CRONJOB}`,
    'data:',
    '  lastSuccessAt: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
    '  sizeBytes: "$(stat -c %s /snapshot/etcd.db)"',
    `  object: "s3://${backup.target.bucket}/${prefix}/$POD_NAME.db"`,
    '  node: "$NODE_NAME"',
    '  job: "$POD_NAME"',
    'EOF',
  ].join('\n');

  const serviceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(ETCD_BACKUP_CRONJOB),
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(ETCD_BACKUP_CRONJOB),
    rules: [
      // create cannot be limited to a name; get/patch only the result ConfigMap.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [ETCD_BACKUP_RESULT_CONFIGMAP],
        verbs: ['get', 'patch', 'update'],
      },
    ],
  };
  const roleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(ETCD_BACKUP_CRONJOB),
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: ETCD_BACKUP_CRONJOB,
    },
    subjects: [
      { kind: 'ServiceAccount', name: ETCD_BACKUP_CRONJOB, namespace: ns },
    ],
  };
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(ETCD_BACKUP_CRONJOB),
    spec: {
      schedule: backup.schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 1800,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: ETCD_BACKUP_CRONJOB,
              restartPolicy: 'Never',
              hostNetwork: true,
              dnsPolicy: 'ClusterFirstWithHostNet',
              nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
              tolerations: [
                {
                  key: 'node-role.kubernetes.io/control-plane',
                  operator: 'Exists',
                  effect: 'NoSchedule',
                },
                {
                  key: 'node-role.kubernetes.io/master',
                  operator: 'Exists',
                  effect: 'NoSchedule',
                },
              ],
              volumes: [
                {
                  name: 'etcd-certs',
                  hostPath: { path: ETCD_CLIENT_CERTS.dir, type: 'Directory' },
                },
                { name: 'snapshot', emptyDir: {} },
              ],
              initContainers: [
                {
                  name: 'snapshot',
                  image: etcdImage,
                  command: [
                    ...etcdctl,
                    'snapshot',
                    'save',
                    '/snapshot/etcd.db',
                  ],
                  volumeMounts: [
                    {
                      name: 'etcd-certs',
                      mountPath: ETCD_CLIENT_CERTS.dir,
                      readOnly: true,
                    },
                    snapshotMount,
                  ],
                },
                {
                  name: 'verify',
                  image: etcdReleaseImage(etcdImage),
                  command: [
                    'etcdutl',
                    'snapshot',
                    'status',
                    '/snapshot/etcd.db',
                    '--write-out=table',
                  ],
                  volumeMounts: [snapshotMount],
                },
                {
                  name: 'upload',
                  image: ETCD_BACKUP_IMAGES.mc,
                  command: [
                    'mc',
                    '--config-dir=/tmp/mc',
                    'cp',
                    '/snapshot/etcd.db',
                    `${objectDir}$(POD_NAME).db`,
                  ],
                  env: [...podEnv, ...mcEnv],
                  volumeMounts: [snapshotMount],
                },
                {
                  name: 'retention',
                  image: ETCD_BACKUP_IMAGES.mc,
                  command: [
                    'mc',
                    '--config-dir=/tmp/mc',
                    'rm',
                    '--recursive',
                    '--force',
                    `--older-than=${backup.retentionDays}d`,
                    objectDir,
                  ],
                  env: mcEnv,
                },
                {
                  name: 'describe',
                  image: ETCD_BACKUP_IMAGES.busybox,
                  command: ['sh', '-c', describeScript],
                  env: podEnv,
                  volumeMounts: [snapshotMount],
                },
              ],
              containers: [
                {
                  name: 'record',
                  image: `registry.k8s.io/kubectl:${kubernetesVersion}`,
                  command: ['kubectl', 'apply', '-f', '/snapshot/record.yaml'],
                  volumeMounts: [snapshotMount],
                },
              ],
            },
          },
        },
      },
    },
  };
  return [serviceAccount, role, roleBinding, cronJob];
}

/**
 * The environment of an `mc` container that speaks to spec.backup's target as the alias
 * `backup` (objects `backup/<bucket>/<key>`): the keys from the credentials Secret, never in a
 * manifest. Shared by the CronJob and kpaas's snapshot transfer Jobs.
 * @public
 */
export function s3ClientEnv(
  backup: EtcdBackupSpec,
): Array<Record<string, unknown>> {
  return [
    secretEnv('AWS_ACCESS_KEY_ID', backup.target.credentialsSecret),
    secretEnv('AWS_SECRET_ACCESS_KEY', backup.target.credentialsSecret),
    {
      // mc's alias from the environment; Kubernetes expands $(VAR) from the entries above.
      name: 'MC_HOST_backup',
      value: backup.target.endpoint.replace(
        /^(https?:\/\/)/,
        '$1$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@',
      ),
    },
    { name: 'MC_REGION', value: backup.target.region },
  ];
}

function secretEnv(key: string, secret: string) {
  return { name: key, valueFrom: { secretKeyRef: { name: secret, key } } };
}
