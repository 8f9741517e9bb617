import { z } from 'zod/v3';
import { AddonCatalog } from '../addons/schema';
import { resolveAddonRefs } from './addonPlan';
import { defaultClusterSpec, defaultNetworkAddresses, defaultNodeCidrs } from './defaults';
import { SpecValidationError } from './errors';
import {
  apiEndpointTypes,
  CLUSTER_SPEC_API_VERSION,
  CLUSTER_SPEC_KIND,
  clusterEnvironments,
  ClusterSpec,
  ClusterSpecInput,
  clusterSpecSchema,
  clusterTargetTypes,
  ClusterTargetType,
} from './schema';
import { parseClusterSpec } from './validate';

/*
 * The kpaas-cluster order form (templates/kpaas-cluster/template.yaml) and the one mapping from
 * its values to a cluster spec. The form field (resource totals), kpaas:cluster-repo (which writes
 * cluster.yaml) and the tests all go through clusterSpecFromForm; the formats are checked once, by
 * the spec schema and its rules, and reported under the form's field names.
 */

/** Empty template values ('' from an unset `${{ parameters.x }}`, null) count as left out. */
const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const opt = <T extends z.ZodTypeAny>(schema: T, description: string) =>
  z.preprocess(blank, schema.optional()).describe(description);

const machineSize = z
  .object({
    cpus: z.number().describe('vCPUs'),
    memoryGiB: z.number().describe('Memory in GiB'),
    diskGiB: z.number().describe('Primary disk in GiB'),
  })
  .partial();

/**
 * The order form's values (kpaas:cluster-repo's `form` input). Only the shape is checked here;
 * formats and cross-field rules are the spec's (clusterSpecFromForm reports them by form field).
 * Other keys of the form (repository, review, secrets' masks) pass through untouched.
 * @public
 */
export const clusterOrderFormSchema = z
  .object({
    name: z.string().describe('Cluster name (DNS-1123 label, at most 52)'),
    owner: z.string().describe('Owning user or group (entity reference)'),
    description: opt(z.string(), 'What the cluster is for'),
    environment: z
      .enum(clusterEnvironments)
      .describe('sandbox, dev, staging or production'),
    target: z
      .enum(clusterTargetTypes)
      .describe('kakao-cloud, multipass, vagrant or existing'),
    kakao: opt(
      z
        .object({
          region: z.string(),
          availabilityZone: z.string(),
          image: z.string(),
          controlPlaneFlavor: z.string(),
          workerFlavor: z.string(),
          volumeSizeGiB: z.number(),
          keyPair: z.string(),
          vpcCidr: z.string(),
        })
        .partial()
        .passthrough(),
      'Kakao Cloud settings (target kakao-cloud only)',
    ),
    multipass: opt(
      z
        .object({
          image: z.string(),
          controlPlane: machineSize,
          worker: machineSize,
        })
        .partial()
        .passthrough(),
      'Multipass image and VM sizes (target multipass only)',
    ),
    vagrant: opt(
      z
        .object({
          box: z.string(),
          boxVersion: z.string(),
          provider: z.string(),
          lbPair: z.boolean(),
        })
        .partial()
        .passthrough(),
      'Vagrant box, provider and lb pair (target vagrant only)',
    ),
    existing: opt(
      z.object({ hosts: z.array(z.record(z.unknown())) }).partial(),
      'The machines (target existing only)',
    ),
    controlPlaneCount: z.number().describe('Control-plane nodes: 1, 3 or 5'),
    workerCount: z.number().describe('Worker nodes: 1 to 100'),
    kubernetesVersion: opt(z.string(), 'Kubernetes version, e.g. v1.35.1'),
    installer: opt(z.string(), 'kubeadm or kpaas-cp'),
    containerRuntime: opt(z.string(), 'containerd or cri-o'),
    cni: opt(z.string(), 'calico or flannel'),
    nodeCidr: opt(
      z.string(),
      "Node network; empty: the target's default (defaultNodeCidrs)",
    ),
    podCidr: opt(z.string(), 'Pod network'),
    serviceCidr: opt(z.string(), 'Service network'),
    metallbRange: opt(
      z.string(),
      'MetalLB pool first-last; empty: host .210-.250 of the node network',
    ),
    ingressIp: opt(
      z.string(),
      'Ingress address; empty: host .201 of the node network',
    ),
    domain: opt(z.string(), 'Platform UIs live at <prefix>.<domain>'),
    apiEndpointType: opt(
      z.enum(['auto', ...apiEndpointTypes]),
      'auto, vip, lb or host',
    ),
    apiEndpointAddress: opt(z.string(), 'VIP or load balancer address'),
    addons: opt(
      z.array(z.string()),
      'Chosen add-on ids; their dependencies are added',
    ),
    sshUser: opt(z.string(), 'SSH user on the machines'),
    sshPort: opt(z.number(), 'SSH port of the machines'),
  })
  .passthrough();

/** @public */
export type ClusterOrderForm = z.infer<typeof clusterOrderFormSchema>;

