/*
 * The object store behind the stand-in: one global, monotonically increasing
 * resourceVersion (like etcd's revision), a bounded history of change events
 * for watches that resume from a resourceVersion, and the write semantics the
 * apiserver applies (uid, generation, optimistic concurrency, finalizers,
 * garbage collection of owned objects, namespace cascade, CRD registration).
 *
 * Objects are stored as private JSON copies; everything handed out is a copy.
 */
import { randomUUID } from 'node:crypto';
import { recordUpdate, serverSideApply } from './apply';
import {
  ClusterIpAllocator,
  applyCreateDefaults,
  customResourcesOfCrd,
  kubeTimestamp,
  markCrdEstablished,
  normalizeOnWrite,
} from './defaults';
import {
  PatchType,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  deepClone,
  deepEqual,
} from './patch';
import {
  ResourceDefinition,
  ResourceRegistry,
  apiVersionOf,
  groupResourceOf,
} from './resources';
import {
  FieldSelector,
  LabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import {
  KubeApiError,
  STALE_OBJECT_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  invalid,
  notFound,
} from './status';
import {
  FixtureObjects,
  KubeObject,
  ManagedFieldsEntry,
  ObjectRef,
  WatchEvent,
} from './types';

/** Which part of an object a write may change. */
export type WriteScope =
  /** Programmatic writes from tests: spec and status alike. */
  | 'all'
  /** API writes to the main resource: status is kept for types with a status subresource. */
  | 'main'
  /** API writes to the `/status` subresource: only status changes. */
  | 'status';

export interface WriteOptions {
  /** managedFields manager name (default `kpaas-testkit` for programmatic writes). */
  fieldManager?: string;
  scope?: WriteScope;
  /** Validate and compute the result but store nothing (`?dryRun=All`). */
  dryRun?: boolean;
  /** Server-side apply: take over conflicting fields. */
  force?: boolean;
  /** Skip managedFields bookkeeping (bulk fixture loading). */
  skipManagedFields?: boolean;
  /**
   * Keep a given uid and creationTimestamp on create (fixtures: stable owner
   * references and realistic ages). The API never does this.
   */
  preserveIdentity?: boolean;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this resourceVersion; unset or "0" starts with the current state. */
  resourceVersion?: string;
  /** Send the current state as ADDED events, then a BOOKMARK marking its end. */
  sendInitialEvents?: boolean;
}

export interface WatchSubscription {
  stop(): void;
}

export interface StoreOptions {
  /** How many change events are kept for resuming watches (default 10000). */
  watchHistorySize?: number;
}

/** Programmatic list query: the type plus the usual list options. */
export interface TypedListQuery extends ListQuery {
  apiVersion: string;
  kind: string;
}

interface ChangeEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resourceKey: string;
  object: KubeObject;
  previous?: KubeObject;
}

interface Watcher {
  resourceKey: string;
  def: ResourceDefinition;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  listener: (event: WatchEvent) => void;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function resourceKeyOf(def: ResourceDefinition) {
  // Versions of one group/resource share storage, as in the real apiserver.
  return `${def.group}/${def.plural}`;
}

function objectKey(namespace: string | undefined, name: string) {
  return `${namespace ?? ''}/${name}`;
}

function encodeContinue(rv: string, after: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'kpaas.standin/v1', rv, start: after }),
  ).toString('base64url');
}

function decodeContinue(token: string): { rv: string; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed?.v !== 'kpaas.standin/v1' || typeof parsed.start !== 'string')
      throw new Error('bad token');
    return { rv: String(parsed.rv), start: parsed.start };
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

