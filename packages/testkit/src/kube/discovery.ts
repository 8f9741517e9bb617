/*
 * Discovery documents (legacy and aggregated), /version and the OpenAPI v3
 * documents, all derived from the resource registry.
 *
 * kubectl 1.32 asks /api and /apis for aggregated discovery
 * (apidiscovery.k8s.io/v2) first; we serve it, which saves kubectl one request
 * per group version. Legacy discovery is served to everyone else.
 *
 * OpenAPI: `kubectl apply` validates manifests. It first checks, via the
 * OpenAPI v3 document of the group version, whether the server supports the
 * `fieldValidation` query parameter on PATCH for that kind; if so it leaves
 * validation to the server and skips client-side schema checks. We publish a
 * small v3 document per group version that declares exactly that (paths with
 * `x-kubernetes-group-version-kind` and the parameter), without schemas.
 * The PATCH operations declare no request body, so kubectl does not try to
 * compute strategic merge patches from OpenAPI and uses its built-in types.
 * /openapi/v2 (protobuf only in real clusters) answers 404; kubectl copes.
 */
import { createHash } from 'node:crypto';
import {
  ResourceDefinition,
  ResourceRegistry,
  apiVersionOf,
  compareKubeVersions,
} from './resources';

export const AGGREGATED_DISCOVERY_V2 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_DISCOVERY_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  [key: string]: string;
}

export function versionInfo(gitVersion: string): VersionInfo {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  const major = m?.[1] ?? '1';
  const minor = m?.[2] ?? '33';
  return {
    major,
    minor,
    emulationMajor: major,
    emulationMinor: minor,
    minCompatibilityMajor: major,
    minCompatibilityMinor: String(Math.max(0, Number(minor) - 1)),
    gitVersion,
    gitCommit: createHash('sha1').update(gitVersion).digest('hex'),
    gitTreeState: 'clean',
    buildDate: '2025-09-09T18:48:31Z',
    goVersion: 'go1.24.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function resourceVerbs(def: ResourceDefinition) {
  return [...def.verbs].sort();
}

function subresourceVerbs(sub: string) {
  if (sub === 'eviction') return ['create'];
  return sub === 'status' || sub === 'scale'
    ? ['get', 'patch', 'update']
    : ['get'];
}

/** `GET /api` */
export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]) {
  const gv = (version: string) => ({
    groupVersion: `${group}/${version}`,
    version,
  });
  return {
    name: group,
    versions: versions.map(gv),
    preferredVersion: gv(versions[0]),
  };
}

/** `GET /apis` */
export function apiGroupList(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groups().map(g => apiGroup(g.group, g.versions)),
  };
}

/** `GET /apis/<group>` */
export function apiGroupDocument(registry: ResourceRegistry, group: string) {
  const found = registry.groups().find(g => g.group === group);
  if (!found) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...apiGroup(found.group, found.versions),
  };
}

/** `GET /api/v1` or `/apis/<group>/<version>` */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const resources: any[] = [];
  for (const def of defs) {
    const entry: Record<string, unknown> = {
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: resourceVerbs(def),
    };
    if (def.shortNames.length) entry.shortNames = def.shortNames;
    if (def.categories.length) entry.categories = def.categories;
    entry.storageVersionHash = createHash('sha256')
      .update(`${apiVersionOf(def)}/${def.kind}`)
      .digest('base64')
      .slice(0, 11);
    resources.push(entry);
    for (const sub of def.subresources) {
      resources.push({
        name: `${def.plural}/${sub}`,
        singularName: '',
        namespaced: def.namespaced,
        ...(sub === 'scale'
          ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
          : { kind: def.kind }),
        verbs: subresourceVerbs(sub),
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function aggregatedResource(def: ResourceDefinition) {
  const entry: Record<string, unknown> = {
    resource: def.plural,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: resourceVerbs(def),
  };
  if (def.shortNames.length) entry.shortNames = def.shortNames;
  if (def.categories.length) entry.categories = def.categories;
  if (def.subresources.length) {
    entry.subresources = def.subresources.map(sub => ({
      subresource: sub,
      responseKind:
        sub === 'scale'
          ? { group: 'autoscaling', version: 'v1', kind: 'Scale' }
          : { group: def.group, version: def.version, kind: def.kind },
      verbs: subresourceVerbs(sub),
    }));
  }
  return entry;
}

function aggregatedGroup(
  registry: ResourceRegistry,
  group: string,
  versions: string[],
) {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map(version => ({
      version,
      resources: registry
        .inGroupVersion(group, version)
        .sort((a, b) => a.plural.localeCompare(b.plural))
        .map(aggregatedResource),
      freshness: 'Current',
    })),
  };
}

/** Aggregated discovery for `/api` (core group) or `/apis` (all named groups). */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  which: 'api' | 'apis',
  apiVersion: string,
) {
  const items =
    which === 'api'
      ? [aggregatedGroup(registry, '', ['v1'])]
      : registry
          .groups()
          .map(g => aggregatedGroup(registry, g.group, g.versions));
  return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
}

/* -------------------------------- OpenAPI -------------------------------- */

function gvPath(group: string, version: string) {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The OpenAPI v3 document of one group version, or undefined if not served. */
export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
) {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const def of defs) {
    const prefix = `/${gvPath(group, version)}${
      def.namespaced ? '/namespaces/{namespace}' : ''
    }/${def.plural}`;
    const gvk = { group, version, kind: def.kind };
    const operation = (
      action: string,
      extra: Record<string, unknown> = {},
    ) => ({
      description: `${action} the specified ${def.kind}`,
      operationId: `${action}${def.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK' } },
      ...extra,
    });
    const writeParams = [
      {
        name: 'dryRun',
        in: 'query',
        schema: { type: 'string', uniqueItems: true },
      },
      {
        name: 'fieldManager',
        in: 'query',
        schema: { type: 'string', uniqueItems: true },
      },
      {
        name: 'fieldValidation',
        in: 'query',
        schema: { type: 'string', uniqueItems: true },
      },
    ];
    const item: Record<string, unknown> = {
      get: operation('get'),
      put: operation('put', { parameters: writeParams }),
      delete: operation('delete'),
      patch: operation('patch', {
        parameters: [
          ...writeParams,
          {
            name: 'force',
            in: 'query',
            schema: { type: 'boolean', uniqueItems: true },
          },
        ],
      }),
    };
    if (def.verbs.includes('get')) paths[`${prefix}/{name}`] = item;
    paths[prefix] = {
      get: operation('list'),
      post: operation('post', { parameters: writeParams }),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas: {} },
  };
}

/** `GET /openapi/v3`: where each group version's document lives. */
export function openApiV3Index(registry: ResourceRegistry) {
  const gvs: Array<[string, string]> = [['', 'v1']];
  for (const g of registry.groups())
    for (const v of g.versions) gvs.push([g.group, v]);
  gvs.sort((a, b) =>
    a[0] === b[0] ? compareKubeVersions(a[1], b[1]) : a[0].localeCompare(b[0]),
  );
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, version] of gvs) {
    const doc = openApiV3Document(registry, group, version);
    const hash = createHash('sha512')
      .update(JSON.stringify(doc))
      .digest('hex')
      .slice(0, 128)
      .toUpperCase();
    paths[gvPath(group, version)] = {
      serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}`,
    };
  }
  return { paths };
}