const str = (v: unknown) =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const obj = (v: unknown): Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, any>)
    : {};
/** Drops undefined values so the spec schema's defaults apply. */
const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  ) as T;

function targetFromForm(
  form: ClusterOrderForm,
  nodeCidr: string,
): ClusterSpecInput['spec']['target'] {
  switch (form.target) {
    case 'kakao-cloud': {
      const k = obj(form.kakao);
      return defined({
        type: 'kakao-cloud' as const,
        region: str(k.region),
        availabilityZone: str(k.availabilityZone),
        image: str(k.image),
        controlPlaneFlavor: str(k.controlPlaneFlavor),
        workerFlavor: str(k.workerFlavor),
        volumeSizeGiB: k.volumeSizeGiB,
        keyPair: str(k.keyPair) as string,
        vpcCidr: str(k.vpcCidr),
        // the nodes subnet Terraform creates is the node network
        subnetCidr: nodeCidr,
      });
    }
    case 'multipass': {
      const m = obj(form.multipass);
      return defined({
        type: 'multipass' as const,
        image: str(m.image),
        controlPlane: m.controlPlane,
        worker: m.worker,
      });
    }
    case 'vagrant': {
      const v = obj(form.vagrant);
      return defined({
        type: 'vagrant' as const,
        box: str(v.box),
        boxVersion: str(v.boxVersion),
        provider: str(v.provider) as any,
        lbPair: v.lbPair,
      });
    }
    default: {
      const hosts = obj(form.existing).hosts;
      return {
        type: 'existing',
        hosts: Array.isArray(hosts)
          ? hosts.map(h => defined({ ...obj(h) }) as any)
          : [],
      };
    }
  }
}

/**
 * The cluster.yaml the form describes, before any check: the form's values at their spec paths,
 * with the order's defaults (the target's node network from {@link defaultNodeCidrs}, MetalLB
 * pool and ingress address from the node network, endpoint type "auto" left out). `spec.addons`
 * holds the chosen ids only; {@link clusterSpecFromForm} adds their dependencies.
 * @public
 */
export function clusterSpecInputFromForm(
  form: ClusterOrderForm,
): ClusterSpecInput {
  const target = form.target as ClusterTargetType;
  const nodeCidr = str(form.nodeCidr) ?? defaultNodeCidrs[target];
  const defaults = defaultNetworkAddresses(nodeCidr);
  const endpointType =
    form.apiEndpointType === 'auto' ? undefined : form.apiEndpointType;
  return {
    apiVersion: CLUSTER_SPEC_API_VERSION,
    kind: CLUSTER_SPEC_KIND,
    metadata: defined({
      name: form.name,
      owner: form.owner,
      description: str(form.description),
      environment: form.environment,
    }),
    spec: {
      target: targetFromForm(form, nodeCidr),
      kubernetes: defined({
        version: str(form.kubernetesVersion),
        installer: str(form.installer) as any,
        containerRuntime: str(form.containerRuntime) as any,
        cni: str(form.cni) as any,
      }),
      controlPlane: defined({
        count: form.controlPlaneCount,
        endpoint:
          endpointType || str(form.apiEndpointAddress)
            ? defined({
                type: endpointType,
                address: str(form.apiEndpointAddress),
              })
            : undefined,
      }),
      workers: { count: form.workerCount },
      network: defined({
        nodeCidr,
        podCidr: str(form.podCidr),
        serviceCidr: str(form.serviceCidr),
        metallbRange: str(form.metallbRange) ?? defaults.metallbRange,
        ingressIp: str(form.ingressIp) ?? defaults.ingressIp,
        domain: str(form.domain) as string,
      }),
      addons: (Array.isArray(form.addons) ? form.addons : []).map(id => ({
        id,
      })),
      access: defined({ sshUser: str(form.sshUser), sshPort: form.sshPort }),
    },
  };
}

/** A problem of the order, named by its form field and by its cluster.yaml field. @public */
export interface ClusterOrderFormError extends SpecValidationError {
  /** The form field to fix, e.g. `kakao.keyPair` or `workerCount` */
  field: string;
}

const specPathToFormField: Array<[RegExp, string]> = [
  [/^metadata\.(name|owner|description|environment)/, '$1'],
  [/^spec\.target\.type/, 'target'],
  [/^spec\.target\.subnetCidr/, 'nodeCidr'],
  [/^spec\.kubernetes\.version/, 'kubernetesVersion'],
  [/^spec\.kubernetes\.(\w+)/, '$1'],
  [/^spec\.controlPlane\.count/, 'controlPlaneCount'],
  [/^spec\.controlPlane\.endpoint\.address/, 'apiEndpointAddress'],
  [/^spec\.controlPlane\.endpoint/, 'apiEndpointType'],
  [/^spec\.workers/, 'workerCount'],
  [/^spec\.network\.(\w+)/, '$1'],
  [/^spec\.addons/, 'addons'],
  [/^spec\.access\.(sshUser|sshPort)/, '$1'],
];

const targetBlock: Record<ClusterTargetType, string> = {
  'kakao-cloud': 'kakao',
  multipass: 'multipass',
  vagrant: 'vagrant',
  existing: 'existing',
};

