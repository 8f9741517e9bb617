import * as k8s from '@kubernetes/client-node';
import {
  Agent as HttpsAgent,
  request as httpsRequest,
  RequestOptions,
} from 'node:https';
import type { ClusterNetworks } from '../network/ClusterNetworks';
import { REFUSED_CODE } from '../network/ClusterNetworks';
import type { ClusterConnection } from '../registry/ClusterRegistry';
import {
  readServingCertificate,
  ServingCertificate,
} from '../operations/servingCertificate';

/*
 * A read-only client for one cluster, built with @kubernetes/client-node from the registry's
 * connection (token + CA). Every request carries an AbortSignal, so a hung API server costs at
 * most `requestTimeoutMs` and never blocks the other clusters.
 */

/** Page size of LIST requests (the apiserver's recommended chunk size). */
export const LIST_PAGE_SIZE = 500;

/** A request that failed, with what it was doing; the message never contains the token. */
export class KubeRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly statusCode: number | undefined,
    message: string,
  ) {
    super(`${operation}: ${message}`);
    this.name = 'KubeRequestError';
  }

  /** No answer at all (connect, TLS, timeout), as opposed to an HTTP error. */
  get unreachable(): boolean {
    return this.statusCode === undefined;
  }
}

/** Longest upstream text kpaas repeats (a Kubernetes Status message). */
const MAX_UPSTREAM_MESSAGE = 200;

/**
 * An upstream message as kpaas may show it: one line of printable text, bounded, and nothing
 * that looks like markup (an HTML error page is not a Kubernetes Status).
 */
