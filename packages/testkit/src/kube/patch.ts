/*
 * The three non-apply patch formats the apiserver accepts:
 *  - JSON merge patch (RFC 7386),
 *  - strategic merge patch (merge patch plus keyed-list merging and `$patch`
 *    directives, enough for what kubectl's three-way patches contain),
 *  - JSON patch (RFC 6902).
 * All functions are pure: they return new values and never mutate inputs.
 */
import { KubeApiError, failureStatus } from './status';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => deepEqual(v, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every(
        k =>
          Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]),
      )
    );
  }
  return false;
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: Record<string, any> = isPlainObject(target)
    ? deepClone(target)
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

/*
 * Merge keys of the built-in types' lists (from the `patchMergeKey` tags of
 * the Go API types). Lists not named here are atomic and get replaced.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  conditions: 'type',
  addresses: 'type',
  resourceClaims: 'name',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
};

/** Lists of scalars that merge as sets rather than being replaced. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

/**
 * The merge key of a list field, or undefined when the list is atomic.
 * `ports` is keyed differently in containers and services.
 */
export function mergeKeyFor(
  field: string,
  sample: unknown[],
): string | undefined {
  if (field === 'ports') {
    const first = sample.find(isPlainObject);
    if (first && 'containerPort' in first) return 'containerPort';
    if (first && 'port' in first) return 'port';
    return undefined;
  }
  return MERGE_KEYS[field];
}

const DELETE_MARKER = Symbol('delete');

export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
): unknown {
  const result = strategicMerge(target, patch);
  return result === DELETE_MARKER ? {} : result;
}

function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE_MARKER;
  if (directive === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return stripDirectives(rest);
  }
  const result: Record<string, any> = isPlainObject(target)
    ? deepClone(target)
    : {};
  const retainKeys: string[] | undefined = Array.isArray(patch.$retainKeys)
    ? patch.$retainKeys
    : undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (
      key === '$patch' ||
      key === '$retainKeys' ||
      key.startsWith('$setElementOrder/')
    )
      continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(result[field]) && Array.isArray(value)) {
        result[field] = result[field].filter(
          (item: unknown) => !value.some(v => deepEqual(v, item)),
        );
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    if (Array.isArray(value)) {
      result[key] = mergeList(key, result[key], value);
      continue;
    }
    const merged = strategicMerge(result[key], value);
    if (merged === DELETE_MARKER) delete result[key];
    else result[key] = merged;
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) {
      if (!retainKeys.includes(key) && !(key in patch)) delete result[key];
    }
  }
  return result;
}

function mergeList(
  field: string,
  current: unknown,
  patchList: unknown[],
): unknown[] {
  const existing = Array.isArray(current) ? current : [];
  if (MERGED_SCALAR_LISTS.has(field)) {
    const merged = existing.slice();
    for (const item of patchList)
      if (!merged.some(m => deepEqual(m, item))) merged.push(item);
    return merged;
  }
  const key = mergeKeyFor(field, [...patchList, ...existing]);
  if (!key || !patchList.every(isPlainObject)) {
    return patchList.map(stripDirectives);
  }
  if (
    patchList.some(
      item =>
        isPlainObject(item) &&
        item.$patch === 'replace' &&
        Object.keys(item).length === 1,
    )
  ) {
    return patchList
      .filter(item => !(isPlainObject(item) && item.$patch === 'replace'))
      .map(stripDirectives);
  }
  const result = existing.map(deepClone);
  for (const item of patchList as Array<Record<string, any>>) {
    const index = result.findIndex(
      e => isPlainObject(e) && deepEqual(e[key], item[key]),
    );
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      result[index] = strategicMerge(result[index], item);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(value: unknown): any {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

/* ----------------------------- JSON patch ----------------------------- */

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function jsonPatchError(message: string): KubeApiError {
  return new KubeApiError(failureStatus(422, 'Invalid', message));
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw jsonPatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(
  doc: any,
  segments: string[],
  pointer: string,
): { parent: any; last: string } {
  let current = doc;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current)) current = current[segment];
    else current = undefined;
    if (current === undefined)
      throw jsonPatchError(`jsonpatch: path ${pointer} does not exist`);
  }
  return { parent: current, last: segments[segments.length - 1] };
}

function readPointer(doc: any, pointer: string): unknown {
  let current = doc;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current)) current = current[segment];
    else current = undefined;
    if (current === undefined)
      throw jsonPatchError(`jsonpatch: path ${pointer} does not exist`);
  }
  return current;
}

function arrayIndex(
  parent: unknown[],
  token: string,
  forInsert: boolean,
  pointer: string,
): number {
  if (forInsert && token === '-') return parent.length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw jsonPatchError(`jsonpatch: invalid array index in ${pointer}`);
  const index = Number(token);
  const max = forInsert ? parent.length : parent.length - 1;
  if (index > max)
    throw jsonPatchError(`jsonpatch: array index out of bounds in ${pointer}`);
  return index;
}

function addAt(doc: any, pointer: string, value: unknown): any {
  const segments = parsePointer(pointer);
  if (segments.length === 0) return deepClone(value);
  const { parent, last } = resolveParent(doc, segments, pointer);
  if (Array.isArray(parent))
    parent.splice(arrayIndex(parent, last, true, pointer), 0, deepClone(value));
  else if (isPlainObject(parent)) parent[last] = deepClone(value);
  else throw jsonPatchError(`jsonpatch: cannot add at ${pointer}`);
  return doc;
}

function removeAt(doc: any, pointer: string): any {
  const segments = parsePointer(pointer);
  if (segments.length === 0)
    throw jsonPatchError('jsonpatch: cannot remove the whole document');
  const { parent, last } = resolveParent(doc, segments, pointer);
  if (Array.isArray(parent))
    parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isPlainObject(parent) && last in parent) delete parent[last];
  else throw jsonPatchError(`jsonpatch: path ${pointer} does not exist`);
  return doc;
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw jsonPatchError(
      'jsonpatch: the patch must be a JSON array of operations',
    );
  let doc: any = deepClone(target);
  for (const raw of operations as JsonPatchOperation[]) {
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        readPointer(doc, raw.path);
        doc =
          parsePointer(raw.path).length === 0
            ? deepClone(raw.value)
            : addAt(removeAt(doc, raw.path), raw.path, raw.value);
        break;
      case 'move': {
        const value = readPointer(doc, raw.from ?? '');
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, readPointer(doc, raw.from ?? ''));
        break;
      case 'test':
        if (!deepEqual(readPointer(doc, raw.path), raw.value)) {
          throw jsonPatchError(
            `jsonpatch: test operation failed for path ${raw.path}`,
          );
        }
        break;
      default:
        throw jsonPatchError(
          `jsonpatch: unknown operation ${JSON.stringify((raw as any).op)}`,
        );
    }
  }
  return doc;
}
