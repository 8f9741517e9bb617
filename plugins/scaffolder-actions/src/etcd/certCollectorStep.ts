import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  CERT_EXPIRY_COLLECTOR,
  ClusterSpec,
  KUBELET_CERT_COLLECTOR,
  KUBELET_CERT_NAMESPACE,
  renderCertExpiryCollector,
  renderKubeletCertCollector,
  renderOperationsReaderAccess,
} from '@internal/plugin-kpaas-common';
import type * as k8s from '@kubernetes/client-node';
import type { AddonCluster } from '../addons/cluster';

/** The first run of the collector, so the expiries show without waiting for the schedule. */
export const FIRST_COLLECTION_JOB = `${CERT_EXPIRY_COLLECTOR}-first`;

/**
 * kpaas:addons' expiry collector step: kpaas-backend reader's access to the Operations records
 * (every installer; ../kpaas-common operations/readerAccess.ts), then on kubeadm clusters the daily CronJob that writes
 * `kubeadm certs check-expiration -o json` to ConfigMap kube-system/kpaas-cert-expiry, and a
 * first Job from it; the DaemonSet kpaas-node-certs/kpaas-kubelet-certs that copies every
 * node's kubelet certificates (certificate blocks only) to a ConfigMap per node. A failure only warns: the add-ons are installed; the cluster page then
 * says the kubeadm certificates are not collected.
 */
export async function applyCertExpiryCollector(opts: {
  spec: ClusterSpec;
  cluster: AddonCluster;
  logger: Pick<LoggerService, 'info' | 'warn'>;
  deadline: number;
}): Promise<'applied' | 'skipped' | 'failed'> {
  const { spec, cluster, logger } = opts;
  try {
    // kpaas-backend's reader: the collectors' and the backup's records, cert-manager Certificates
    for (const m of renderOperationsReaderAccess()) {
      await cluster.apply(m as k8s.KubernetesObject, opts.deadline);
    }
  } catch (e) {
    logger.warn(
      `kpaas-reader's access to the Operations records not applied: ${
        String((e as Error).message).split('\n')[0]
      }; the cluster page lists them as not available until kpaas:addons runs again`,
    );
  }
  if (spec.spec.kubernetes.installer !== 'kubeadm') {
    logger.info(
      `certificate expiry collector: not installed (installer ${spec.spec.kubernetes.installer} does not leave kubeadm on the nodes)`,
    );
    return 'skipped';
  }
  try {
    const manifests = renderCertExpiryCollector({
      kubernetesVersion: spec.spec.kubernetes.version,
    });
    for (const m of manifests) {
      await cluster.apply(m as k8s.KubernetesObject, opts.deadline);
    }
    const cronJob = manifests.find(m => m.kind === 'CronJob') as any;
    const first = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: FIRST_COLLECTION_JOB,
        namespace: cronJob.metadata.namespace,
        labels: cronJob.spec.jobTemplate.metadata.labels,
      },
      spec: cronJob.spec.jobTemplate.spec,
    };
    if (!(await cluster.exists(first))) {
      await cluster.apply(first as k8s.KubernetesObject, opts.deadline);
    }
    for (const m of renderKubeletCertCollector({
      kubernetesVersion: spec.spec.kubernetes.version,
    })) {
      await cluster.apply(m as k8s.KubernetesObject, opts.deadline);
    }
    logger.info(
      `certificate expiry collectors: CronJob kube-system/${CERT_EXPIRY_COLLECTOR} (daily) and a first run; DaemonSet ${KUBELET_CERT_NAMESPACE}/${KUBELET_CERT_COLLECTOR} (kubelet certificates, every node)`,
    );
    return 'applied';
  } catch (e) {
    logger.warn(
      `certificate expiry collector not installed: ${
        String((e as Error).message).split('\n')[0]
      }; the cluster page lists the kubeadm certificates as not collected until kpaas:addons runs again`,
    );
    return 'failed';
  }
}
