/*
 * HTTP handling of the stand-in: request accounting, fault injection,
 * authentication/authorization, then non-resource endpoints (version, health,
 * discovery, OpenAPI) or resource verbs against the store.
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { Authenticator, READ_VERBS } from './auth';
import {
  AGGREGATED_DISCOVERY_V2,
  AGGREGATED_DISCOVERY_V2BETA1,
  VersionInfo,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3Document,
  openApiV3Index,
} from './discovery';
import { evictPod } from './eviction';
import { FaultInjector, RequestLog } from './faults';
import { HealthChecks, HealthEndpoint } from './health';
import {
  PATCH_CONTENT_TYPES,
  PatchType,
  applyJsonPatch,
  applyMergePatch,
  isPlainObject,
} from './patch';
import { PROTOBUF_CONTENT_TYPE, decodeKubeProtobuf } from './protobuf';
import { ProxyRegistry, ProxyRequest, parseProxyPath } from './proxy';
import {
  NonResourceRequest,
  ResourceRequest,
  parseRequestInfo,
  resourceLabel,
} from './requestInfo';
import {
  ResourceDefinition,
  ResourceRegistry,
  apiVersionOf,
  groupResourceOf,
} from './resources';
import {
  KubeApiError,
  badRequest,
  failureStatus,
  forbidden,
  internalError,
  methodNotAllowed,
  notFound,
  resourceNotServed,
  successStatus,
  unauthorized,
  unsupportedMediaType,
} from './status';
import { KubeStore, WriteOptions } from './store';
import { IncludeObject, toTable, wantsTable } from './tables';
import { KubeObject, RequestUser, WatchEvent } from './types';

export interface RouterOptions {
  registry: ResourceRegistry;
  store: KubeStore;
  auth: Authenticator;
  health: HealthChecks;
  faults: FaultInjector;
  log: RequestLog;
  version: VersionInfo;
  /** `host:port` as advertised in `/api`. */
  serverAddress: () => string;
  /** How often watches with allowWatchBookmarks get a BOOKMARK. */
  bookmarkIntervalMs: number;
  /** Let unauthenticated clients read /version and health endpoints (kubeadm default). */
  anonymousHealth: boolean;
  /** Handlers of the pods/services `proxy` subresource (absent: every proxy request is 503). */
  proxies?: ProxyRegistry;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Objects whose DELETE answers with the object rather than a Status. */
const RETURNS_DELETED_OBJECT = new Set([
  '/pods',
  '/namespaces',
  'apiextensions.k8s.io/customresourcedefinitions',
]);

class ClosedError extends Error {}

export class KubeApiRouter {
  private readonly activeWatches = new Set<() => void>();
  private readonly hungResponses = new Set<ServerResponse>();
  private readonly timers = new Set<{
    timer: NodeJS.Timeout;
    wake: () => void;
  }>();
  private closed = false;

  constructor(private readonly o: RouterOptions) {}

  /** Ends watches, drops hung requests and cancels injected latency. */
  close(): void {
    this.closed = true;
    for (const stop of [...this.activeWatches]) stop();
    for (const res of this.hungResponses) res.socket?.destroy();
    this.hungResponses.clear();
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.wake();
    }
    this.timers.clear();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch(err => {
      if (err instanceof ClosedError) {
        res.socket?.destroy();
        return;
      }
      const apiError =
        err instanceof KubeApiError
          ? err
          : internalError(String(err?.message ?? err));
      if (!res.headersSent) this.sendStatus(res, apiError);
      else res.end();
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://stand-in.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const info = parseRequestInfo(
      method,
      url.pathname,
      url.searchParams,
      this.o.registry,
    );
    let user: RequestUser | undefined;
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    res.once('close', () => {
      this.o.log.record({
        time: started,
        method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ''),
        verb: info.verb,
        resource: info.kind === 'resource' ? resourceLabel(info) : undefined,
        namespace: info.kind === 'resource' ? info.namespace : undefined,
        name: info.kind === 'resource' ? info.name : undefined,
        subresource: info.kind === 'resource' ? info.subresource : undefined,
        pattern: info.pattern,
        user: user?.name,
        status: res.statusCode,
        durationMs: Date.now() - started,
      });
    });

    const fault = this.o.faults.take(method, url.pathname);
    if (fault) {
      if (fault.latencyMs) await this.sleep(fault.latencyMs);
      if (fault.hang) {
        this.hungResponses.add(res);
        res.once('close', () => this.hungResponses.delete(res));
        return;
      }
      if (fault.unauthorized) throw unauthorized();
      if (fault.status) {
        const base = failureStatus(
          fault.status,
          fault.status >= 500 ? 'InternalError' : 'BadRequest',
          fault.status >= 500
            ? 'Internal error occurred: injected fault'
            : 'injected fault',
        );
        throw new KubeApiError({
          ...base,
          ...(fault.body ?? {}),
          code: fault.status,
        });
      }
    }