/** The form field behind a spec path (`spec.target.keyPair` → `kakao.keyPair`). @public */
export function formFieldOfSpecPath(
  path: string,
  target: ClusterTargetType,
): string {
  for (const [pattern, field] of specPathToFormField) {
    const m = path.match(pattern);
    if (m) return m[0].replace(pattern, field);
  }
  const inTarget = path.match(/^spec\.target\.([\w.[\]]+)/);
  if (inTarget) return `${targetBlock[target]}.${inTarget[1]}`;
  return path;
}

/** @public */
export type ClusterSpecFromFormResult =
  | {
      ok: true;
      spec: ClusterSpec;
      /** Add-on ids added as dependencies of the chosen ones, in catalog order */
      implied: string[];
    }
  | { ok: false; errors: ClusterOrderFormError[] };

/**
 * The cluster spec of an order: {@link clusterSpecInputFromForm}, the chosen add-ons' dependency
 * closure from the catalog (resolveAddonRefs), then parseClusterSpec with the catalog. Every
 * problem is returned at once, each with its form field, spec path and fix.
 * @public
 */
export function clusterSpecFromForm(
  form: ClusterOrderForm,
  catalog: AddonCatalog,
): ClusterSpecFromFormResult {
  const input = clusterSpecInputFromForm(form);
  const target = form.target as ClusterTargetType;
  const withField = (e: SpecValidationError): ClusterOrderFormError => ({
    ...e,
    field: formFieldOfSpecPath(e.path, target),
  });

  // the closure of the chosen add-ons; an unknown id is reported with the spec's other problems
  const chosen = new Set((input.spec.addons ?? []).map(a => a.id));
  const resolved = resolveAddonRefs(input.spec.addons ?? [], catalog);
  const installed = new Set(resolved.ok ? resolved.plan.order : chosen);
  const ids = catalog.addons.map(a => a.id).filter(id => installed.has(id));
  if (resolved.ok) input.spec.addons = ids.map(id => ({ id }));

  const parsed = parseClusterSpec(input, { catalog });
  const errors = [
    ...(resolved.ok ? [] : resolved.errors),
    ...(parsed.ok ? [] : parsed.errors),
  ].filter(
    (e, i, all) =>
      all.findIndex(o => o.path === e.path && o.message === e.message) === i,
  );
  if (!parsed.ok || errors.length > 0) {
    return { ok: false, errors: errors.map(withField) };
  }
  return {
    ok: true,
    spec: parsed.spec,
    implied: ids.filter(id => !chosen.has(id)),
  };
}

/** Formats order problems for an error message: `field (cluster.yaml path): message`, one a line. @public */
export function formatOrderFormErrors(
  errors: ReadonlyArray<ClusterOrderFormError>,
): string {
  return errors
    .map(e =>
      e.field === e.path
        ? `- ${e.path}: ${e.message}`
        : `- ${e.field} (cluster.yaml ${e.path}): ${e.message}`,
    )
    .join('\n');
}

type Path = Array<string | number>;
const getAt = (root: any, path: Path) =>
  path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), root);
function setAt(root: any, path: Path, value: unknown) {
  const parent = getAt(root, path.slice(0, -1));
  if (parent === undefined || parent === null) return;
  if (value === undefined) delete parent[path[path.length - 1]];
  else parent[path[path.length - 1]] = value;
}

/**
 * The spec a half-filled form adds up to so far, for live previews (the resource totals field):
 * {@link clusterSpecInputFromForm} of what was typed, with every value the spec schema refuses
 * replaced by the target's default (defaultClusterSpec) and unusable list entries (e.g. an
 * existing host without a role yet) left out. Cross-field rules are not applied. Undefined until
 * a target is chosen.
 * @public
 */
export function previewClusterSpecFromForm(
  formData: unknown,
): ClusterSpec | undefined {
  const form = obj(formData);
  if (!(clusterTargetTypes as readonly unknown[]).includes(form.target)) {
    return undefined;
  }
  const target = form.target as ClusterTargetType;
  const fallback = defaultClusterSpec('cluster', target);
  const input: any = clusterSpecInputFromForm(form as ClusterOrderForm);

  for (let attempt = 0; attempt < 8; attempt++) {
    const parsed = clusterSpecSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    const dropItems = new Map<string, Path>();
    for (const issue of parsed.error.issues) {
      const path = issue.path;
      const item = path.findIndex(
        (k, i) => typeof k === 'number' && i < path.length - 1,
      );
      if (item >= 0) {
        const itemPath = path.slice(0, item + 1);
        dropItems.set(itemPath.join('.'), itemPath);
      } else {
        setAt(input, path, getAt(fallback, path));
      }
    }
    // remove list entries last to first so the indexes stay right
    [...dropItems.values()]
      .sort((a, b) => (b[b.length - 1] as number) - (a[a.length - 1] as number))
      .forEach(p => getAt(input, p.slice(0, -1))?.splice(p[p.length - 1], 1));
  }
  return undefined;
}
