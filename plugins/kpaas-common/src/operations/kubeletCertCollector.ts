/*
 * The collector of the kubelets' certificates. Their expiry is only on the node: the client
 * certificate (/var/lib/kubelet/pki/kubelet-client-current.pem) is issued through a CSR that
 * kube-controller-manager deletes an hour after issuing it, and the serving certificate (a
 * self-signed kubelet.crt unless serverTLSBootstrap) is in no API object. A DaemonSet on every
 * node copies the CERTIFICATE blocks of both files (never the private key that shares the
 * client file) into a ConfigMap per node in its own namespace every six hours; kpaas-backend
 * parses the certificates themselves (their notAfter), not a date the collector computed.
 */

/** The namespace the collector runs in and writes to (nothing else lives there). @public */
export const KUBELET_CERT_NAMESPACE = 'kpaas-node-certs';
/** DaemonSet, ServiceAccount and Role name; also the label of the ConfigMaps it writes. @public */
export const KUBELET_CERT_COLLECTOR = 'kpaas-kubelet-certs';
/** ConfigMap of one node: `kubelet-certs-<node>`. @public */
export const KUBELET_CERT_CONFIGMAP_PREFIX = 'kubelet-certs-';
/** Keys of that ConfigMap. @public */
export const KUBELET_CERT_KEYS = {
  node: 'node',
  collectedAt: 'collectedAt',
  /** The certificate blocks of kubelet-client-current.pem. */
  client: 'client.pem',
  /** kubelet-server-current.pem (serverTLSBootstrap) or the self-signed kubelet.crt. */
  serving: 'serving.pem',
} as const;
/** Hours between two collections on a node. @public */
export const KUBELET_CERT_INTERVAL_HOURS = 6;

/** kpaas-backend's reader (kpaas:bootstrap's ServiceAccount kube-system/kpaas-reader). */
const READER = { name: 'kpaas-reader', namespace: 'kube-system' };

const labels = {
  'app.kubernetes.io/name': KUBELET_CERT_COLLECTOR,
  'app.kubernetes.io/managed-by': 'kpaas',
};

/** The loop each node's pod runs (bash and sed of the kubectl image, kubectl itself). */
function collectorScript(intervalHours: number): string {
  const k = KUBELET_CERT_KEYS;
  return [
    'set -eu',
    // only the CERTIFICATE blocks: kubelet-client-current.pem also holds the private key
    'certs() { sed -n \'/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p\' "$1"; }',
    'while true; do',
    '  out=$(mktemp -d)',
    `  printf %s "$NODE_NAME" > "$out/${k.node}"`,
    `  date -u +%Y-%m-%dT%H:%M:%SZ | tr -d '\\n' > "$out/${k.collectedAt}"`,
    `  if [ -f /pki/kubelet-client-current.pem ]; then certs /pki/kubelet-client-current.pem > "$out/${k.client}"; fi`,
    `  if [ -f /pki/kubelet-server-current.pem ]; then certs /pki/kubelet-server-current.pem > "$out/${k.serving}";`,
    `  elif [ -f /pki/kubelet.crt ]; then certs /pki/kubelet.crt > "$out/${k.serving}"; fi`,
    `  kubectl -n ${KUBELET_CERT_NAMESPACE} create configmap "${KUBELET_CERT_CONFIGMAP_PREFIX}$NODE_NAME" --from-file="$out" --dry-run=client -o yaml \\`,
    `    | kubectl label --local -f - -o yaml app.kubernetes.io/name=${KUBELET_CERT_COLLECTOR} app.kubernetes.io/managed-by=kpaas \\`,
    '    | kubectl apply -f - || echo "could not record the certificates of $NODE_NAME" >&2',
    '  rm -rf "$out"',
    `  sleep ${intervalHours * 3600}`,
    'done',
  ].join('\n');
}

/**
 * Namespace, ServiceAccount, the collector's Role (ConfigMaps of its own namespace only), the
 * reader's Role there (get/list), and the DaemonSet on every node (every taint tolerated).
 * @public
 */
export function renderKubeletCertCollector(input: {
  /** spec.kubernetes.version, for the kubectl image (bash, sed and kubectl). */
  kubernetesVersion: string;
  intervalHours?: number;
}): Array<Record<string, unknown>> {
  const ns = KUBELET_CERT_NAMESPACE;
  const meta = { name: KUBELET_CERT_COLLECTOR, namespace: ns, labels };
  const readerName = `${KUBELET_CERT_COLLECTOR}-reader`;
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          ...labels,
          // hostPath is read-only and the pod runs as root to read /var/lib/kubelet/pki
          'pod-security.kubernetes.io/enforce': 'privileged',
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'create', 'patch', 'update'],
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
        name: KUBELET_CERT_COLLECTOR,
      },
      subjects: [
        { kind: 'ServiceAccount', name: KUBELET_CERT_COLLECTOR, namespace: ns },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { ...meta, name: readerName },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...meta, name: readerName },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: readerName,
      },
      subjects: [{ kind: 'ServiceAccount', ...READER }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta,
      spec: {
        selector: {
          matchLabels: { 'app.kubernetes.io/name': KUBELET_CERT_COLLECTOR },
        },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '10%' },
        },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: KUBELET_CERT_COLLECTOR,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            volumes: [
              {
                name: 'pki',
                hostPath: { path: '/var/lib/kubelet/pki', type: 'Directory' },
              },
            ],
            containers: [
              {
                name: 'collect',
                image: `registry.k8s.io/kubectl:${input.kubernetesVersion}`,
                command: [
                  'bash',
                  '-c',
                  collectorScript(
                    input.intervalHours ?? KUBELET_CERT_INTERVAL_HOURS,
                  ),
                ],
                env: [
                  {
                    name: 'NODE_NAME',
                    valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
                  },
                ],
                resources: {
                  requests: { cpu: '1m', memory: '16Mi' },
                  limits: { memory: '64Mi' },
                },
                securityContext: {
                  readOnlyRootFilesystem: false,
                  allowPrivilegeEscalation: false,
                },
                volumeMounts: [
                  { name: 'pki', mountPath: '/pki', readOnly: true },
                ],
              },
            ],
          },
        },
      },
    },
  ];
}