    const auth = this.o.auth.authenticate(req);
    if (auth.kind === 'rejected') throw unauthorized();
    if (auth.kind === 'anonymous') {
      const publicInfo = info.kind === 'version' || info.kind === 'health';
      if (!(publicInfo && this.o.anonymousHealth)) throw unauthorized();
    } else {
      user = auth.user;
    }

    const proxied =
      info.kind === 'resource' && info.subresource === 'proxy'
        ? parseProxyPath(url.pathname, url.search)
        : undefined;
    if (proxied) {
      await this.handleProxy(req, res, proxied, user!);
    } else if (info.kind === 'resource') {
      await this.handleResource(req, res, url, info, user!);
    } else {
      this.handleNonResource(req, res, url, info);
    }
  }

  /* ------------------------------- proxy ------------------------------- */

  /** pods/services proxy: the object must exist; a registered handler answers for the workload. */
  private async handleProxy(
    req: IncomingMessage,
    res: ServerResponse,
    proxied: ProxyRequest,
    user: RequestUser,
  ) {
    const { namespace, kind, name, port } = proxied.target;
    const gr = { group: '', resource: kind };
    if (user.readOnly && req.method !== 'GET' && req.method !== 'HEAD') {
      throw forbidden(
        user.name,
        (req.method ?? 'GET').toLowerCase() === 'put' ? 'update' : 'create',
        { group: '', resource: `${kind}/proxy` },
        namespace,
        name,
      );
    }
    const obj = this.o.store.get({
      apiVersion: 'v1',
      kind: kind === 'pods' ? 'Pod' : 'Service',
      name,
      namespace,
    });
    if (!obj) throw notFound(gr, name);
    const handler = this.o.proxies?.find(proxied.target);
    if (!handler) {
      const address =
        kind === 'pods'
          ? (obj.status?.podIP as string | undefined) ?? name
          : (obj.spec?.clusterIP as string | undefined) ?? name;
      throw new KubeApiError(
        failureStatus(
          503,
          'ServiceUnavailable',
          `error trying to reach service: dial tcp ${address}:${
            port ?? 80
          }: connect: connection refused`,
        ),
      );
    }
    req.url = proxied.forwardPath;
    await handler(req, res);
  }

  /* --------------------------- non-resource --------------------------- */

  private handleNonResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: NonResourceRequest,
  ) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
    const segs = info.segments;
    switch (info.kind) {
      case 'version':
        return this.sendJson(res, 200, this.o.version);
      case 'health': {
        const answer = this.o.health.respond(
          segs[0] as HealthEndpoint,
          segs.slice(1).join('/') || undefined,
          url.searchParams,
        );
        if (!answer) return this.sendText(res, 404, '404 page not found\n');
        return this.sendText(res, answer.status, answer.body);
      }
      case 'openapi':
        return this.handleOpenApi(res, segs);
      case 'discovery':
        return this.handleDiscovery(req, res, segs);
      default:
        return this.sendText(res, 404, '404 page not found\n');
    }
  }

  private handleDiscovery(
    req: IncomingMessage,
    res: ServerResponse,
    segs: string[],
  ) {
    const registry = this.o.registry;
    if (segs.length === 1) {
      const accept = req.headers.accept ?? '';
      const aggregated =
        accept.includes('as=APIGroupDiscoveryList') &&
        accept.includes('g=apidiscovery.k8s.io');
      if (aggregated) {
        const v2 =
          accept.includes('v=v2;') ||
          accept.includes('v=v2,') ||
          /v=v2(\s*;|\s*,|\s*$)/.test(accept);
        const contentType = v2
          ? AGGREGATED_DISCOVERY_V2
          : AGGREGATED_DISCOVERY_V2BETA1;
        const apiVersion = v2
          ? 'apidiscovery.k8s.io/v2'
          : 'apidiscovery.k8s.io/v2beta1';
        return this.sendJson(
          res,
          200,
          aggregatedDiscovery(registry, segs[0] as 'api' | 'apis', apiVersion),
          contentType,
        );
      }
      return this.sendJson(
        res,
        200,
        segs[0] === 'api'
          ? apiVersions(this.o.serverAddress())
          : apiGroupList(registry),
      );
    }
    if (segs[0] === 'api') {
      const list = apiResourceList(registry, '', segs[1]);
      return list
        ? this.sendJson(res, 200, list)
        : this.sendText(res, 404, '404 page not found\n');
    }
    if (segs.length === 2) {
      const group = apiGroupDocument(registry, segs[1]);
      return group
        ? this.sendJson(res, 200, group)
        : this.sendText(res, 404, '404 page not found\n');
    }
    const list = apiResourceList(registry, segs[1], segs[2]);
    return list
      ? this.sendJson(res, 200, list)
      : this.sendText(res, 404, '404 page not found\n');
  }

  private handleOpenApi(res: ServerResponse, segs: string[]) {
    if (segs[1] !== 'v3')
      return this.sendText(res, 404, '404 page not found\n');
    if (segs.length === 2)
      return this.sendJson(res, 200, openApiV3Index(this.o.registry));
    let doc: unknown;
    if (segs[2] === 'api' && segs.length === 4)
      doc = openApiV3Document(this.o.registry, '', segs[3]);
    if (segs[2] === 'apis' && segs.length === 5)
      doc = openApiV3Document(this.o.registry, segs[3], segs[4]);
    if (!doc) return this.sendText(res, 404, '404 page not found\n');
    return this.sendJson(res, 200, doc);
  }

  /* ----------------------------- resources ----------------------------- */

  private async handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    info: ResourceRequest,
    user: RequestUser,
  ) {
    const def = info.def;
    if (!def) throw resourceNotServed();
    if (
      def.namespaced &&
      info.namespace === undefined &&
      info.name !== undefined
    )
      throw resourceNotServed();
    if (!def.namespaced && info.namespace !== undefined)
      throw resourceNotServed();
    if (info.subresource && !def.subresources.includes(info.subresource))
      throw resourceNotServed();
    if (!def.verbs.includes(info.verb) && !info.subresource)
      throw methodNotAllowed();
    if (user.readOnly && !READ_VERBS.has(info.verb) && !def.review) {
      throw forbidden(
        user.name,
        info.verb,
        groupResourceOf(def),
        info.namespace,
        info.name,
      );
    }
    const q = url.searchParams;
    const store = this.o.store;
    const table = wantsTable(req.headers.accept);

    if (def.review) return this.handleReview(req, res, def, user);

    // pods/eviction: the pod's PodDisruptionBudget decides (./eviction.ts)
    if (info.subresource === 'eviction') {
      if (info.verb !== 'create') throw methodNotAllowed();
      await readBody(req);
      return this.sendJson(
        res,
        201,
        evictPod(this.o.registry, store, info.namespace!, info.name!),
      );
    }

    if (info.verb === 'watch')
      return this.handleWatch(res, def, info, q, table);

    if (info.verb === 'list') {
      const limit = q.has('limit') ? Number(q.get('limit')) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
        throw badRequest(`invalid limit: ${q.get('limit')}`);
      const result = store.listIn(def, {
        namespace: info.namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit,
        continue: q.get('continue') ?? undefined,
      });
      if (table) {
        return this.sendJson(
          res,
          200,
          toTable(def, result.items, {
            include: includeObject(q),
            tableVersion: table.version,
            resourceVersion: result.resourceVersion,
            continue: result.continue,
            remainingItemCount: result.remainingItemCount,
          }),
        );
      }
      const metadata: Record<string, unknown> = {
        resourceVersion: result.resourceVersion,
      };
      if (result.continue) metadata.continue = result.continue;
      if (result.remainingItemCount !== undefined)
        metadata.remainingItemCount = result.remainingItemCount;
      return this.sendJson(res, 200, {
        kind: def.listKind,
        apiVersion: apiVersionOf(def),
        metadata,
        items: result.items,
      });
    }

    if (info.verb === 'get') {
      const obj = store.getIn(def, info.namespace, info.name!);
      if (info.subresource === 'scale')
        return this.sendJson(res, 200, toScale(obj));
      if (table)
        return this.sendJson(
          res,
          200,
          toTable(def, [obj], {
            include: includeObject(q),
            tableVersion: table.version,
            resourceVersion: obj.metadata?.resourceVersion,
          }),
        );
      return this.sendJson(res, 200, obj);
    }

    const write: WriteOptions = {
      fieldManager: q.get('fieldManager') ?? defaultFieldManager(req),
      scope: info.subresource === 'status' ? 'status' : 'main',
      dryRun: q.getAll('dryRun').includes('All'),
      force: q.get('force') === 'true',
    };

    if (info.verb === 'create') {
      if (info.name !== undefined) throw methodNotAllowed();
      const body = await this.readObject(req);
      const created = store.createIn(def, info.namespace, body, write);
      return this.sendJson(res, 201, created);
    }

    if (info.verb === 'update') {
      const body = await this.readObject(req);
      if (info.subresource === 'scale')
        return this.writeScale(res, def, info, body, write);
      const updated = store.replaceIn(
        def,
        info.namespace,
        info.name!,
        body,
        write,
      );
      return this.sendJson(res, 200, updated);
    }

    if (info.verb === 'patch') {
      const contentType = mediaType(req.headers['content-type']);
      const patchType: PatchType | undefined = PATCH_CONTENT_TYPES[contentType];
      if (!patchType)
        throw unsupportedMediaType(
          contentType,
          Object.keys(PATCH_CONTENT_TYPES),
        );
      const raw = (await readBody(req)).toString('utf8');
      const patch = parseBody(raw, patchType === 'apply' ? 'yaml' : 'json');
      if (info.subresource === 'scale') {
        const current = toScale(store.getIn(def, info.namespace, info.name!));
        const next =
          patchType === 'json'
            ? applyJsonPatch(current, patch)
            : applyMergePatch(current, patch);
        return this.writeScale(res, def, info, next as KubeObject, write);
      }
      const existed = patchType === 'apply' && this.exists(def, info);
      const result = store.patchIn(
        def,
        info.namespace,
        info.name!,
        patchType,
        patch,
        write,
      );
      return this.sendJson(
        res,
        patchType === 'apply' && !existed ? 201 : 200,
        result,
      );
    }

    if (info.verb === 'delete') {
      // DeleteOptions may come as JSON or (typed clients) protobuf; only JSON preconditions are honoured.
      const body = await readBody(req);
      let options: any = {};
      if (
        mediaType(req.headers['content-type']) !== PROTOBUF_CONTENT_TYPE &&
        body.length
      ) {
        options = parseBody(body.toString('utf8'), 'json');
      }
      const deleted = store.deleteIn(def, info.namespace, info.name!, {
        preconditions: options?.preconditions,
        dryRun: write.dryRun,
      });
      const stillThere = Boolean(deleted.metadata?.deletionTimestamp);
      if (
        stillThere ||
        def.custom ||
        RETURNS_DELETED_OBJECT.has(`${def.group}/${def.plural}`)
      ) {
        return this.sendJson(res, 200, deleted);
      }
      return this.sendJson(
        res,
        200,
        successStatus(groupResourceOf(def), info.name!, deleted.metadata?.uid),
      );
    }

    if (info.verb === 'deletecollection') {
      const items = store.deleteCollectionIn(
        def,
        {
          namespace: info.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
        },
        { dryRun: write.dryRun },
      );
      return this.sendJson(res, 200, {
        kind: def.listKind,
        apiVersion: apiVersionOf(def),
        metadata: { resourceVersion: store.resourceVersion },
        items,
      });
    }

    throw methodNotAllowed();
  }

  private exists(def: ResourceDefinition, info: ResourceRequest) {
    try {
      this.o.store.getIn(def, info.namespace, info.name!);
      return true;
    } catch {
      return false;
    }
  }

  private writeScale(
    res: ServerResponse,
    def: ResourceDefinition,
    info: ResourceRequest,
    scale: KubeObject,
    write: WriteOptions,
  ) {
    const replicas = scale?.spec?.replicas;
    if (typeof replicas !== 'number')
      throw badRequest('spec.replicas is required');
    const updated = this.o.store.patchIn(
      def,
      info.namespace,
      info.name!,
      'merge',
      { spec: { replicas } },
      { ...write, scope: 'main' },
    );
    return this.sendJson(res, 200, toScale(updated));
  }

  private async handleReview(
    req: IncomingMessage,
    res: ServerResponse,
    def: ResourceDefinition,
    user: RequestUser,
  ) {
    const body = await this.readObject(req);
    const base = {
      kind: def.kind,
      apiVersion: apiVersionOf(def),
      metadata: { creationTimestamp: null },
    };
    if (def.review === 'selfsubjectreview') {
      return this.sendJson(res, 201, {
        ...base,
        status: { userInfo: { username: user.name, groups: user.groups } },
      });
    }
    const verb =
      body.spec?.resourceAttributes?.verb ??
      body.spec?.nonResourceAttributes?.verb ??
      '';
    const allowed = !user.readOnly || READ_VERBS.has(verb);
    // Like an RBAC denial: no reason text, so `kubectl auth can-i` prints a bare "no".
    const status: Record<string, unknown> = { allowed };
    return this.sendJson(res, 201, { ...base, spec: body.spec ?? {}, status });
  }

  private handleWatch(
    res: ServerResponse,
    def: ResourceDefinition,
    info: ResourceRequest,
    q: URLSearchParams,
    table: { version: 'v1' | 'v1beta1' } | undefined,
  ) {
    let fieldSelector = q.get('fieldSelector') ?? undefined;
    if (info.name !== undefined) {
      fieldSelector = [`metadata.name=${info.name}`, fieldSelector]
        .filter(Boolean)
        .join(',');
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();

    let first = true;
    const include = includeObject(q);
    const send = (event: WatchEvent) => {
      if (res.writableEnded || res.destroyed) return;
      let object: unknown = event.object;
      if (
        table &&
        (event.type === 'ADDED' ||
          event.type === 'MODIFIED' ||
          event.type === 'DELETED')
      ) {
        object = toTable(def, [event.object], {
          include,
          tableVersion: table.version,
          noHeaders: !first,
          resourceVersion: event.object.metadata?.resourceVersion,
        });
        first = false;
      }
      res.write(`${JSON.stringify({ type: event.type, object })}\n`);
    };

    let subscription: { stop(): void } | undefined;
    const timers: NodeJS.Timeout[] = [];
    const stop = () => {
      subscription?.stop();
      for (const t of timers) clearTimeout(t);
      this.activeWatches.delete(stop);
      if (!res.writableEnded) res.end();
    };
    this.activeWatches.add(stop);
    res.once('close', stop);

    try {
      subscription = this.o.store.watchIn(
        def,
        {
          namespace: info.namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
        },
        send,
      );
    } catch (err) {
      const apiError =
        err instanceof KubeApiError ? err : internalError(String(err));
      // Like the apiserver's watch cache: a 200 stream carrying one ERROR event.
      res.write(
        `${JSON.stringify({ type: 'ERROR', object: apiError.status })}\n`,
      );
      stop();
      return;
    }

    if (
      q.get('allowWatchBookmarks') === 'true' &&
      this.o.bookmarkIntervalMs > 0
    ) {
      const tick = () => {
        send({ type: 'BOOKMARK', object: this.o.store.bookmarkObject(def) });
        timers.push(setTimeout(tick, this.o.bookmarkIntervalMs).unref());
      };
      timers.push(setTimeout(tick, this.o.bookmarkIntervalMs).unref());
    }
    const timeoutSeconds = Number(q.get('timeoutSeconds'));
    if (timeoutSeconds > 0)
      timers.push(setTimeout(stop, timeoutSeconds * 1000).unref());
  }

  /* ------------------------------ helpers ------------------------------ */

  private async readObject(req: IncomingMessage): Promise<KubeObject> {
    const contentType = mediaType(req.headers['content-type']);
    if (contentType === PROTOBUF_CONTENT_TYPE)
      return decodeKubeProtobuf(await readBody(req));
    const format = contentType === 'application/yaml' ? 'yaml' : 'json';
    if (
      contentType &&
      contentType !== 'application/json' &&
      contentType !== 'application/yaml' &&
      contentType !== '*/*'
    ) {
      throw unsupportedMediaType(contentType, [
        'application/json',
        'application/yaml',
        PROTOBUF_CONTENT_TYPE,
      ]);
    }
    const parsed = parseBody((await readBody(req)).toString('utf8'), format);
    if (!isPlainObject(parsed))
      throw badRequest('the request body must be a JSON object');
    return parsed as KubeObject;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        wake: () => reject(new ClosedError()),
      };
      this.timers.add(entry);
    });
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    contentType = 'application/json',
  ) {
    if (this.closed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private sendText(res: ServerResponse, status: number, text: string) {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, error: KubeApiError) {
    this.sendJson(res, error.code, error.status);
  }
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function includeObject(q: URLSearchParams): IncludeObject {
  const value = q.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** As the apiserver does: the User-Agent up to the first `/`. */
function defaultFieldManager(req: IncomingMessage): string {
  const ua = req.headers['user-agent'] ?? '';
  const prefix = ua.split('/')[0].trim();
  return prefix || 'unknown';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new KubeApiError(
            failureStatus(
              413,
              'RequestEntityTooLarge',
              'request entity too large',
            ),
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(raw: string, format: 'json' | 'yaml'): unknown {
  try {
    return format === 'yaml' ? YAML.parse(raw) : JSON.parse(raw);
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

function toScale(obj: KubeObject): KubeObject {
  const selector = obj.spec?.selector?.matchLabels ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}
