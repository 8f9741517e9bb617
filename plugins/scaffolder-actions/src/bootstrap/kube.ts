import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';

/** Name of the read-only identity kpaas-backend uses to read the cluster. */
export const READER_NAME = 'kpaas-reader';
export const READER_NAMESPACE = 'kube-system';

/**
 * Loads admin.conf (text fetched over SFTP, never written to disk) with its server replaced by
 * the API endpoint from the spec (admin.conf may name the first control plane's address).
 */
export function adminKubeConfig(adminConf: string, apiServerUrl: string) {
  const doc = yaml.parse(adminConf);
  for (const c of doc?.clusters ?? []) {
    if (c?.cluster) c.cluster.server = apiServerUrl;
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml.stringify(doc));
  const caData = kc.getCurrentCluster()?.caData;
  return {
    kc,
    caPem: caData ? Buffer.from(caData, 'base64').toString() : undefined,
  };
}

function isStatus(e: unknown, code: number): boolean {
  return (e as { code?: number })?.code === code;
}

async function createOrKeep(
  fn: () => Promise<unknown>,
): Promise<'created' | 'exists'> {
  try {
    await fn();
    return 'created';
  } catch (e) {
    if (isStatus(e, 409)) return 'exists';
    throw e;
  }
}

/**
 * The read-only ServiceAccount kpaas-backend uses: get/list/watch on the objects the status
 * page shows, nothing on secrets. Its token comes from a `kubernetes.io/service-account-token`
 * Secret that the token controller fills. Idempotent.
 */
export async function ensureReaderToken(
  kc: k8s.KubeConfig,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ token: string; created: string[] }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const created: string[] = [];
  const note = (what: string, r: 'created' | 'exists') => {
    if (r === 'created') created.push(what);
  };
  note(
    'ServiceAccount',
    await createOrKeep(() =>
      core.createNamespacedServiceAccount({
        namespace: READER_NAMESPACE,
        body: {
          metadata: {
            name: READER_NAME,
            labels: { 'app.kubernetes.io/managed-by': 'kpaas' },
          },
        },
      }),
    ),
  );
  note(
    'ClusterRole',
    await createOrKeep(() =>
      rbac.createClusterRole({
        body: {
          metadata: {
            name: READER_NAME,
            labels: { 'app.kubernetes.io/managed-by': 'kpaas' },
          },
          rules: [
            {
              apiGroups: [''],
              resources: ['nodes', 'namespaces', 'pods', 'services', 'events'],
              verbs: ['get', 'list', 'watch'],
            },
            {
              apiGroups: ['apps'],
              resources: [
                'deployments',
                'statefulsets',
                'daemonsets',
                'replicasets',
              ],
              verbs: ['get', 'list', 'watch'],
            },
            {
              // the status page checks that add-ons' CRDs are Established
              apiGroups: ['apiextensions.k8s.io'],
              resources: ['customresourcedefinitions'],
              verbs: ['get', 'list', 'watch'],
            },
            {
              // the status page judges the cluster Gateway and the UIs' HTTPRoutes
              apiGroups: ['gateway.networking.k8s.io'],
              resources: ['gateways', 'httproutes'],
              verbs: ['get', 'list', 'watch'],
            },
          ],
        },
      }),
    ),
  );
  note(
    'ClusterRoleBinding',
    await createOrKeep(() =>
      rbac.createClusterRoleBinding({
        body: {
          metadata: {
            name: READER_NAME,
            labels: { 'app.kubernetes.io/managed-by': 'kpaas' },
          },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: READER_NAME,
          },
          subjects: [
            {
              kind: 'ServiceAccount',
              name: READER_NAME,
              namespace: READER_NAMESPACE,
            },
          ],
        },
      }),
    ),
  );
  const secretName = `${READER_NAME}-token`;
  note(
    'Secret',
    await createOrKeep(() =>
      core.createNamespacedSecret({
        namespace: READER_NAMESPACE,
        body: {
          metadata: {
            name: secretName,
            annotations: { 'kubernetes.io/service-account.name': READER_NAME },
          },
          type: 'kubernetes.io/service-account-token',
        },
      }),
    ),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await core.readNamespacedSecret({
      name: secretName,
      namespace: READER_NAMESPACE,
    });
    const token = s.data?.token;
    if (token)
      return { token: Buffer.from(token, 'base64').toString(), created };
    if (Date.now() > deadline) {
      throw new Error(
        `the token controller did not fill Secret ${READER_NAMESPACE}/${secretName} within ${Math.round(
          timeoutMs / 1000,
        )} s; check kube-controller-manager`,
      );
    }
    if (signal?.aborted) throw new Error('cancelled');
    await new Promise(r => setTimeout(r, 250));
  }
}

export interface ReadyNode {
  name: string;
  roles: string[];
  kubeletVersion: string;
}

/** Waits until every expected node is registered and Ready; reports the missing ones on timeout. */
export async function waitForNodesReady(
  kc: k8s.KubeConfig,
  expected: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ReadyNode[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await core.listNode();
    const byName = new Map(list.items.map(n => [n.metadata?.name ?? '', n]));
    const notReady = expected.filter(name => {
      const n = byName.get(name);
      return !n?.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      );
    });
    if (notReady.length === 0) {
      return expected.map(name => {
        const n = byName.get(name)!;
        const roles = Object.keys(n.metadata?.labels ?? {})
          .filter(l => l.startsWith('node-role.kubernetes.io/'))
          .map(l => l.slice('node-role.kubernetes.io/'.length));
        return {
          name,
          roles,
          kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
        };
      });
    }
    if (Date.now() > deadline) {
      throw new Error(
        `nodes not Ready after ${Math.round(timeoutMs / 1000)} s: ${notReady
          .map(n => `${n} (${byName.has(n) ? 'NotReady' : 'not registered'})`)
          .join(', ')}`,
      );
    }
    if (signal?.aborted) throw new Error('cancelled');
    await new Promise(r => setTimeout(r, 500));
  }
}
