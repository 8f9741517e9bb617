/*
 * The registry of resource types the stand-in serves: built-in Kubernetes
 * types plus custom resources registered by tests or by creating a CRD.
 * Discovery, OpenAPI, routing and storage are all driven from this table.
 */

export const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served, e.g. `status`. */
  subresources: string[];
  /** Whether spec changes bump metadata.generation. */
  tracksGeneration: boolean;
  /** True for custom resources (CRD-backed or registered by a test). */
  custom: boolean;
  /** Create-only review resources answered on the fly, never stored. */
  review?: 'selfsubjectreview' | 'selfsubjectaccessreview';
}

/** What tests pass to register a custom resource. */
export interface CustomResourceSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  /** Serve a `/status` subresource (default true). */
  statusSubresource?: boolean;
}

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function groupResourceOf(def: ResourceDefinition) {
  return { group: def.group, resource: def.plural };
}

interface BuiltinSpec {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  tracksGeneration?: boolean;
  verbs?: string[];
  review?: ResourceDefinition['review'];
}

function define(
  group: string,
  version: string,
  spec: BuiltinSpec,
): ResourceDefinition {
  return {
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.verbs ?? [...ALL_VERBS],
    subresources: spec.subresources ?? [],
    tracksGeneration: spec.tracksGeneration ?? false,
    custom: false,
    review: spec.review,
  };
}

const STATUS = ['status'];
const SCALABLE = ['scale', 'status'];

function builtinDefinitions(): ResourceDefinition[] {
  const core = (s: BuiltinSpec) => define('', 'v1', s);
  const apps = (s: BuiltinSpec) =>
    define('apps', 'v1', { tracksGeneration: true, ...s });
  return [
    core({
      kind: 'Node',
      plural: 'nodes',
      namespaced: false,
      shortNames: ['no'],
      subresources: STATUS,
    }),
    core({
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
      shortNames: ['ns'],
      subresources: STATUS,
    }),
    core({
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      subresources: ['status', 'eviction'],
    }),
    core({
      kind: 'Service',
      plural: 'services',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      subresources: STATUS,
    }),
    core({
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
      shortNames: ['cm'],
    }),
    core({ kind: 'Secret', plural: 'secrets', namespaced: true }),
    core({
      kind: 'ServiceAccount',
      plural: 'serviceaccounts',
      namespaced: true,
      shortNames: ['sa'],
    }),
    core({
      kind: 'Event',
      plural: 'events',
      namespaced: true,
      shortNames: ['ev'],
    }),
    core({
      kind: 'Endpoints',
      plural: 'endpoints',
      namespaced: true,
      shortNames: ['ep'],
    }),
    core({
      kind: 'PersistentVolume',
      plural: 'persistentvolumes',
      namespaced: false,
      shortNames: ['pv'],
      subresources: STATUS,
    }),
    core({
      kind: 'PersistentVolumeClaim',
      plural: 'persistentvolumeclaims',
      namespaced: true,
      shortNames: ['pvc'],
      subresources: STATUS,
    }),
    core({
      kind: 'ResourceQuota',
      plural: 'resourcequotas',
      namespaced: true,
      shortNames: ['quota'],
      subresources: STATUS,
    }),
    core({
      kind: 'LimitRange',
      plural: 'limitranges',
      namespaced: true,
      shortNames: ['limits'],
    }),
    apps({
      kind: 'Deployment',
      plural: 'deployments',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: SCALABLE,
    }),
    apps({
      kind: 'StatefulSet',
      plural: 'statefulsets',
      namespaced: true,
      shortNames: ['sts'],
      categories: ['all'],
      subresources: SCALABLE,
    }),
    apps({
      kind: 'DaemonSet',
      plural: 'daemonsets',
      namespaced: true,
      shortNames: ['ds'],
      categories: ['all'],
      subresources: STATUS,
    }),
    apps({
      kind: 'ReplicaSet',
      plural: 'replicasets',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      subresources: SCALABLE,
    }),
    define('batch', 'v1', {
      kind: 'Job',
      plural: 'jobs',
      namespaced: true,
      categories: ['all'],
      subresources: STATUS,
      tracksGeneration: true,
    }),
    define('batch', 'v1', {
      kind: 'CronJob',
      plural: 'cronjobs',
      namespaced: true,
      shortNames: ['cj'],
      categories: ['all'],
      subresources: STATUS,
      tracksGeneration: true,
    }),
    define('networking.k8s.io', 'v1', {
      kind: 'Ingress',
      plural: 'ingresses',
      namespaced: true,
      shortNames: ['ing'],
      subresources: STATUS,
      tracksGeneration: true,
    }),
    define('networking.k8s.io', 'v1', {
      kind: 'IngressClass',
      plural: 'ingressclasses',
      namespaced: false,
    }),
    define('networking.k8s.io', 'v1', {
      kind: 'NetworkPolicy',
      plural: 'networkpolicies',
      namespaced: true,
      shortNames: ['netpol'],
      tracksGeneration: true,
    }),
    define('discovery.k8s.io', 'v1', {
      kind: 'EndpointSlice',
      plural: 'endpointslices',
      namespaced: true,
    }),
    define('storage.k8s.io', 'v1', {
      kind: 'StorageClass',
      plural: 'storageclasses',
      namespaced: false,
      shortNames: ['sc'],
    }),
    define('coordination.k8s.io', 'v1', {
      kind: 'Lease',
      plural: 'leases',
      namespaced: true,
    }),
    define('policy', 'v1', {
      kind: 'PodDisruptionBudget',
      plural: 'poddisruptionbudgets',
      namespaced: true,
      shortNames: ['pdb'],
      subresources: STATUS,
      tracksGeneration: true,
    }),
    define('rbac.authorization.k8s.io', 'v1', {
      kind: 'Role',
      plural: 'roles',
      namespaced: true,
    }),
    define('rbac.authorization.k8s.io', 'v1', {
      kind: 'RoleBinding',
      plural: 'rolebindings',
      namespaced: true,
    }),
    define('rbac.authorization.k8s.io', 'v1', {
      kind: 'ClusterRole',
      plural: 'clusterroles',
      namespaced: false,
    }),
    define('rbac.authorization.k8s.io', 'v1', {
      kind: 'ClusterRoleBinding',
      plural: 'clusterrolebindings',
      namespaced: false,
    }),
    define('apiextensions.k8s.io', 'v1', {
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      subresources: STATUS,
      tracksGeneration: true,
    }),
    define('authentication.k8s.io', 'v1', {
      kind: 'SelfSubjectReview',
      plural: 'selfsubjectreviews',
      namespaced: false,
      verbs: ['create'],
      review: 'selfsubjectreview',
    }),
    define('authorization.k8s.io', 'v1', {
      kind: 'SelfSubjectAccessReview',
      plural: 'selfsubjectaccessreviews',
      namespaced: false,
      verbs: ['create'],
      review: 'selfsubjectaccessreview',
    }),
  ];
}

