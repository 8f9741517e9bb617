/*
 * Turns a request path into what the apiserver calls RequestInfo: resource or
 * non-resource request, verb, group/version/resource, namespace, name,
 * subresource, and a path pattern with placeholders for request statistics.
 */
import { ResourceDefinition, ResourceRegistry } from './resources';

export type NonResourceKind =
  | 'version'
  | 'health'
  | 'discovery'
  | 'openapi'
  | 'unknown';

export interface ResourceRequest {
  kind: 'resource';
  verb: string;
  group: string;
  version: string;
  plural: string;
  def?: ResourceDefinition;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Either `?watch=true` or a legacy `/watch/` path. */
  watch: boolean;
  pattern: string;
}

export interface NonResourceRequest {
  kind: NonResourceKind;
  verb: string;
  pattern: string;
  segments: string[];
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

function isTrue(value: string | null) {
  return value === 'true' || value === '1';
}

export function parseRequestInfo(
  method: string,
  path: string,
  query: URLSearchParams,
  registry: ResourceRegistry,
): RequestInfo {
  const segments = path
    .split('/')
    .filter(s => s.length > 0)
    .map(decodeURIComponent);
  const nonResource = (
    kind: NonResourceKind,
    verb: string,
    pattern = path,
  ): NonResourceRequest => ({
    kind,
    verb,
    pattern,
    segments,
  });
  const first = segments[0];
  if (first === 'version' && segments.length === 1)
    return nonResource('version', 'version');
  if (first === 'livez' || first === 'readyz' || first === 'healthz')
    return nonResource('health', 'health');
  if (first === 'openapi')
    return nonResource(
      'openapi',
      'openapi',
      segments.length > 2 ? '/openapi/v3/{groupVersion}' : path,
    );

  let group: string;
  let version: string;
  let rest: string[];
  if (first === 'api') {
    if (segments.length <= 2) return nonResource('discovery', 'discovery');
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (first === 'apis') {
    if (segments.length <= 3) return nonResource('discovery', 'discovery');
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return nonResource('unknown', method.toLowerCase());
  }

  let watch = isTrue(query.get('watch'));
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }

  let namespace: string | undefined;
  let plural: string;
  let name: string | undefined;
  let subresource: string | undefined;
  const isNamespaceSubresource =
    rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !isNamespaceSubresource) {
    namespace = rest[1];
    plural = rest[2];
    name = rest[3];
    subresource = rest[4];
  } else {
    plural = rest[0];
    name = rest[1];
    subresource = rest[2];
  }

  const def = registry.find(group, version, plural);
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const pattern = [
    prefix,
    namespace !== undefined ? '/namespaces/{namespace}' : '',
    `/${plural}`,
    name !== undefined ? '/{name}' : '',
    subresource ? `/${subresource}` : '',
  ].join('');

  let verb: string;
  switch (method) {
    case 'GET':
      if (watch) verb = 'watch';
      else verb = name !== undefined ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name !== undefined ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return {
    kind: 'resource',
    verb,
    group,
    version,
    plural,
    def,
    namespace,
    name,
    subresource,
    watch,
    pattern,
  };
}

export function resourceLabel(info: ResourceRequest) {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}
