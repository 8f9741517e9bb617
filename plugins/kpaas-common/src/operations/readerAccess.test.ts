import { renderOperationsReaderAccess } from './readerAccess';

type Rule = {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
};
type Request = {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
};

/** RBAC's own rule: a request is allowed when one rule of a bound role matches it. */
function allowed(objects: Array<Record<string, any>>, req: Request): boolean {
  const bound = (kind: string, name: string, namespace?: string) =>
    objects.some(
      b =>
        (b.kind === 'RoleBinding' || b.kind === 'ClusterRoleBinding') &&
        b.roleRef.kind === kind &&
        b.roleRef.name === name &&
        (b.kind === 'ClusterRoleBinding' ||
          b.metadata.namespace === namespace) &&
        b.subjects.some(
          (s: any) =>
            s.kind === 'ServiceAccount' &&
            s.name === 'kpaas-reader' &&
            s.namespace === 'kube-system',
        ),
    );
  return objects.some(role => {
    if (role.kind === 'Role') {
      if (role.metadata.namespace !== req.namespace) return false;
      if (!bound('Role', role.metadata.name, role.metadata.namespace))
        return false;
    } else if (role.kind === 'ClusterRole') {
      if (!bound('ClusterRole', role.metadata.name)) return false;
    } else return false;
    return (role.rules as Rule[]).some(
      r =>
        r.apiGroups.includes(req.group) &&
        r.resources.includes(req.resource) &&
        r.verbs.includes(req.verb) &&
        (!r.resourceNames ||
          (req.name !== undefined && r.resourceNames.includes(req.name))),
    );
  });
}

describe('renderOperationsReaderAccess', () => {
  const objects = renderOperationsReaderAccess();

  it('lets kpaas-reader make every read of the Operations section', () => {
    const reads: Request[] = [
      {
        verb: 'get',
        group: '',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'kpaas-cert-expiry',
      },
      {
        verb: 'get',
        group: '',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'kpaas-etcd-backup-result',
      },
      {
        verb: 'list',
        group: 'batch',
        resource: 'jobs',
        namespace: 'kube-system',
      },
      { verb: 'list', group: 'cert-manager.io', resource: 'certificates' },
    ];
    for (const r of reads) expect([r, allowed(objects, r)]).toEqual([r, true]);
  });

  it('grants nothing else in kube-system: no other ConfigMap, no Secret, no write', () => {
    const denied: Request[] = [
      {
        verb: 'get',
        group: '',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'kubeadm-config',
      },
      {
        verb: 'list',
        group: '',
        resource: 'configmaps',
        namespace: 'kube-system',
      },
      {
        verb: 'get',
        group: '',
        resource: 'secrets',
        namespace: 'kube-system',
        name: 'kpaas-reader-token',
      },
      {
        verb: 'update',
        group: '',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'kpaas-cert-expiry',
      },
      {
        verb: 'create',
        group: 'batch',
        resource: 'jobs',
        namespace: 'kube-system',
      },
      { verb: 'list', group: 'batch', resource: 'jobs', namespace: 'default' },
    ];
    for (const r of denied)
      expect([r, allowed(objects, r)]).toEqual([r, false]);
  });
});
