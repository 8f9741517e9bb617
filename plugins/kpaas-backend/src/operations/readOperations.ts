import * as k8s from '@kubernetes/client-node';
import {
  BackupFailure,
  BackupObservation,
  CERT_EXPIRY_CONFIGMAP,
  CERT_EXPIRY_KEY,
  ClusterOperationsResponse,
  ClusterStatus,
  clusterSpecSchema,
  deriveBackupStatus,
  ETCD_BACKUP_CRONJOB,
  ETCD_BACKUP_NAMESPACE,
  ETCD_BACKUP_RESULT_CONFIGMAP,
  ExpiryItem,
  expiryItem,
  kubernetesVersionSupport,
  nodeVersionSkew,
  parseKubeadmCheckExpiration,
  sortExpiries,
} from '@internal/plugin-kpaas-common';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { readKubeletCertificates } from './kubeletCertificates';
import {
  KubeClusterClient,
  KubeRequestError,
} from '../status/KubeClusterClient';

/*
 * The cluster page's Operations section, read on request (kpaas.cluster.read): never a Secret.
 *   backups   spec.backup + ConfigMap kube-system/kpaas-etcd-backup-result + the CronJob's failed Jobs
 *   expiries  the serving certificate (status: TLS handshake), kubeadm's certificates and CAs
 *             (ConfigMap kube-system/kpaas-cert-expiry, key check-expiration.json, written by a
 *             collector), cert-manager Certificates' status.notAfter, the kubelets'
 *             certificates (ConfigMaps kpaas-node-certs/kubelet-certs-<node>, written by a per-node
 *             collector), the exp of the ServiceAccount token kpaas-backend holds (tokenExpiresAt)
 *   versions  the API server's version against upstream support, every node's kubelet skew
 */

const notFound = (e: unknown) =>
  e instanceof KubeRequestError && e.statusCode === 404;

/** What the backup CronJob left in the cluster: its result ConfigMap and its failed Jobs. */
export async function readBackupObservation(
  client: KubeClusterClient,
): Promise<BackupObservation> {
  const core = client.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const batch = client.kubeConfig.makeApiClient(k8s.BatchV1Api);
  let result: Record<string, string> | undefined;
  try {
    const cm = await client.call(
      `GET configmap ${ETCD_BACKUP_NAMESPACE}/${ETCD_BACKUP_RESULT_CONFIGMAP}`,
      () =>
        core.readNamespacedConfigMap(
          {
            namespace: ETCD_BACKUP_NAMESPACE,
            name: ETCD_BACKUP_RESULT_CONFIGMAP,
          },
          client.requestOptions(),
        ),
    );
    result = cm.data ?? undefined;
  } catch (e) {
    if (!notFound(e)) throw e;
  }
  const jobs = await client.call('LIST jobs kube-system', () =>
    batch.listNamespacedJob(
      {
        namespace: ETCD_BACKUP_NAMESPACE,
        labelSelector: `app.kubernetes.io/name=${ETCD_BACKUP_CRONJOB}`,
      },
      client.requestOptions(),
    ),
  );
  const failedJobs: BackupFailure[] = [];
  for (const job of jobs.items) {
    const failed = job.status?.conditions?.find(
      c => c.type === 'Failed' && c.status === 'True',
    );
    if (!failed) continue;
    const at = failed.lastTransitionTime ?? job.status?.startTime;
    failedJobs.push({
      job: job.metadata?.name ?? '',
      at: at instanceof Date ? at.toISOString() : String(at ?? ''),
      reason:
        [failed.reason, failed.message].filter(Boolean).join(': ') || 'failed',
    });
  }
  return { result, failedJobs };
}

export async function readClusterOperations(opts: {
  client: KubeClusterClient;
  record: ClusterRecord;
  status?: ClusterStatus;
  now: Date;
  /** The exp of the token kpaas-backend holds (serviceAccountTokenExpiry), when it has one. */
  tokenExpiresAt?: Date;
}): Promise<ClusterOperationsResponse> {
  const { client, record, status, now } = opts;
  const unavailable: string[] = [];
  const spec = clusterSpecSchema.safeParse(record.spec);
  const backupSpec = spec.success ? spec.data.spec.backup : undefined;
  const core = client.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const custom = client.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  const configMap = async (name: string) => {
    try {
      return await client.call(
        `GET configmap ${ETCD_BACKUP_NAMESPACE}/${name}`,
        () =>
          core.readNamespacedConfigMap(
            { namespace: ETCD_BACKUP_NAMESPACE, name },
            client.requestOptions(),
          ),
      );
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  };

  // backups
  let observed: BackupObservation = { failedJobs: [] };
  if (backupSpec) {
    try {
      observed = await readBackupObservation(client);
    } catch (e) {
      unavailable.push(`etcd backup results: ${(e as Error).message}`);
    }
  }
  const backup = deriveBackupStatus(backupSpec, observed, now);

  // expiries
  const expiries: ExpiryItem[] = [...(status?.expiries ?? [])];
  try {
    const collected = await configMap(CERT_EXPIRY_CONFIGMAP);
    const json = collected?.data?.[CERT_EXPIRY_KEY];
    if (json) expiries.push(...parseKubeadmCheckExpiration(json, now));
    else
      unavailable.push(
        `kubeadm certificates: ConfigMap ${ETCD_BACKUP_NAMESPACE}/${CERT_EXPIRY_CONFIGMAP} (key ${CERT_EXPIRY_KEY}) is not there; the collector writes it`,
      );
  } catch (e) {
    unavailable.push(`kubeadm certificates: ${(e as Error).message}`);
  }
  try {
    const list = (await client.call('LIST certificates.cert-manager.io', () =>
      custom.listClusterCustomObject(
        { group: 'cert-manager.io', version: 'v1', plural: 'certificates' },
        client.requestOptions(),
      ),
    )) as {
      items?: Array<{
        metadata?: { name?: string; namespace?: string };
        status?: { notAfter?: string };
      }>;
    };
    for (const c of list.items ?? []) {
      const notAfter = c.status?.notAfter
        ? new Date(c.status.notAfter)
        : undefined;
      if (!notAfter || Number.isNaN(notAfter.getTime())) continue;
      expiries.push(
        expiryItem(
          `${c.metadata?.namespace}/${c.metadata?.name}`,
          'cert-manager',
          notAfter,
          now,
        ),
      );
    }
  } catch (e) {
    // no cert-manager CRD: nothing of it to report
    if (!notFound(e))
      unavailable.push(`cert-manager Certificates: ${(e as Error).message}`);
  }

  if (status?.nodes.length) {
    try {
      const kubelets = await readKubeletCertificates(
        client,
        status.nodes.map(n => n.name),
        now,
      );
      expiries.push(...kubelets.items);
      unavailable.push(...kubelets.unavailable);
    } catch (e) {
      unavailable.push(`kubelet certificates: ${(e as Error).message}`);
    }
  }
  if (opts.tokenExpiresAt) {
    expiries.push(
      expiryItem(
        "kpaas-backend's ServiceAccount token",
        'service-account-token',
        opts.tokenExpiresAt,
        now,
      ),
    );
  }

  // versions
  const running =
    status?.api.version ??
    (spec.success ? spec.data.spec.kubernetes.version : undefined);
  return {
    cluster: record.name,
    checkedAt: now.toISOString(),
    backup,
    expiries: sortExpiries(expiries),
    version: running ? kubernetesVersionSupport(running, now) : undefined,
    skew: status?.api.version
      ? nodeVersionSkew(status.api.version, status.nodes)
      : [],
    unavailable,
  };
}