/** Everything except metadata and status: what `generation` tracks. */
function specPart(obj: KubeObject) {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class KubeStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly history: ChangeEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly historySize: number;
  private readonly ips = new ClusterIpAllocator();
  private rv = 1;
  /** Changes at or below this revision are no longer in the history. */
  private compactedRv = 1;

  constructor(readonly registry: ResourceRegistry, options: StoreOptions = {}) {
    this.historySize = options.watchHistorySize ?? 10000;
  }

  /** The current global resourceVersion, as a string like the API returns it. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /**
   * Forgets the change history, so watches resuming from any older
   * resourceVersion get `410 Gone` (as after an etcd compaction).
   */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /* ------------------------ programmatic API ------------------------ */

  create(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    const def = this.registry.requireByKind(obj.apiVersion, obj.kind);
    const namespace = def.namespaced
      ? obj.metadata?.namespace ?? 'default'
      : undefined;
    return this.createIn(def, namespace, obj, {
      fieldManager: 'kpaas-testkit',
      ...options,
    });
  }

  /** Replaces an object (PUT). A resourceVersion in the object is checked. */
  update(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    const def = this.registry.requireByKind(obj.apiVersion, obj.kind);
    const namespace = def.namespaced
      ? obj.metadata?.namespace ?? 'default'
      : undefined;
    return this.replaceIn(def, namespace, obj.metadata?.name ?? '', obj, {
      fieldManager: 'kpaas-testkit',
      ...options,
    });
  }

  patch(
    ref: ObjectRef,
    patch: unknown,
    type: PatchType = 'merge',
    options: WriteOptions = {},
  ): KubeObject {
    const def = this.registry.requireByKind(ref.apiVersion, ref.kind);
    return this.patchIn(
      def,
      this.namespaceOf(def, ref),
      ref.name,
      type,
      patch,
      { fieldManager: 'kpaas-testkit', ...options },
    );
  }

  /** Server-side apply of a full object (creates it when missing). */
  apply(
    obj: KubeObject,
    options: WriteOptions & { fieldManager: string },
  ): KubeObject {
    const def = this.registry.requireByKind(obj.apiVersion, obj.kind);
    const namespace = def.namespaced
      ? obj.metadata?.namespace ?? 'default'
      : undefined;
    return this.patchIn(
      def,
      namespace,
      obj.metadata?.name ?? '',
      'apply',
      obj,
      options,
    );
  }

  delete(ref: ObjectRef, options: DeleteOptions = {}): KubeObject | undefined {
    const def = this.registry.requireByKind(ref.apiVersion, ref.kind);
    try {
      return this.deleteIn(def, this.namespaceOf(def, ref), ref.name, options);
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const def = this.registry.requireByKind(ref.apiVersion, ref.kind);
    const found = this.bucket(def).get(
      objectKey(this.namespaceOf(def, ref), ref.name),
    );
    return found ? this.present(def, found) : undefined;
  }

  list(query: TypedListQuery): KubeObject[] {
    const def = this.registry.requireByKind(query.apiVersion, query.kind);
    return this.listIn(def, query).items;
  }

  /**
   * Loads fixture objects: namespaces first, then CRDs, then the rest.
   * Namespaces referenced but not in the fixture are created.
   */
  load(objects: FixtureObjects): void {
    const rank = (o: KubeObject) =>
      ({ Namespace: 0, CustomResourceDefinition: 1 }[o.kind ?? ''] ?? 2);
    const ordered = [...objects].sort((a, b) => rank(a) - rank(b));
    const options: WriteOptions = {
      skipManagedFields: true,
      preserveIdentity: true,
      fieldManager: 'kpaas-testkit',
    };
    for (const obj of ordered) {
      const def = this.registry.requireByKind(obj.apiVersion, obj.kind);
      const namespace = def.namespaced
        ? obj.metadata?.namespace ?? 'default'
        : undefined;
      if (
        namespace &&
        !this.bucket(this.namespaceDef()).has(objectKey(undefined, namespace))
      ) {
        this.createIn(
          this.namespaceDef(),
          undefined,
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: namespace },
          },
          options,
        );
      }
      this.createIn(def, namespace, obj, options);
    }
  }

  /* ---------------------- resource-level API ---------------------- */

  getIn(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
  ): KubeObject {
    const found = this.bucket(def).get(objectKey(namespace, name));
    if (!found) throw notFound(groupResourceOf(def), name);
    return this.present(def, found);
  }

  listIn(def: ResourceDefinition, query: ListQuery = {}): ListResult {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, def.plural);
    const bucket = this.bucket(def);
    let start = '';
    let resourceVersion = this.resourceVersion;
    if (query.continue) {
      const token = decodeContinue(query.continue);
      start = token.start;
      resourceVersion = token.rv;
    }
    const prefix =
      query.namespace !== undefined && def.namespaced
        ? `${query.namespace}/`
        : '';
    const keys = this.sorted(def);
    const items: KubeObject[] = [];
    let lastKey = '';
    let remaining = 0;
    const limit = query.limit && query.limit > 0 ? query.limit : Infinity;
    for (const key of keys) {
      if (prefix && !key.startsWith(prefix)) continue;
      if (start && key <= start) continue;
      const obj = bucket.get(key)!;
      if (
        !matchesLabels(labels, obj.metadata?.labels) ||
        !matchesFields(fields, obj)
      )
        continue;
      if (items.length < limit) {
        items.push(this.present(def, obj));
        lastKey = key;
      } else {
        remaining++;
      }
    }
    const result: ListResult = { items, resourceVersion };
    if (remaining > 0) {
      result.continue = encodeContinue(resourceVersion, lastKey);
      // Like the apiserver, the count is only given for unfiltered lists.
      if (labels.length === 0 && fields.length === 0)
        result.remainingItemCount = remaining;
    }
    return result;
  }

  createIn(
    def: ResourceDefinition,
    namespace: string | undefined,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const gr = groupResourceOf(def);
    const obj = deepClone(body);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) {
      meta.name = meta.generateName + this.randomSuffix();
    }
    if (!meta.name) {
      throw invalid(gr, def.kind, '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
          field: 'metadata.name',
        },
      ]);
    }
    if (meta.name.length > 253 || !NAME_RE.test(meta.name)) {
      throw invalid(gr, def.kind, meta.name, [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${meta.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          field: 'metadata.name',
        },
      ]);
    }
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace ?? meta.namespace ?? 'default';
      if (
        !this.bucket(this.namespaceDef()).has(
          objectKey(undefined, meta.namespace),
        )
      ) {
        throw notFound({ group: '', resource: 'namespaces' }, meta.namespace);
      }
    } else {
      delete meta.namespace;
    }
    const key = objectKey(meta.namespace, meta.name);
    if (this.bucket(def).has(key)) throw alreadyExists(gr, meta.name);

    // The apiserver ignores status on create for types with a status subresource.
    if (options.scope === 'main' && def.subresources.includes('status'))
      delete obj.status;
    if (!options.preserveIdentity || !meta.uid) meta.uid = randomUUID();
    if (!options.preserveIdentity || !meta.creationTimestamp)
      meta.creationTimestamp = kubeTimestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if (def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    applyCreateDefaults(def, obj, this.ips);
    normalizeOnWrite(def, obj);
    if (!options.skipManagedFields && !meta.managedFields?.length) {
      meta.managedFields = recordUpdate(
        undefined,
        obj,
        this.ownershipContext(def, options),
      );
    }
    if (options.dryRun)
      return this.present(def, {
        ...obj,
        metadata: { ...meta, resourceVersion: this.resourceVersion },
      });
    this.commit(def, 'ADDED', key, undefined, obj);
    this.afterWrite(def, undefined, obj);
    return this.present(def, obj);
  }

  replaceIn(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const gr = groupResourceOf(def);
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (
      def.namespaced &&
      body.metadata?.namespace &&
      namespace &&
      body.metadata.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const current = this.bucket(def).get(objectKey(namespace, name));
    if (!current) throw notFound(gr, name);
    const wantedRv = body.metadata?.resourceVersion;
    if (wantedRv && wantedRv !== current.metadata!.resourceVersion) {
      throw conflict(gr, name, STALE_OBJECT_MESSAGE);
    }
    return this.writeExisting(def, current, deepClone(body), options, 'record');
  }

  patchIn(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const gr = groupResourceOf(def);
    const current = this.bucket(def).get(objectKey(namespace, name));
    if (type === 'apply') {
      const applied = deepClone(patch) as KubeObject;
      if (!applied || typeof applied !== 'object' || Array.isArray(applied)) {
        throw badRequest('the apply configuration must be an object');
      }
      if (applied.metadata?.name && applied.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      if (!options.fieldManager) {
        throw badRequest(
          'PATCH with apply requires the fieldManager query parameter',
        );
      }
      const ctx = this.ownershipContext(def, options);
      if (!current) {
        if (options.scope === 'status') throw notFound(gr, name);
        const merged = serverSideApply(
          undefined,
          { ...applied, metadata: { ...(applied.metadata ?? {}), name } },
          false,
          ctx,
        );
        return this.createIn(def, namespace, merged, {
          ...options,
          skipManagedFields: true,
        });
      }
      const wantedRv = applied.metadata?.resourceVersion;
      if (wantedRv && wantedRv !== current.metadata!.resourceVersion)
        throw conflict(gr, name, STALE_OBJECT_MESSAGE);
      const merged = serverSideApply(
        current,
        applied,
        Boolean(options.force),
        ctx,
      );
      return this.writeExisting(def, current, merged, options, 'keep');
    }
    if (!current) throw notFound(gr, name);
    let next: KubeObject;
    if (type === 'json') next = applyJsonPatch(current, patch) as KubeObject;
    else if (type === 'strategic')
      next = applyStrategicMergePatch(current, patch) as KubeObject;
    else next = applyMergePatch(current, patch) as KubeObject;
    const wantedRv = next.metadata?.resourceVersion;
    if (wantedRv && wantedRv !== current.metadata!.resourceVersion)
      throw conflict(gr, name, STALE_OBJECT_MESSAGE);
    return this.writeExisting(def, current, next, options, 'record');
  }

  deleteIn(
    def: ResourceDefinition,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const gr = groupResourceOf(def);
    const key = objectKey(namespace, name);
    const current = this.bucket(def).get(key);
    if (!current) throw notFound(gr, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata!.uid) {
      throw conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${
          pre.uid
        }, UID in object meta: ${current.metadata!.uid}`,
      );
    }
    if (
      pre?.resourceVersion &&
      pre.resourceVersion !== current.metadata!.resourceVersion
    ) {
      throw conflict(gr, name, STALE_OBJECT_MESSAGE);
    }
    if (options.dryRun) return this.present(def, current);
    if (current.metadata!.finalizers?.length) {
      // Finalizers keep the object around, marked for deletion, until removed.
      if (current.metadata!.deletionTimestamp)
        return this.present(def, current);
      const marked = deepClone(current);
      marked.metadata!.deletionTimestamp = kubeTimestamp();
      marked.metadata!.deletionGracePeriodSeconds = 0;
      this.commit(def, 'MODIFIED', key, current, marked);
      return this.present(def, marked);
    }
    this.remove(def, key, current);
    return this.present(def, current);
  }

  deleteCollectionIn(
    def: ResourceDefinition,
    query: ListQuery,
    options: DeleteOptions = {},
  ): KubeObject[] {
    const { items } = this.listIn(def, {
      ...query,
      limit: undefined,
      continue: undefined,
    });
    return items.map(item =>
      this.deleteIn(
        def,
        item.metadata!.namespace,
        item.metadata!.name!,
        options,
      ),
    );
  }

  /**
   * Streams changes. Throws `410 Gone` when resuming from a resourceVersion
   * older than the kept history. Initial/replayed events are delivered
   * synchronously before this returns.
   */
  watchIn(
    def: ResourceDefinition,
    query: WatchQuery,
    listener: (event: WatchEvent) => void,
  ): WatchSubscription {
    const watcher: Watcher = {
      resourceKey: resourceKeyOf(def),
      def,
      namespace: def.namespaced ? query.namespace : undefined,
      labels: parseLabelSelector(query.labelSelector),
      fields: parseFieldSelector(query.fieldSelector, def.plural),
      listener,
    };
    const rv = query.resourceVersion;
    if (query.sendInitialEvents || !rv || rv === '0') {
      for (const key of this.sorted(def)) {
        const obj = this.bucket(def).get(key)!;
        if (this.matches(watcher, obj))
          listener({ type: 'ADDED', object: this.present(def, obj) });
      }
      if (query.sendInitialEvents) {
        listener({
          type: 'BOOKMARK',
          object: this.bookmarkObject(def, {
            'k8s.io/initial-events-end': 'true',
          }),
        });
      }
    } else {
      const from = Number(rv);
      if (!Number.isFinite(from) || !/^\d+$/.test(rv))
        throw badRequest(`invalid resource version: ${rv}`);
      if (from < this.compactedRv) {
        throw gone(
          `too old resource version: ${from} (${this.compactedRv + 1})`,
        );
      }
      for (const event of this.history) {
        if (event.rv > from) this.deliver(watcher, event);
      }
    }
    this.watchers.add(watcher);
    return { stop: () => this.watchers.delete(watcher) };
  }

  /** An object carrying only the current resourceVersion, for BOOKMARK events. */
  bookmarkObject(
    def: ResourceDefinition,
    annotations?: Record<string, string>,
  ): KubeObject {
    const metadata: KubeObject['metadata'] = {
      resourceVersion: this.resourceVersion,
    };
    if (annotations) metadata.annotations = annotations;
    return { kind: def.kind, apiVersion: apiVersionOf(def), metadata };
  }

  /* ----------------------------- internals ----------------------------- */

  private writeExisting(
    def: ResourceDefinition,
    current: KubeObject,
    next: KubeObject,
    options: WriteOptions,
    managedFields: 'record' | 'keep',
  ): KubeObject {
    const scope = options.scope ?? 'all';
    const hasStatus = def.subresources.includes('status');
    let candidate: KubeObject;
    if (scope === 'status') {
      candidate = deepClone(current);
      if (next.status === undefined) delete candidate.status;
      else candidate.status = next.status;
      if (managedFields === 'keep')
        candidate.metadata!.managedFields = next.metadata?.managedFields;
    } else {
      candidate = next;
      if (scope === 'main' && hasStatus) {
        if (current.status === undefined) delete candidate.status;
        else candidate.status = deepClone(current.status);
      }
    }
    candidate.apiVersion = apiVersionOf(def);
    candidate.kind = def.kind;
    normalizeOnWrite(def, candidate);
    candidate.metadata ??= {};
    const meta = candidate.metadata;
    const old = current.metadata!;
    // Identity and server-owned metadata cannot be changed by writes.
    meta.name = old.name;
    if (def.namespaced) meta.namespace = old.namespace;
    else delete meta.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    meta.resourceVersion = old.resourceVersion;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined)
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    if (def.tracksGeneration) {
      meta.generation =
        (old.generation ?? 1) +
        (deepEqual(specPart(current), specPart(candidate)) ? 0 : 1);
    } else {
      delete meta.generation;
    }
    if (managedFields === 'record') {
      meta.managedFields = old.managedFields
        ? deepClone(old.managedFields)
        : undefined;
      if (meta.managedFields === undefined) delete meta.managedFields;
    }
    const unchanged = deepEqual(
      { ...candidate, metadata: { ...meta, managedFields: undefined } },
      { ...current, metadata: { ...old, managedFields: undefined } },
    );
    if (unchanged && managedFields === 'record')
      return this.present(def, current);
    if (managedFields === 'record' && !options.skipManagedFields) {
      const managed = recordUpdate(
        current,
        candidate,
        this.ownershipContext(def, options),
      );
      if (managed.length) meta.managedFields = managed;
      else delete meta.managedFields;
    }
    const withoutTimes = (entries?: ManagedFieldsEntry[]) =>
      (entries ?? []).map(({ time: _t, ...rest }: any) => rest);
    if (
      unchanged &&
      deepEqual(
        withoutTimes(meta.managedFields),
        withoutTimes(old.managedFields),
      )
    ) {
      return this.present(def, current);
    }
    if (options.dryRun) return this.present(def, candidate);

    const key = objectKey(meta.namespace, meta.name!);
    if (meta.deletionTimestamp && !meta.finalizers?.length) {
      // Last finalizer removed from an object being deleted: it goes away now.
      this.remove(def, key, current);
      return this.present(def, current);
    }
    this.commit(def, 'MODIFIED', key, current, candidate);
    this.afterWrite(def, current, candidate);
    return this.present(def, candidate);
  }

  private remove(def: ResourceDefinition, key: string, current: KubeObject) {
    if (def.group === '' && def.plural === 'namespaces') {
      const ns = current.metadata!.name!;
      for (const other of this.registry.all()) {
        if (!other.namespaced || other.review) continue;
        for (const [k, obj] of [...this.bucket(other).entries()]) {
          if (k.startsWith(`${ns}/`))
            this.commit(other, 'DELETED', k, obj, undefined);
        }
      }
    }
    this.commit(def, 'DELETED', key, current, undefined);
    this.afterWrite(def, current, undefined);
    this.collectGarbage(current.metadata!.uid!);
  }

  /** Deletes objects whose ownerReferences point at a deleted owner. */
  private collectGarbage(ownerUid: string) {
    for (const def of this.registry.all()) {
      for (const [key, obj] of [...this.bucket(def).entries()]) {
        const refs = obj.metadata?.ownerReferences ?? [];
        if (refs.some((r: any) => r.uid === ownerUid))
          this.remove(def, key, obj);
      }
    }
  }

  /** Keeps the resource registry in sync with CRD objects. */
  private afterWrite(
    def: ResourceDefinition,
    before: KubeObject | undefined,
    after: KubeObject | undefined,
  ) {
    if (
      def.group !== 'apiextensions.k8s.io' ||
      def.plural !== 'customresourcedefinitions'
    )
      return;
    const registered = (crd?: KubeObject) =>
      crd ? customResourcesOfCrd(crd) : [];
    const next = registered(after);
    for (const old of registered(before)) {
      if (
        !next.some(
          n =>
            n.group === old.group &&
            n.version === old.version &&
            n.plural === old.plural,
        )
      ) {
        const oldDef = this.registry.find(old.group, old.version, old.plural);
        this.registry.unregisterCustomResource(
          old.group,
          old.version,
          old.plural,
        );
        if (!after && oldDef) {
          for (const [key, obj] of [...this.bucket(oldDef).entries()])
            this.commit(oldDef, 'DELETED', key, obj, undefined);
        }
      }
    }
    for (const spec of next) this.registry.registerCustomResource(spec);
    if (
      after &&
      !after.status?.conditions?.some(
        (c: any) => c.type === 'Established' && c.status === 'True',
      )
    ) {
      markCrdEstablished(after);
    }
  }

  private commit(
    def: ResourceDefinition,
    type: ChangeEvent['type'],
    key: string,
    previous: KubeObject | undefined,
    next: KubeObject | undefined,
  ) {
    const rv = ++this.rv;
    const bucket = this.bucket(def);
    let object: KubeObject;
    if (type === 'DELETED') {
      bucket.delete(key);
      object = deepClone(previous!);
      object.metadata!.resourceVersion = String(rv);
    } else {
      next!.metadata!.resourceVersion = String(rv);
      bucket.set(key, next!);
      object = next!;
    }
    if (type !== 'MODIFIED') this.sortedKeys.delete(resourceKeyOf(def));
    const event: ChangeEvent = {
      rv,
      type,
      resourceKey: resourceKeyOf(def),
      object,
      previous,
    };
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(
        0,
        this.history.length - this.historySize,
      );
      this.compactedRv = dropped[dropped.length - 1].rv;
    }
    for (const watcher of [...this.watchers]) this.deliver(watcher, event);
  }

  private deliver(watcher: Watcher, event: ChangeEvent) {
    if (watcher.resourceKey !== event.resourceKey) return;
    const nowMatches =
      event.type !== 'DELETED' && this.matches(watcher, event.object);
    const wasMatching =
      event.previous !== undefined && this.matches(watcher, event.previous);
    let type: WatchEvent['type'] | undefined;
    if (event.type === 'ADDED') type = nowMatches ? 'ADDED' : undefined;
    else if (event.type === 'DELETED')
      type = this.matches(watcher, event.object) ? 'DELETED' : undefined;
    else if (nowMatches) type = wasMatching ? 'MODIFIED' : 'ADDED';
    else if (wasMatching) type = 'DELETED'; // left the selector: looks like a deletion to this watcher
    if (type)
      watcher.listener({
        type,
        object: this.present(watcher.def, event.object),
      });
  }

  private matches(watcher: Watcher, obj: KubeObject): boolean {
    if (
      watcher.namespace !== undefined &&
      obj.metadata?.namespace !== watcher.namespace
    )
      return false;
    return (
      matchesLabels(watcher.labels, obj.metadata?.labels) &&
      matchesFields(watcher.fields, obj)
    );
  }

  private ownershipContext(def: ResourceDefinition, options: WriteOptions) {
    return {
      manager: options.fieldManager ?? 'kpaas-testkit',
      apiVersion: apiVersionOf(def),
      subresource: options.scope === 'status' ? 'status' : undefined,
      hasStatusSubresource:
        def.subresources.includes('status') &&
        (options.scope ?? 'all') !== 'all',
      now: kubeTimestamp(),
    };
  }

  private present(def: ResourceDefinition, obj: KubeObject): KubeObject {
    const copy = deepClone(obj);
    copy.apiVersion = apiVersionOf(def);
    copy.kind = def.kind;
    return copy;
  }

  private bucket(def: ResourceDefinition): Map<string, KubeObject> {
    const key = resourceKeyOf(def);
    let bucket = this.data.get(key);
    if (!bucket) {
      bucket = new Map();
      this.data.set(key, bucket);
    }
    return bucket;
  }

  private sorted(def: ResourceDefinition): string[] {
    const key = resourceKeyOf(def);
    let keys = this.sortedKeys.get(key);
    if (!keys) {
      keys = [...this.bucket(def).keys()].sort();
      this.sortedKeys.set(key, keys);
    }
    return keys;
  }

  private namespaceDef(): ResourceDefinition {
    return this.registry.find('', 'v1', 'namespaces')!;
  }

  private namespaceOf(def: ResourceDefinition, ref: ObjectRef) {
    return def.namespaced ? ref.namespace ?? 'default' : undefined;
  }

  private randomSuffix() {
    let out = '';
    for (let i = 0; i < 5; i++)
      out +=
        GENERATE_NAME_CHARS[
          Math.floor(Math.random() * GENERATE_NAME_CHARS.length)
        ];
    return out;
  }
}
