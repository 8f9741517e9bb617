import { z } from 'zod/v3'; // shared with the scaffolder actions, which speak zod v3
import semver from 'semver';
import { dns1123LabelSchema } from '../spec/schema';

/*
 * The add-on catalog (`values/addons.yaml` in the platform repo): which Helm charts (or scripts)
 * an add-on id stands for, pinned, with what it needs and how to tell it is ready. Cross-entry
 * checks (dependencies exist, no cycles, …) live in catalog.ts.
 */

/** `apiVersion` of the catalog file. @public */
export const ADDON_CATALOG_API_VERSION = 'kpaas.io/v1alpha1';
/** `kind` of the catalog file. @public */
export const ADDON_CATALOG_KIND = 'AddonCatalog';

/** Grouping for UIs. @public */
export const addonCategories = [
  'networking',
  'storage',
  'service-mesh',
  'observability',
  'security',
  'registry',
  'identity',
  'gitops',
  'portal',
  'chaos',
  'database',
  'other',
] as const;
/** @public */
export type AddonCategory = (typeof addonCategories)[number];

/**
 * Capabilities with special meaning. Every capability is exclusive: two installed add-ons may
 * not provide the same one (two ingress controllers fighting over the ingress IP, Vault and
 * OpenBao, two log shippers, two default StorageClasses).
 * @public
 */
export const WELL_KNOWN_CAPABILITIES = {
  /** Gives `type: LoadBalancer` Services an address (MetalLB). */
  loadBalancer: 'load-balancer',
  ingressController: 'ingress-controller',
  secretsManager: 'secrets-manager',
  logShipper: 'log-shipper',
  defaultStorageClass: 'default-storage-class',
  /** Issues TLS certificates from the cluster CA (cert-manager with the ClusterIssuer kpaas-ca). */
  certificateIssuer: 'certificate-issuer',
} as const;

/** Exact semantic version: no ranges, wildcards or tags; a leading "v" is allowed (cert-manager). */
const exactChartVersionSchema = z.string().superRefine((value, ctx) => {
  if (semver.valid(value) === null) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" is not an exact chart version; pin one release such as "0.16.1" (no ranges, "x", "^", "~" or "latest")`,
    });
  }
});

/** Relative path inside the cluster repo, without ".." (values files, scripts). */
const repoRelativePathSchema = z.string().superRefine((value, ctx) => {
  if (
    value.length === 0 ||
    value.startsWith('/') ||
    value.split('/').some(part => part === '..' || part === '')
  ) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" must be a relative path inside the repo without ".." or empty segments, e.g. "values/metallb/values.yaml"`,
    });
  }
});

/** A pinned Helm chart. @public */
export const helmChartSchema = z
  .object({
    repo: z
      .string()
      .regex(
        /^(https:\/\/|oci:\/\/)[^\s]+$/,
        'is not a chart repository URL; use https://… or oci://…, e.g. "https://metallb.github.io/metallb"',
      ),
    chart: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/,
        'is not a chart name; use the chart name inside the repo, e.g. "metallb"',
      ),
    version: exactChartVersionSchema,
    // Helm refuses release names longer than 53 characters.
    releaseName: dns1123LabelSchema(53),
    namespace: dns1123LabelSchema(),
  })
  .strict();

/** @public */
export type HelmChartRef = z.infer<typeof helmChartSchema>;

/** A script run on the first control-plane node (for installers that are not a chart). @public */
export const addonScriptSchema = z
  .object({
    path: repoRelativePathSchema,
    args: z.array(z.string()).optional(),
    namespace: dns1123LabelSchema().optional(),
  })
  .strict();

/** A manifest applied after the chart, rendered from a template (e.g. MetalLB's IPAddressPool). @public */
export const postInstallManifestSchema = z
  .object({
    kind: z
      .string()
      .regex(
        /^[A-Z][A-Za-z0-9]*$/,
        'is not a Kubernetes kind; use e.g. "IPAddressPool"',
      ),
    template: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9/._]*[a-z0-9])?$/,
        'is not a template id; use e.g. "metallb/ip-address-pool"',
      ),
    routing: z
      .enum(['ingress', 'gateway-api'])
      .optional()
      .describe(
        "Applied only when the cluster's UIs are routed this way (derivePlatformRouting): the UI Ingress templates are `ingress`",
      ),
  })
  .strict();

/** A workload that must be ready before the add-on counts as installed. @public */
export const readinessCheckSchema = z
  .object({
    kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']),
    name: dns1123LabelSchema(253).optional(),
    labelSelector: z.string().min(1).optional(),
    namespace: dns1123LabelSchema()
      .optional()
      .describe("Defaults to the add-on's namespace"),
  })
  .strict()
  .superRefine((check, ctx) => {
    if ((check.name === undefined) === (check.labelSelector === undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['name'],
        message: 'set exactly one of name or labelSelector',
      });
    }
  });

const uiPathSchema = z
  .string()
  .regex(/^\/[^\s]*$/, 'must start with "/", e.g. "/" or "/kiali"');

/**
 * A further path of the UI's host served by another Service (Harbor: /api/, /v2/, … go to
 * harbor-core), routed by the generated HTTPRoute. @public
 */
export const addonUiExtraPathSchema = z
  .object({
    path: uiPathSchema,
    service: dns1123LabelSchema(),
    port: z.number().int().min(1).max(65535),
  })
  .strict();