export interface ApiGroupVersions {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/** Holds every resource type the stand-in serves. */
export class ResourceRegistry {
  private readonly byGvr = new Map<string, ResourceDefinition>();
  private readonly byGvk = new Map<string, ResourceDefinition>();
  private readonly listeners = new Set<() => void>();

  constructor() {
    for (const def of builtinDefinitions()) this.add(def);
  }

  /** Called whenever the set of served resources changes (discovery caches). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerCustomResource(spec: CustomResourceSpec): ResourceDefinition {
    const def: ResourceDefinition = {
      group: spec.group,
      version: spec.version,
      kind: spec.kind,
      listKind: `${spec.kind}List`,
      plural: spec.plural,
      singular: spec.singular ?? spec.kind.toLowerCase(),
      namespaced: spec.namespaced,
      shortNames: spec.shortNames ?? [],
      categories: spec.categories ?? [],
      verbs: [...ALL_VERBS],
      subresources: spec.statusSubresource === false ? [] : ['status'],
      tracksGeneration: true,
      custom: true,
    };
    const existing = this.find(def.group, def.version, def.plural);
    if (existing && !existing.custom) {
      throw new Error(
        `${def.plural}.${def.group}/${def.version} is a built-in resource`,
      );
    }
    this.add(def);
    this.changed();
    return def;
  }

  unregisterCustomResource(
    group: string,
    version: string,
    plural: string,
  ): void {
    const def = this.find(group, version, plural);
    if (!def?.custom) return;
    this.byGvr.delete(gvrKey(group, version, plural));
    this.byGvk.delete(gvkKey(apiVersionOf(def), def.kind));
    this.changed();
  }

  find(
    group: string,
    version: string,
    plural: string,
  ): ResourceDefinition | undefined {
    return this.byGvr.get(gvrKey(group, version, plural));
  }

  findByKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    return this.byGvk.get(gvkKey(apiVersion, kind));
  }

  /** Like findByKind but throws a helpful error for the programmatic API. */
  requireByKind(
    apiVersion: string | undefined,
    kind: string | undefined,
  ): ResourceDefinition {
    const def =
      apiVersion && kind ? this.findByKind(apiVersion, kind) : undefined;
    if (!def) {
      throw new Error(
        `The Kubernetes API stand-in does not serve ${kind ?? '<no kind>'} in ${
          apiVersion ?? '<no apiVersion>'
        }; register it with registerCustomResource()`,
      );
    }
    return def;
  }

  all(): ResourceDefinition[] {
    return [...this.byGvr.values()];
  }

  inGroupVersion(group: string, version: string): ResourceDefinition[] {
    return this.all().filter(d => d.group === group && d.version === version);
  }

  /** API groups (excluding the core group) in a stable, apiserver-like order. */
  groups(): ApiGroupVersions[] {
    const versionsByGroup = new Map<string, Set<string>>();
    for (const def of this.byGvr.values()) {
      if (!def.group) continue;
      if (!versionsByGroup.has(def.group))
        versionsByGroup.set(def.group, new Set());
      versionsByGroup.get(def.group)!.add(def.version);
    }
    return [...versionsByGroup.entries()].map(([group, versions]) => ({
      group,
      versions: [...versions].sort(compareKubeVersions),
    }));
  }

  private add(def: ResourceDefinition) {
    this.byGvr.set(gvrKey(def.group, def.version, def.plural), def);
    this.byGvk.set(gvkKey(apiVersionOf(def), def.kind), def);
  }

  private changed() {
    for (const listener of this.listeners) listener();
  }
}

function gvrKey(group: string, version: string, plural: string) {
  return `${group}/${version}/${plural}`;
}

function gvkKey(apiVersion: string, kind: string) {
  return `${apiVersion}/${kind}`;
}

/**
 * Orders versions like Kubernetes does for "preferred version": GA before
 * beta before alpha, higher numbers first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { stability: -1, major: 0, minor: 0 };
    const stability = { alpha: 0, beta: 1 }[m[2] as 'alpha' | 'beta'] ?? 2;
    return { stability, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.stability !== pb.stability) return pb.stability - pa.stability;
  if (pa.major !== pb.major) return pb.major - pa.major;
  if (pa.minor !== pb.minor) return pb.minor - pa.minor;
  return a.localeCompare(b);
}
