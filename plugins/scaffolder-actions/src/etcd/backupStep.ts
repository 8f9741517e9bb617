import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  ETCD_BACKUP_CRONJOB,
  ETCD_BACKUP_NAMESPACE,
  renderEtcdBackupManifests,
} from '@internal/plugin-kpaas-common';
import type * as k8s from '@kubernetes/client-node';
import type { AddonCluster } from '../addons/cluster';

/*
 * kpaas:addons' backup step: spec.backup becomes the etcd snapshot CronJob (kpaas-common
 * renderEtcdBackupManifests) with the image of the etcd the cluster runs. Checked before
 * anything is applied: the etcd static pod exists and the credentials Secret is there.
 */

/** The image of the running etcd static pod (kubeadm labels it component=etcd, tier=control-plane). */
export async function runningEtcdImage(cluster: AddonCluster): Promise<string> {
  const pods = await cluster.core.listNamespacedPod({
    namespace: 'kube-system',
    labelSelector: 'component=etcd,tier=control-plane',
  });
  const image = pods.items
    .flatMap(p => p.spec?.containers ?? [])
    .find(c => c.name === 'etcd')?.image;
  if (!image) {
    throw new InputError(
      "spec.backup: no etcd static pod in kube-system (component=etcd, tier=control-plane); etcd backups need kubeadm's stacked etcd, so remove spec.backup for this cluster",
    );
  }
  return image;
}

export interface EtcdBackupStepResult {
  applied: string[];
  etcdImage: string;
}

/** Applies the etcd backup of spec.backup; does nothing (and says so) without it. */
export async function applyEtcdBackup(opts: {
  spec: ClusterSpec;
  cluster: AddonCluster;
  /** The run's masked logger (info, warn, error). */
  logger: Pick<LoggerService, 'info' | 'warn' | 'error'>;
  deadline: number;
}): Promise<EtcdBackupStepResult | undefined> {
  const { spec, cluster, logger } = opts;
  const backup = spec.spec.backup;
  if (!backup) {
    logger.info('spec.backup is not set: no scheduled etcd backup');
    return undefined;
  }
  const etcdImage = await runningEtcdImage(cluster);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: backup.target.credentialsSecret,
      namespace: ETCD_BACKUP_NAMESPACE,
    },
  };
  if (!(await cluster.exists(secret))) {
    throw new InputError(
      `spec.backup.target.credentialsSecret: Secret ${ETCD_BACKUP_NAMESPACE}/${backup.target.credentialsSecret} does not exist; create it with kubectl -n ${ETCD_BACKUP_NAMESPACE} create secret generic ${backup.target.credentialsSecret} --from-literal=AWS_ACCESS_KEY_ID=<key> --from-literal=AWS_SECRET_ACCESS_KEY=<secret>, then run kpaas:addons again`,
    );
  }
  const manifests = renderEtcdBackupManifests({
    clusterName: spec.metadata.name,
    backup,
    etcdImage,
    kubernetesVersion: spec.spec.kubernetes.version,
  });
  const applied: string[] = [];
  for (const manifest of manifests) {
    await cluster.apply(manifest as k8s.KubernetesObject, opts.deadline);
    const meta = manifest.metadata as { name: string; namespace: string };
    applied.push(`${manifest.kind}/${meta.namespace}/${meta.name}`);
  }
  logger.info(
    `etcd backup: CronJob ${ETCD_BACKUP_NAMESPACE}/${ETCD_BACKUP_CRONJOB} "${backup.schedule}" to ${backup.target.endpoint}/${backup.target.bucket}, kept ${backup.retentionDays} days (etcd image ${etcdImage})`,
  );
  return { applied, etcdImage };
}