/** A web UI the add-on serves, linked from the portal as https://<hostPrefix>.<domain><path>. @public */
export const addonUiSchema = z
  .object({
    hostPrefix: dns1123LabelSchema(),
    service: dns1123LabelSchema(),
    port: z.number().int().min(1).max(65535),
    path: uiPathSchema.default('/'),
    extraPaths: z
      .array(addonUiExtraPathSchema)
      .default([])
      .describe(
        'Further paths of the same host to other Services (HTTPRoute rules; Ingress-based UIs keep their chart Ingress)',
      ),
    title: z.string().min(1),
    icon: z
      .string()
      .min(1)
      .optional()
      .describe('Icon name for the link (Backstage system icon)'),
  })
  .strict();

/**
 * Where the add-on's generated admin credentials live: a Secret reference, never the values.
 * The object is strict, so a literal `password:` is rejected.
 * @public
 */
export const credentialsRefSchema = z
  .object({
    secretName: dns1123LabelSchema(253),
    namespace: dns1123LabelSchema(),
    keys: z
      .array(z.string().regex(/^[-._a-zA-Z0-9]+$/, 'is not a Secret key'))
      .min(1),
  })
  .strict();

/** Gateway API release channels. @public */
export const gatewayApiChannels = ['standard', 'experimental'] as const;

/**
 * An add-on that implements the Gateway API: the Gateway API CRDs it needs (or bundles), and the
 * GatewayClass (one of its postInstall manifests) the cluster's Gateway uses. Two implementations whose CRD version or channel
 * differ cannot share a cluster (the CRDs are cluster-wide): spec validation refuses them
 * together (rule addon-gateway-api-crds).
 * @public
 */
export const gatewayApiImplementationSchema = z
  .object({
    crds: z
      .object({
        version: z
          .string()
          .regex(
            /^v\d+\.\d+\.\d+$/,
            'is not a Gateway API release; use e.g. "v1.6.1"',
          ),
        channel: z.enum(gatewayApiChannels),
        bundled: z
          .boolean()
          .describe(
            "True when the add-on's chart installs the CRDs itself; false when they must come first",
          ),
      })
      .strict(),
    gatewayClassName: dns1123LabelSchema(253).describe(
      'The GatewayClass (a postInstall manifest of the add-on) the cluster Gateway uses',
    ),
  })
  .strict();

/** @public */
export type GatewayApiImplementation = z.infer<
  typeof gatewayApiImplementationSchema
>;

/**
 * Upstream has retired the project: it stays selectable (existing clusters), marked as retired
 * with the date in the order form and on the cluster page.
 * @public
 */
export const addonRetirementSchema = z
  .object({
    announced: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date; use YYYY-MM-DD'),
    maintenanceEnded: z
      .string()
      .regex(
        /^\d{4}-\d{2}(-\d{2})?$/,
        'is not a date; use YYYY-MM or YYYY-MM-DD',
      )
      .optional(),
    url: z.string().regex(/^https:\/\/\S+$/, 'must be an https:// URL'),
    replacement: dns1123LabelSchema()
      .optional()
      .describe('The catalog add-on to move to'),
  })
  .strict();

/** @public */
export type AddonRetirement = z.infer<typeof addonRetirementSchema>;

const addonBaseShape = {
  id: dns1123LabelSchema(),
  title: z.string().min(1),
  category: z.enum(addonCategories),
  dependsOn: z.array(dns1123LabelSchema()).default([]),
  conflictsWith: z.array(dns1123LabelSchema()).default([]),
  provides: z
    .array(dns1123LabelSchema())
    .default([])
    .describe('Exclusive capabilities, e.g. load-balancer, ingress-controller'),
  valuesFiles: z.array(repoRelativePathSchema).default([]),
  postInstall: z.array(postInstallManifestSchema).default([]),
  readiness: z.array(readinessCheckSchema).default([]),
  exposesLoadBalancer: z
    .boolean()
    .default(false)
    .describe(
      'Creates a type: LoadBalancer Service (needs a load-balancer provider)',
    ),
  ui: addonUiSchema.optional(),
  gatewayApi: gatewayApiImplementationSchema.optional(),
  retired: addonRetirementSchema.optional(),
  credentials: credentialsRefSchema.optional(),
  requiresCrds: z
    .array(
      z
        .string()
        .regex(
          /^[a-z0-9-]+\.[a-z0-9.-]+$/,
          'is not a CRD name; use <plural>.<group>, e.g. "servicemonitors.monitoring.coreos.com"',
        ),
    )
    .optional()
    .describe(
      'CRDs that must be Established before the install (installed by a dependency); on an add-on without readiness entries and workloads (CRDs only, e.g. istio-base) the CRDs it installs, which make it ready',
    ),
};

/** @public */
export const helmAddonSchema = z
  .object({ ...addonBaseShape, type: z.literal('helm'), helm: helmChartSchema })
  .strict();

/** @public */
export const scriptAddonSchema = z
  .object({
    ...addonBaseShape,
    type: z.literal('script'),
    script: addonScriptSchema,
  })
  .strict();

/** One catalog entry. @public */
export const addonDefinitionSchema = z.discriminatedUnion('type', [
  helmAddonSchema,
  scriptAddonSchema,
]);

/** @public */
export type AddonDefinition = z.infer<typeof addonDefinitionSchema>;
/** @public */
export type AddonDefinitionInput = z.input<typeof addonDefinitionSchema>;

/** The catalog file. @public */
export const addonCatalogSchema = z
  .object({
    apiVersion: z.literal(ADDON_CATALOG_API_VERSION),
    kind: z.literal(ADDON_CATALOG_KIND),
    addons: z.array(addonDefinitionSchema).min(1),
  })
  .strict();

/** A parsed catalog, defaults applied. @public */
export type AddonCatalog = z.infer<typeof addonCatalogSchema>;
/** The catalog as written. @public */
export type AddonCatalogInput = z.input<typeof addonCatalogSchema>;
