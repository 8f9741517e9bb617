import { ETCD_BACKUP_NAMESPACE as NAMESPACE } from './backupSpec';
import { ETCD_BACKUP_IMAGES } from './etcdBackupManifests';

/*
 * The collector of kubeadm's certificate expiry: a daily CronJob on a control plane runs the
 * node's own kubeadm (`kubeadm certs check-expiration -o json`, kubeadm 1.27+) against the
 * node's /etc/kubernetes, and writes the JSON to ConfigMap kube-system/kpaas-cert-expiry,
 * which kpaas-backend reads (no Secret). kpaas:addons applies it and starts a first run.
 */

/** @public */
export const CERT_EXPIRY_COLLECTOR = 'kpaas-cert-expiry';
/** The ConfigMap the collector writes and kpaas-backend reads. @public */
export const CERT_EXPIRY_CONFIGMAP = 'kpaas-cert-expiry';
/** Its key holding `kubeadm certs check-expiration -o json`. @public */
export const CERT_EXPIRY_KEY = 'check-expiration.json';

const labels = {
  'app.kubernetes.io/name': CERT_EXPIRY_COLLECTOR,
  'app.kubernetes.io/managed-by': 'kpaas',
};

/** ServiceAccount, Role, RoleBinding and the daily CronJob of the collector. @public */
export function renderCertExpiryCollector(input: {
  /** spec.kubernetes.version, for the kubectl image. */
  kubernetesVersion: string;
  /** Default: daily at 03:17 UTC. */
  schedule?: string;
}): Array<Record<string, unknown>> {
  const meta = { name: CERT_EXPIRY_COLLECTOR, namespace: NAMESPACE, labels };
  const script = [
    'set -eu',
    '/host/kubeadm certs check-expiration -o json > /out/check.json',
    'cat > /out/record.yaml <<EOF',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${CERT_EXPIRY_CONFIGMAP}`,
    `  namespace: ${NAMESPACE}`,
    '  labels:',
    `    app.kubernetes.io/name: ${CERT_EXPIRY_COLLECTOR}`,
    'data:',
    '  collectedAt: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"',
    '  node: "$NODE_NAME"',
    `  ${CERT_EXPIRY_KEY}: |`,
    '$(sed "s/^/    /" /out/check.json)',
    'EOF',
  ].join('\n');
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [CERT_EXPIRY_CONFIGMAP],
          verbs: ['get', 'patch', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: CERT_EXPIRY_COLLECTOR,
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: CERT_EXPIRY_COLLECTOR,
          namespace: NAMESPACE,
        },
      ],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta,
      spec: {
        schedule: input.schedule ?? '17 3 * * *',
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: 600,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: CERT_EXPIRY_COLLECTOR,
                restartPolicy: 'Never',
                hostNetwork: true,
                nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
                tolerations: [
                  {
                    key: 'node-role.kubernetes.io/control-plane',
                    operator: 'Exists',
                    effect: 'NoSchedule',
                  },
                ],
                volumes: [
                  {
                    name: 'kubernetes',
                    hostPath: { path: '/etc/kubernetes', type: 'Directory' },
                  },
                  {
                    name: 'kubeadm',
                    hostPath: { path: '/usr/bin/kubeadm', type: 'File' },
                  },
                  { name: 'out', emptyDir: {} },
                ],
                initContainers: [
                  {
                    name: 'check',
                    image: ETCD_BACKUP_IMAGES.busybox,
                    command: ['sh', '-c', script],
                    env: [
                      {
                        name: 'NODE_NAME',
                        valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
                      },
                    ],
                    volumeMounts: [
                      {
                        name: 'kubernetes',
                        mountPath: '/etc/kubernetes',
                        readOnly: true,
                      },
                      {
                        name: 'kubeadm',
                        mountPath: '/host/kubeadm',
                        readOnly: true,
                      },
                      { name: 'out', mountPath: '/out' },
                    ],
                  },
                ],
                containers: [
                  {
                    name: 'record',
                    image: `registry.k8s.io/kubectl:${input.kubernetesVersion}`,
                    command: ['kubectl', 'apply', '-f', '/out/record.yaml'],
                    volumeMounts: [{ name: 'out', mountPath: '/out' }],
                  },
                ],
              },
            },
          },
        },
      },
    },
  ];
}
