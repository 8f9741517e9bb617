import { z } from 'zod/v3';

/*
 * `spec.access.oidc` and `spec.access.groups[]` of cluster.yaml: how people sign in to the
 * cluster's API server (OIDC through the cluster's Keycloak or an external issuer) and which
 * catalog groups get which ClusterRole. What follows from them (API server flags, RBAC bindings,
 * kubeconfig) is derived in access.ts.
 */

/** A catalog group reference: `[group:][namespace/]name`. */
const groupRefSchema = z
  .string()
  .regex(
    /^(?:group:)?(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    'is not a catalog group reference; use [group:][namespace/]name, e.g. "group:default/dev-team"',
  );

/** A Kubernetes RBAC object name (path segment: no "/" or "%", not "." or ".."). */
const rbacNameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?!\.{1,2}$)[^/%\s]+$/,
    'is not an RBAC object name; use e.g. "view", "edit" or "cluster-admin"',
  );

const claimSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_.:-]{1,100}$/,
    'is not a token claim name; use e.g. "preferred_username", "email" or "groups"',
  );

const prefixSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_.:-]{0,40}$/,
    'is not a prefix; use letters, digits, "_", ".", ":" and "-" (e.g. "oidc:"), or "" for none',
  );

/** One PEM certificate (or several, a bundle). */
const caPemSchema = z
  .string()
  .refine(
    v =>
      /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v),
    'is not a PEM certificate; paste the issuer CA as -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----',
  );

/**
 * OIDC sign-in to the API server. On when the cluster has the `keycloak` add-on (issuer
 * `https://keycloak.<domain>/realms/<cluster>`, realm and client created by kpaas:addons) or
 * when `issuerUrl` names an external issuer; `enabled: false` turns it off.
 * @public
 */
export const oidcSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    issuerUrl: z
      .string()
      .url()
      .refine(
        v => v.startsWith('https://') && !v.endsWith('/'),
        'must be an https URL without a trailing "/" (the API server only accepts https issuers), e.g. "https://login.example.com/realms/team"',
      )
      .optional()
      .describe(
        'External issuer; default: the cluster Keycloak, https://keycloak.<domain>/realms/<cluster>',
      ),
    clientId: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]{1,100}$/,
        'is not an OIDC client ID; use letters, digits, "_", "." and "-", e.g. "kubernetes"',
      )
      .default('kubernetes'),
    usernameClaim: claimSchema.default('preferred_username'),
    groupsClaim: claimSchema.default('groups'),
    usernamePrefix: prefixSchema.default('oidc:'),
    groupsPrefix: prefixSchema.default('oidc:'),
    caPem: caPemSchema
      .optional()
      .describe(
        "PEM CA of the issuer's TLS certificate, when it is not publicly trusted",
      ),
  })
  .strict();

/** @public */
export type OidcSettings = z.infer<typeof oidcSettingsSchema>;
/** @public */
export type OidcSettingsInput = z.input<typeof oidcSettingsSchema>;

/**
 * A catalog group that gets a ClusterRole on the cluster (or in one namespace, as a RoleBinding).
 * @public
 */
export const accessGroupSchema = z
  .object({
    group: groupRefSchema.describe(
      'Catalog group reference, e.g. group:default/dev-team',
    ),
    clusterRole: rbacNameSchema.describe(
      'ClusterRole granted, e.g. view, edit, admin',
    ),
    namespace: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        'is not a namespace name; use a DNS-1123 label, e.g. "team-a"',
      )
      .max(63)
      .optional()
      .describe('Only in this namespace (a RoleBinding); default cluster-wide'),
  })
  .strict();

/** @public */
export type AccessGroup = z.infer<typeof accessGroupSchema>;

/** The part of `spec.access` about people (SSH settings live next to it in schema.ts). @public */
export const clusterAccessFields = {
  oidc: oidcSettingsSchema.optional(),
  ownerClusterRole: rbacNameSchema
    .optional()
    .describe("ClusterRole of the cluster owner's group; default cluster-admin"),
  groups: z.array(accessGroupSchema).max(100).optional(),
};
