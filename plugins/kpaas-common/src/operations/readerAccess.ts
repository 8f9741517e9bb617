import { CERT_EXPIRY_CONFIGMAP } from './certExpiryCollector';
import {
  ETCD_BACKUP_NAMESPACE,
  ETCD_BACKUP_RESULT_CONFIGMAP,
} from './backupSpec';

/*
 * What kpaas-backend's reader (kpaas:bootstrap's ServiceAccount kube-system/kpaas-reader) needs
 * beyond the status page's ClusterRole to show the Operations section: the two result
 * ConfigMaps in kube-system (by name, nothing else there), the backup CronJob's Jobs, and
 * cert-manager's Certificates. kpaas:addons applies these on every run, so clusters bootstrapped
 * before they existed get them too (kpaas:bootstrap keeps an existing ClusterRole as it is).
 * The kubelet certificates' ConfigMaps are granted by their collector (kubeletCertCollector.ts).
 */

/** Role, ClusterRole and both bindings' name. @public */
export const OPERATIONS_READER_ACCESS = 'kpaas-reader-operations';

const READER = {
  kind: 'ServiceAccount',
  name: 'kpaas-reader',
  namespace: 'kube-system',
};
const labels = { 'app.kubernetes.io/managed-by': 'kpaas' };

/** The Role, ClusterRole and bindings that let kpaas-backend read the Operations records. @public */
export function renderOperationsReaderAccess(): Array<Record<string, unknown>> {
  const name = OPERATIONS_READER_ACCESS;
  const rbac = 'rbac.authorization.k8s.io/v1';
  const roleRef = (kind: string) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind,
    name,
  });
  return [
    {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name, namespace: ETCD_BACKUP_NAMESPACE, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [CERT_EXPIRY_CONFIGMAP, ETCD_BACKUP_RESULT_CONFIGMAP],
          verbs: ['get'],
        },
        // the backup CronJob's failed Jobs (listed by its label; a Role cannot narrow a list by name)
        {
          apiGroups: ['batch'],
          resources: ['jobs', 'cronjobs'],
          verbs: ['get', 'list'],
        },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name, namespace: ETCD_BACKUP_NAMESPACE, labels },
      roleRef: roleRef('Role'),
      subjects: [READER],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: [
        {
          apiGroups: ['cert-manager.io'],
          resources: ['certificates'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: roleRef('ClusterRole'),
      subjects: [READER],
    },
  ];
}