export function sanitizeUpstreamMessage(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (/<[a-z!/]/i.test(value)) return undefined;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > MAX_UPSTREAM_MESSAGE
    ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}…`
    : text;
}

/** A Kubernetes Status reason code (`Forbidden`, `NotFound`, …); anything else is dropped. */
function reasonCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{1,64}$/.test(value)
    ? value
    : undefined;
}

function describeError(error: unknown): {
  statusCode?: number;
  message: string;
} {
  const e = error as {
    code?: number | string;
    name?: string;
    message?: string;
    body?: unknown;
    cause?: { code?: string; message?: string };
  };
  if (typeof e?.code === 'number') {
    // Only what a Kubernetes Status says, bounded: never an upstream body verbatim.
    let reason = '';
    try {
      const body =
        typeof e.body === 'string' ? JSON.parse(e.body) : (e.body as any);
      if (body?.kind === 'Status') {
        const code = reasonCode(body.reason);
        const message = sanitizeUpstreamMessage(body.message);
        reason = [code, message].filter(Boolean).join(' ');
        reason = reason ? `: ${reason}` : '';
      }
    } catch {
      // not a Kubernetes Status body
    }
    const hints: Record<number, string> = {
      401: ' (the ServiceAccount token was rejected; register the cluster again with a valid token)',
      403: ' (the ServiceAccount lacks read permission)',
    };
    const hint = hints[e.code] ?? '';
    return { statusCode: e.code, message: `HTTP ${e.code}${reason}${hint}` };
  }
  // Refused by kpaas.clusterNetworks: our own message, it names the address and the key.
  const refused = [e, e?.cause].find(x => x?.code === REFUSED_CODE);
  if (refused?.message) return { message: refused.message };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return { message: 'timed out' };
  }
  const code =
    e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
  return {
    message:
      sanitizeUpstreamMessage(
        code
          ? `${code}${e?.cause?.message ? ` ${e.cause.message}` : ''}`
          : e?.message ?? String(error),
      ) ?? 'request failed',
  };
}

export interface KubeClusterClientOptions {
  requestTimeoutMs: number;
  /** Where connections may go; checked on the resolved address of every connection. */
  networks: ClusterNetworks;
  /** Aborts everything (the cluster's overall deadline). */
  signal?: AbortSignal;
}

export class KubeClusterClient {
  readonly kubeConfig: k8s.KubeConfig;
  private readonly core: k8s.CoreV1Api;
  private readonly apps: k8s.AppsV1Api;
  private readonly versionApi: k8s.VersionApi;
  private readonly apiext: k8s.ApiextensionsV1Api;
  private readonly custom: k8s.CustomObjectsApi;

  constructor(
    connection: ClusterConnection,
    private readonly options: KubeClusterClientOptions,
  ) {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: connection.name,
          server: connection.apiServerUrl,
          caData: connection.caData
            ? Buffer.from(connection.caData).toString('base64')
            : undefined,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'kpaas', token: connection.token }],
      contexts: [
        { name: connection.name, cluster: connection.name, user: 'kpaas' },
      ],
      currentContext: connection.name,
    });
    this.kubeConfig = kc;
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.versionApi = kc.makeApiClient(k8s.VersionApi);
    this.apiext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private signal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    return this.options.signal
      ? AbortSignal.any([timeout, this.options.signal])
      : timeout;
  }

  /** Refuses a literal IP outside the cluster networks (those skip the lookup). */
  private assertServerAllowed(): void {
    this.options.networks.assertLiteralAllowed(
      new URL(this.kubeConfig.getCurrentCluster()!.server).hostname,
    );
  }

  /** Per-request options: deadline, cluster-networks lookup, certificate verification (also for operations/). */
  requestOptions(): k8s.ConfigurationOptions {
    const signal = this.signal();
    const { networks } = this.options;
    // The object-param API runs on the observable API: its middleware returns Observables.
    const abortable: k8s.ObservableMiddleware = {
      pre: context => {
        context.setSignal(signal);
        // The agent client-node built for this request, plus the network check on the
        // resolved address and certificate verification whatever the environment says.
        const agent = context.getAgent();
        if (!(agent instanceof HttpsAgent)) {
          throw new Error('only https:// API servers are supported');
        }
        context.setAgent(
          new HttpsAgent({
            ...agent.options,
            lookup: networks.lookup,
            rejectUnauthorized: true,
          }),
        );
        return new k8s.Observable(Promise.resolve(context));
      },
      post: response => new k8s.Observable(Promise.resolve(response)),
    };
    return { middleware: [abortable], middlewareMergeStrategy: 'append' };
  }

  /** Runs one request, its failure a KubeRequestError naming the operation (also for operations/). */
  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.assertServerAllowed();
      return await fn();
    } catch (error) {
      const { statusCode, message } = describeError(error);
      throw new KubeRequestError(operation, statusCode, message);
    }
  }

  async version(): Promise<{ gitVersion: string; latencyMs: number }> {
    const started = performance.now();
    const info = await this.call('GET /version', () =>
      this.versionApi.getCode({}, this.requestOptions()),
    );
    // A version string only; anything else an upstream sends is not repeated.
    const version = /^v?\d+\.\d+\.\d+[0-9A-Za-z.+-]{0,64}$/.test(
      String(info?.gitVersion),
    )
      ? info.gitVersion
      : 'unknown';
    return {
      gitVersion: version,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  /** The API server's serving certificate, from a TLS handshake (same networks rule and deadline). */
  async servingCertificate(): Promise<ServingCertificate> {
    const cluster = this.kubeConfig.getCurrentCluster()!;
    return this.call('TLS handshake', () =>
      readServingCertificate({
        server: cluster.server,
        caPem: cluster.caData
          ? Buffer.from(cluster.caData, 'base64').toString()
          : undefined,
        lookup: this.options.networks.lookup,
        signal: this.signal(),
      }),
    );
  }

  /** `GET /readyz?verbose`: the apiserver's own checks, `[+]name ok` / `[-]name failed`. */
  async readyz(): Promise<{
    ok: boolean;
    checks: Array<{ name: string; ok: boolean; message?: string }>;
  }> {
    const url = new URL(
      '/readyz?verbose',
      this.kubeConfig.getCurrentCluster()!.server,
    );
    const opts: RequestOptions = {
      method: 'GET',
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: {},
    };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    opts.lookup = this.options.networks.lookup;
    opts.rejectUnauthorized = true;
    const signal = this.signal();
    const { status, body } = await this.call(
      'GET /readyz',
      () =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpsRequest({ ...opts, signal }, res => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', chunk => {
              data += chunk;
              // /readyz?verbose is a few KB; a larger answer is not an apiserver.
              if (data.length > 65_536)
                res.destroy(new Error('response too large'));
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: data }),
            );
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        }),
    );
    if (status === 401 || status === 403) {
      throw new KubeRequestError('GET /readyz', status, `HTTP ${status}`);
    }
    const checks = body
      .split('\n')
      .map(line => /^\[([+-])\]([^ ]+) (.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .slice(0, 100)
      .map(m => ({
        name: m[2].slice(0, 100),
        ok: m[1] === '+',
        ...(m[1] === '-'
          ? { message: sanitizeUpstreamMessage(m[3]) ?? 'failed' }
          : {}),
      }));
    return { ok: status === 200, checks };
  }

  /** Every page of a LIST; throws if any page fails, so callers never see a partial list. */
  private async listAll<T>(
    operation: string,
    page: (
      cont: string | undefined,
      options: k8s.ConfigurationOptions,
    ) => Promise<{
      items: T[];
      metadata?: { _continue?: string };
    }>,
  ): Promise<T[]> {
    const items: T[] = [];
    const fetchPage = (cont: string | undefined) =>
      this.call(operation, () => page(cont, this.requestOptions()));
    let result = await fetchPage(undefined);
    items.push(...result.items);
    while (result.metadata?._continue) {
      result = await fetchPage(result.metadata._continue);
      items.push(...result.items);
    }
    return items;
  }

  /** A LIST as the start of a watch: every page, and the collection's resourceVersion. */
  private async listSnapshot<T>(
    operation: string,
    page: (
      cont: string | undefined,
      options: k8s.ConfigurationOptions,
    ) => Promise<{
      items: T[];
      metadata?: { _continue?: string; resourceVersion?: string };
    }>,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    let resourceVersion = '';
    const items = await this.listAll<T>(operation, async (cont, options) => {
      const result = await page(cont, options);
      resourceVersion = result.metadata?.resourceVersion ?? resourceVersion;
      return result;
    });
    return { items, resourceVersion };
  }

  listNodesSnapshot() {
    return this.listSnapshot<k8s.V1Node>('LIST nodes', (cont, options) =>
      this.core.listNode({ limit: LIST_PAGE_SIZE, _continue: cont }, options),
    );
  }

  listPodsSnapshot(namespace: string, labelSelector: string) {
    return this.listSnapshot<k8s.V1Pod>(
      `LIST pods in ${namespace}`,
      (cont, options) =>
        this.core.listNamespacedPod(
          { namespace, labelSelector, limit: LIST_PAGE_SIZE, _continue: cont },
          options,
        ),
    );
  }

  /**
   * client-node's Watch on this cluster, with the same rules as every other request: the
   * cluster-networks check on the resolved address and certificate verification.
   */
  watcher(): k8s.Watch {
    this.assertServerAllowed();
    const { networks } = this.options;
    const kc = new k8s.KubeConfig();
    kc.loadFromString(this.kubeConfig.exportConfig());
    const apply = kc.applyToFetchOptions.bind(kc);
    kc.applyToFetchOptions = async opts => {
      const init = await apply(opts);
      const agent = init.agent;
      if (!(agent instanceof HttpsAgent)) {
        throw new Error('only https:// API servers are supported');
      }
      init.agent = new HttpsAgent({
        ...agent.options,
        lookup: networks.lookup,
        rejectUnauthorized: true,
      });
      return init;
    };
    return new k8s.Watch(kc);
  }

  listNodes(): Promise<k8s.V1Node[]> {
    return this.listAll('LIST nodes', (cont, options) =>
      this.core.listNode({ limit: LIST_PAGE_SIZE, _continue: cont }, options),
    );
  }

  listPods(namespace: string, labelSelector: string): Promise<k8s.V1Pod[]> {
    return this.listAll(`LIST pods in ${namespace}`, (cont, options) =>
      this.core.listNamespacedPod(
        { namespace, labelSelector, limit: LIST_PAGE_SIZE, _continue: cont },
        options,
      ),
    );
  }

  listDeployments(labelSelector: string, namespace?: string) {
    return this.listAll<k8s.V1Deployment>('LIST deployments', (cont, options) =>
      namespace
        ? this.apps.listNamespacedDeployment(
            {
              namespace,
              labelSelector,
              limit: LIST_PAGE_SIZE,
              _continue: cont,
            },
            options,
          )
        : this.apps.listDeploymentForAllNamespaces(
            { labelSelector, limit: LIST_PAGE_SIZE, _continue: cont },
            options,
          ),
    );
  }

  listStatefulSets(labelSelector: string, namespace?: string) {
    return this.listAll<k8s.V1StatefulSet>(
      'LIST statefulsets',
      (cont, options) =>
        namespace
          ? this.apps.listNamespacedStatefulSet(
              {
                namespace,
                labelSelector,
                limit: LIST_PAGE_SIZE,
                _continue: cont,
              },
              options,
            )
          : this.apps.listStatefulSetForAllNamespaces(
              { labelSelector, limit: LIST_PAGE_SIZE, _continue: cont },
              options,
            ),
    );
  }

  listDaemonSets(labelSelector: string | undefined, namespace?: string) {
    return this.listAll<k8s.V1DaemonSet>('LIST daemonsets', (cont, options) =>
      namespace
        ? this.apps.listNamespacedDaemonSet(
            {
              namespace,
              labelSelector,
              limit: LIST_PAGE_SIZE,
              _continue: cont,
            },
            options,
          )
        : this.apps.listDaemonSetForAllNamespaces(
            { labelSelector, limit: LIST_PAGE_SIZE, _continue: cont },
            options,
          ),
    );
  }

  /** Gateways or HTTPRoutes kpaas generated (label kpaas.io/addon), in every namespace. */
  listGatewayApiObjects(plural: 'gateways' | 'httproutes'): Promise<any[]> {
    return this.listAll<any>(
      `LIST ${plural}.gateway.networking.k8s.io`,
      (cont, options) =>
        this.custom.listCustomObjectForAllNamespaces(
          {
            group: 'gateway.networking.k8s.io',
            version: 'v1',
            plural,
            labelSelector: 'kpaas.io/addon',
            limit: LIST_PAGE_SIZE,
            _continue: cont,
          },
          options,
        ),
    );
  }

  /** Names of the CRDs whose Established condition is True (one paged LIST). */
  async listEstablishedCrds(): Promise<Set<string>> {
    const crds = await this.listAll<k8s.V1CustomResourceDefinition>(
      'LIST customresourcedefinitions',
      (cont, options) =>
        this.apiext.listCustomResourceDefinition(
          { limit: LIST_PAGE_SIZE, _continue: cont },
          options,
        ),
    );
    return new Set(
      crds
        .filter(crd =>
          crd.status?.conditions?.some(
            c => c.type === 'Established' && c.status === 'True',
          ),
        )
        .map(crd => crd.metadata?.name ?? ''),
    );
  }

  /** GET one workload by name; undefined when it does not exist. */
  async getWorkload(
    kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
    namespace: string,
    name: string,
  ): Promise<
    k8s.V1Deployment | k8s.V1StatefulSet | k8s.V1DaemonSet | undefined
  > {
    try {
      return await this.call<
        k8s.V1Deployment | k8s.V1StatefulSet | k8s.V1DaemonSet
      >(`GET ${kind} ${namespace}/${name}`, () => {
        const options = this.requestOptions();
        if (kind === 'Deployment')
          return this.apps.readNamespacedDeployment(
            { namespace, name },
            options,
          );
        if (kind === 'StatefulSet')
          return this.apps.readNamespacedStatefulSet(
            { namespace, name },
            options,
          );
        return this.apps.readNamespacedDaemonSet({ namespace, name }, options);
      });
    } catch (error) {
      if (error instanceof KubeRequestError && error.statusCode === 404) {
        return undefined;
      }
      throw error;
    }
  }
}
