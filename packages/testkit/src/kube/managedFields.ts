/*
 * Field ownership for server-side apply. A field path is a list of segments in
 * the apiserver's FieldsV1 spelling: `f:<field>` for map keys,
 * `k:{"name":"web"}` for elements of keyed lists and `.` for "the element
 * itself". Atomic lists are owned as a whole.
 *
 * This is a simplified model of structured-merge-diff: enough for ownership,
 * conflicts, forced takeover and removal of fields a manager stops applying.
 */
import { deepEqual, isPlainObject, mergeKeyFor } from './patch';
import { KubeObject, ManagedFieldsEntry } from './types';

const SEP = '\u0001';

export type FieldPath = string[];
export type FieldSet = Set<string>;

/** Metadata fields the server owns; never tracked as manager-owned. */
const SERVER_OWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export function joinPath(path: FieldPath): string {
  return path.join(SEP);
}

export function splitPath(path: string): FieldPath {
  return path.split(SEP);
}

export interface FieldSetOptions {
  /** Leave out `status` (writes to the main resource of a type with a status subresource). */
  excludeStatus?: boolean;
  /** Only `status` (writes to the status subresource). */
  onlyStatus?: boolean;
}

/** The set of leaf field paths present in an object. */
export function fieldSetOf(
  obj: KubeObject,
  options: FieldSetOptions = {},
): FieldSet {
  const out: FieldSet = new Set();
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (options.excludeStatus && key === 'status') continue;
    if (options.onlyStatus && key !== 'status') continue;
    if (key === 'metadata' && isPlainObject(value)) {
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (SERVER_OWNED_METADATA.has(metaKey)) continue;
        collect(metaValue, [`f:metadata`, `f:${metaKey}`], metaKey, out);
      }
      continue;
    }
    collect(value, [`f:${key}`], key, out);
  }
  return out;
}

function keySegment(key: string, value: unknown): string {
  return `k:${JSON.stringify({ [key]: value })}`;
}

function collect(
  value: unknown,
  path: FieldPath,
  field: string,
  out: FieldSet,
) {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value))
      collect(v, [...path, `f:${k}`], k, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const mergeKey = mergeKeyFor(field, value);
    if (
      mergeKey &&
      value.every(item => isPlainObject(item) && mergeKey in item)
    ) {
      for (const item of value as Array<Record<string, unknown>>) {
        const elementPath = [...path, keySegment(mergeKey, item[mergeKey])];
        out.add(joinPath([...elementPath, '.']));
        for (const [k, v] of Object.entries(item))
          collect(v, [...elementPath, `f:${k}`], k, out);
      }
      return;
    }
  }
  out.add(joinPath(path));
}

/** Reads the value at a field path, or undefined when absent. */
export function valueAtPath(obj: unknown, path: FieldPath): unknown {
  let current: any = obj;
  for (const segment of path) {
    if (segment === '.') return current;
    if (segment.startsWith('f:')) {
      if (!isPlainObject(current)) return undefined;
      current = current[segment.slice(2)];
    } else if (segment.startsWith('k:')) {
      if (!Array.isArray(current)) return undefined;
      const [[key, wanted]] = Object.entries(JSON.parse(segment.slice(2)));
      current = current.find(
        item => isPlainObject(item) && deepEqual(item[key], wanted),
      );
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** Deletes the field (or keyed list element) at a path, in place. */
export function removeAtPath(obj: unknown, path: FieldPath): void {
  const parentPath =
    path[path.length - 1] === '.' ? path.slice(0, -2) : path.slice(0, -1);
  const last =
    path[path.length - 1] === '.'
      ? path[path.length - 2]
      : path[path.length - 1];
  const parent = parentPath.length === 0 ? obj : valueAtPath(obj, parentPath);
  if (last.startsWith('f:') && isPlainObject(parent)) {
    delete parent[last.slice(2)];
  } else if (last.startsWith('k:') && Array.isArray(parent)) {
    const [[key, wanted]] = Object.entries(JSON.parse(last.slice(2)));
    const index = parent.findIndex(
      item => isPlainObject(item) && deepEqual(item[key], wanted),
    );
    if (index >= 0) parent.splice(index, 1);
  }
}

/** Converts a field set to the nested FieldsV1 JSON stored in managedFields. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const joined of [...set].sort()) {
    let node = root;
    for (const segment of splitPath(joined)) {
      node[segment] ??= {};
      node = node[segment];
    }
  }
  return root;
}

export function fromFieldsV1(
  tree: Record<string, unknown> | undefined,
): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: Record<string, any>, path: FieldPath) => {
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) {
      out.add(joinPath(path));
      return;
    }
    for (const key of keys) walk(node[key] ?? {}, [...path, key]);
  };
  walk(tree ?? {}, []);
  return out;
}

/** An entry of managedFields with its field set decoded. */
export interface Ownership {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource?: string;
  apiVersion: string;
  time: string;
  fields: FieldSet;
}

export function readOwnership(obj: KubeObject | undefined): Ownership[] {
  return (obj?.metadata?.managedFields ?? []).map(entry => ({
    manager: entry.manager,
    operation: entry.operation,
    subresource: entry.subresource,
    apiVersion: entry.apiVersion,
    time: entry.time,
    fields: fromFieldsV1(entry.fieldsV1),
  }));
}

export function writeOwnership(owners: Ownership[]): ManagedFieldsEntry[] {
  return owners
    .filter(o => o.fields.size > 0)
    .map(o => {
      const entry: ManagedFieldsEntry = {
        manager: o.manager,
        operation: o.operation,
        apiVersion: o.apiVersion,
        time: o.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(o.fields),
      };
      if (o.subresource) entry.subresource = o.subresource;
      return entry;
    });
}

export function sameOwner(
  o: Ownership,
  manager: string,
  operation: string,
  subresource?: string,
) {
  return (
    o.manager === manager &&
    o.operation === operation &&
    (o.subresource ?? '') === (subresource ?? '')
  );
}

/** True when `path` equals `other` or one is inside the other. */
export function overlaps(path: string, other: string): boolean {
  return (
    path === other ||
    path.startsWith(other + SEP) ||
    other.startsWith(path + SEP)
  );
}
