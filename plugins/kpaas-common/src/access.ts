import { AccessGroup, OidcSettings, oidcSettingsSchema } from './accessSchema';
import type { ClusterSpec } from './spec/schema';

/*
 * Who gets into a cluster's API server, derived from `spec.access` of cluster.yaml (one model,
 * one direction): the OIDC settings, the kube-apiserver flags kubeadm writes at bootstrap, the
 * RBAC bindings kpaas:addons reconciles, and the kubeconfig the cluster page hands out (kubelogin
 * exec plugin: no token, no key). The admin credential (admin.conf) never appears here: it stays
 * on the control planes.
 */

/** The add-on whose Keycloak becomes the cluster's issuer. @public */
export const KEYCLOAK_ADDON_ID = 'keycloak';

/** Where bootstrap writes `spec.access.oidc.caPem` on every control plane. @public */
export const OIDC_CA_FILE = '/etc/kubernetes/pki/oidc-ca.crt';

/** kubelogin's redirect URLs (its default port and its fallback). @public */
export const KUBELOGIN_REDIRECT_URIS = [
  'http://localhost:8000',
  'http://localhost:18000',
] as const;

/** Label on every RBAC binding kpaas manages for `spec.access` (stale ones are removed). @public */
export const ACCESS_BINDING_LABEL = 'kpaas.io/access';

/** Default ClusterRole of the owner group. @public */
export const DEFAULT_OWNER_CLUSTER_ROLE = 'cluster-admin';

/** The effective OIDC settings of a cluster. @public */
export interface ClusterOidc
  extends Omit<OidcSettings, 'enabled' | 'issuerUrl'> {
  issuerUrl: string;
  /** keycloak: kpaas creates realm and client in the cluster's Keycloak add-on */
  source: 'keycloak' | 'external';
  /** Keycloak realm (source keycloak): the cluster name */
  realm?: string;
}

/** The parts of a spec the access derivations read. @public */
export type AccessSpec = Pick<ClusterSpec, 'metadata'> & {
  spec: Pick<
    ClusterSpec['spec'],
    'access' | 'addons' | 'network' | 'kubernetes'
  >;
};

/**
 * The cluster's OIDC settings, or undefined when OIDC is off (no Keycloak add-on, no external
 * issuer, `spec.access.oidc.enabled: false`, or the kpaas-cp installer, whose cp-deployment
 * takes no API server flags from kpaas; the access-oidc-installer rule refuses explicit
 * access settings there).
 * @public
 */
export function clusterOidc(spec: AccessSpec): ClusterOidc | undefined {
  const { enabled, issuerUrl, ...settings } = oidcSettingsSchema.parse(
    spec.spec.access.oidc ?? {},
  );
  if (!enabled || spec.spec.kubernetes.installer !== 'kubeadm')
    return undefined;
  if (issuerUrl) return { ...settings, issuerUrl, source: 'external' };
  if (!spec.spec.addons.some(a => a.id === KEYCLOAK_ADDON_ID)) return undefined;
  const realm = spec.metadata.name;
  return {
    ...settings,
    issuerUrl: `https://keycloak.${spec.spec.network.domain}/realms/${realm}`,
    source: 'keycloak',
    realm,
  };
}

/** A kube-apiserver flag in kubeadm v1beta4 form (`extraArgs: [{name, value}]`). @public */
export interface KubeadmArg {
  name: string;
  value: string;
}

/**
 * The kube-apiserver OIDC flags. The API server starts without reaching the issuer (it fetches
 * the discovery document and keys in the background and retries), so a Keycloak that is not
 * installed yet or down never blocks bootstrap; OIDC tokens are accepted once it answers.
 * @public
 */
export function kubeApiServerOidcArgs(
  oidc: ClusterOidc | undefined,
): KubeadmArg[] {
  if (!oidc) return [];
  return [
    { name: 'oidc-issuer-url', value: oidc.issuerUrl },
    { name: 'oidc-client-id', value: oidc.clientId },
    { name: 'oidc-username-claim', value: oidc.usernameClaim },
    { name: 'oidc-username-prefix', value: oidc.usernamePrefix || '-' },
    { name: 'oidc-groups-claim', value: oidc.groupsClaim },
    ...(oidc.groupsPrefix
      ? [{ name: 'oidc-groups-prefix', value: oidc.groupsPrefix }]
      : []),
    ...(oidc.caPem ? [{ name: 'oidc-ca-file', value: OIDC_CA_FILE }] : []),
  ];
}

/** `[kind:][namespace/]name` split, kind and namespace defaulted. @public */
export function parseAccessRef(
  ref: string,
  defaultKind: 'group' | 'user' = 'group',
): { kind: string; namespace: string; name: string } {
  const m = /^(?:([A-Za-z][A-Za-z0-9]*):)?(?:([^/:]+)\/)?(.+)$/.exec(
    ref.trim(),
  );
  if (!m) return { kind: defaultKind, namespace: 'default', name: ref };
  return {
    kind: (m[1] ?? defaultKind).toLowerCase(),
    namespace: (m[2] ?? 'default').toLowerCase(),
    name: m[3],
  };
}

/** Full, lower-case entity ref `kind:namespace/name`. @public */
export function fullAccessRef(
  ref: string,
  defaultKind: 'group' | 'user' = 'group',
): string {
  const r = parseAccessRef(ref, defaultKind);
  return `${r.kind}:${r.namespace}/${r.name.toLowerCase()}`;
}

/** One RBAC binding kpaas keeps on the cluster for `spec.access`. @public */
export interface AccessBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace?: string;
  clusterRole: string;
  subject: { kind: 'Group' | 'User'; name: string };
  /** The catalog ref it comes from and the cluster.yaml field that asked for it */
  ref: string;
  field: string;
}

/** `kpaas-<parts>`, a DNS-1123 subdomain (what every API server accepts as an RBAC name). */
function bindingName(parts: string[]): string {
  const name = `kpaas-${parts.join('-')}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, 253);
  return name.replace(/[^a-z0-9]+$/, '');
}

/**
 * The bindings `spec.access` asks for: the owner (a group, or a user) gets `ownerClusterRole`
 * (default cluster-admin) cluster-wide, each `groups[]` entry its ClusterRole cluster-wide or,
 * with a namespace, in that namespace. Subjects carry the OIDC prefixes; the group name in the
 * token is the catalog group's name (the Keycloak group kpaas creates). Empty when OIDC is off.
 * @public
 */
export function accessBindings(spec: AccessSpec): AccessBinding[] {
  const oidc = clusterOidc(spec);
  if (!oidc) return [];
  const out: AccessBinding[] = [];
  const owner = parseAccessRef(spec.metadata.owner, 'group');
  const ownerRole =
    spec.spec.access.ownerClusterRole ?? DEFAULT_OWNER_CLUSTER_ROLE;
  out.push({
    kind: 'ClusterRoleBinding',
    name: bindingName(['owner', ownerRole]),
    clusterRole: ownerRole,
    subject:
      owner.kind === 'user'
        ? { kind: 'User', name: `${oidc.usernamePrefix}${owner.name}` }
        : { kind: 'Group', name: `${oidc.groupsPrefix}${owner.name}` },
    ref: fullAccessRef(spec.metadata.owner),
    field: 'metadata.owner',
  });
  (spec.spec.access.groups ?? []).forEach((g: AccessGroup, i) => {
    const ref = parseAccessRef(g.group, 'group');
    out.push({
      kind: g.namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      name: bindingName(['group', ref.name, g.clusterRole]),
      ...(g.namespace ? { namespace: g.namespace } : {}),
      clusterRole: g.clusterRole,
      subject: { kind: 'Group', name: `${oidc.groupsPrefix}${ref.name}` },
      ref: fullAccessRef(g.group),
      field: `spec.access.groups[${i}].group`,
    });
  });
  return out;
}

/** The Keycloak groups kpaas creates in the cluster's realm (owner group and groups[]). @public */
export function accessGroupNames(bindings: AccessBinding[]): string[] {
  return [
    ...new Set(
      bindings
        .filter(b => b.subject.kind === 'Group')
        .map(b => parseAccessRef(b.ref).name),
    ),
  ];
}

/** base64 of ASCII text (PEM), in Node and in the browser. */
function base64Ascii(text: string): string {
  return btoa(text);
}

/** What a kubeconfig for a cluster needs besides the OIDC settings. @public */
export interface KubeconfigTarget {
  clusterName: string;
  apiServerUrl: string;
  /** PEM CA of the API server, when known */
  caPem?: string;
}

/**
 * A kubeconfig that signs in through kubelogin (`kubectl oidc-login get-token`): cluster endpoint
 * and CA, and the exec plugin with the issuer and client ID. No token, no client key: every
 * credential is obtained by the user's own login and cached by kubelogin on their machine.
 * @public
 */
export function oidcKubeconfig(
  target: KubeconfigTarget,
  oidc: ClusterOidc,
): Record<string, unknown> {
  const user = `oidc@${target.clusterName}`;
  const context = `${target.clusterName}`;
  const args = [
    'oidc-login',
    'get-token',
    `--oidc-issuer-url=${oidc.issuerUrl}`,
    `--oidc-client-id=${oidc.clientId}`,
    ...(oidc.caPem
      ? [`--certificate-authority-data=${base64Ascii(oidc.caPem)}`]
      : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: target.clusterName,
        cluster: {
          server: target.apiServerUrl,
          ...(target.caPem
            ? {
                'certificate-authority-data': base64Ascii(target.caPem),
              }
            : {}),
        },
      },
    ],
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'kubectl',
            args,
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ],
    contexts: [
      { name: context, context: { cluster: target.clusterName, user } },
    ],
    'current-context': context,
  };
}
