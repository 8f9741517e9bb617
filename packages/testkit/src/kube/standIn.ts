/*
 * The Kubernetes API stand-in: an HTTPS server on a loopback address that
 * real clients (kubectl, @kubernetes/client-node, client-go) accept as a
 * cluster. For tests, benchmarks and the local demo only.
 */
import { DEFAULT_KUBERNETES_VERSION } from '@internal/plugin-kpaas-common';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { Authenticator, TokenIdentity } from './auth';
import { versionInfo } from './discovery';
import {
  Fault,
  FaultInjector,
  FaultSpec,
  RequestCountFilter,
  RequestLog,
  RequestLogEntry,
} from './faults';
import { HealthChecks } from './health';
import {
  KubeconfigCredentials,
  KubeconfigOptions,
  buildKubeconfig,
} from './kubeconfig';
import {
  CustomResourceSpec,
  ResourceDefinition,
  ResourceRegistry,
} from './resources';
import { ProxyHandler, ProxyKind, ProxyRegistry, ProxyTarget } from './proxy';
import { KubeApiRouter } from './router';
import { KubeStore } from './store';
import { CertificateAuthority, IssuedCertificate } from './tls';
import { FixtureObjects, KubeObject } from './types';
import {
  daemonSetStatus,
  deploymentStatus,
  podRunningStatus,
  statefulSetStatus,
  withNodeReady,
} from './workloadStatus';

export interface KubeApiStandInOptions {
  /** Loopback address to listen on (127.0.0.0/8 only). Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Objects to load before serving. */
  fixture?: FixtureObjects;
  /** Extra bearer tokens. An admin token is always added (see `adminToken`). */
  tokens?: Record<string, TokenIdentity>;
  /** Use this admin token instead of a random one. */
  adminToken?: string;
  /** Reported by /version (default: kpaas's DEFAULT_KUBERNETES_VERSION). */
  kubernetesVersion?: string;
  /** Change events kept for resuming watches (default 10000). */
  watchHistorySize?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Serve /version and health endpoints to unauthenticated clients (default true). */
  anonymousHealth?: boolean;
}

export interface KubeApiStandIn {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the serving and client certificates. */
  readonly caPem: string;
  /** Bearer token of `kubernetes-admin` (groups `kubeadm:cluster-admins`, `system:masters`). */
  readonly adminToken: string;
  readonly store: KubeStore;
  readonly registry: ResourceRegistry;
  readonly faults: FaultInjector;
  readonly health: HealthChecks;
  /** Every request served, newest last (method, path, verb, resource, status, …). */
  readonly requestLog: RequestLog;
  /** Request counts per `"<verb> <path pattern>"`. */
  stats(): Record<string, number>;
  /** Number of logged requests matching a filter, e.g. `{ verb: 'list', resource: 'nodes' }`. */
  countRequests(filter?: RequestCountFilter): number;
  registerCustomResource(spec: CustomResourceSpec): ResourceDefinition;
  addToken(token: string, identity: TokenIdentity): void;
  issueClientCert(user: string, groups?: string[]): IssuedCertificate;
  /** A serving certificate for `dnsNames` signed by the cluster CA (`caPem`). */
  issueServingCert(dnsNames: string[]): IssuedCertificate;
  kubeconfigYaml(options?: KubeconfigOptions): string;
  /** Writes a kubeconfig (mode 0600), creating parent directories; resolves to the path. */
  writeKubeconfig(path: string, options?: KubeconfigOptions): Promise<string>;
  /** Flips a node's Ready condition (and the not-ready/unreachable taints). */
  setNodeReady(name: string, ready: boolean, reason?: string): KubeObject;
  setDeploymentReady(
    namespace: string,
    name: string,
    ready: boolean,
  ): KubeObject;
  setStatefulSetReady(
    namespace: string,
    name: string,
    ready: boolean,
  ): KubeObject;
  setDaemonSetReady(
    namespace: string,
    name: string,
    ready: boolean,
  ): KubeObject;
  setPodReady(namespace: string, name: string, ready: boolean): KubeObject;
  /**
   * Serves `/api/v1/namespaces/{ns}/{pods|services}/{name}:{port}/proxy/…` with `handler`
   * (e.g. a fake of the workload's HTTP API; `req.url` is the path below `/proxy`). The object
   * must exist in the store (else 404); without a handler the proxy answers 503. Returns an
   * unregister function.
   */
  registerProxy(target: ProxyTarget, handler: ProxyHandler): () => void;
  /** Stops the server, ends watches and drops hung requests. Idempotent. */
  close(): Promise<void>;
}

export const ADMIN_USER = 'kubernetes-admin';
const ADMIN_GROUPS = ['kubeadm:cluster-admins', 'system:masters'];

/** Throws unless `host` is an IPv4 loopback address. */
export function assertLoopbackHost(host: string): void {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m || m.slice(1).some(part => Number(part) > 255)) {
    throw new Error(
      `The Kubernetes API stand-in only listens on IPv4 loopback addresses (127.x.y.z); refusing ${JSON.stringify(
        host,
      )}`,
    );
  }
}

export async function startKubeApiStandIn(
  options: KubeApiStandInOptions = {},
): Promise<KubeApiStandIn> {
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);

  const registry = new ResourceRegistry();
  const store = new KubeStore(registry, {
    watchHistorySize: options.watchHistorySize,
  });
  if (options.fixture) store.load(options.fixture);

  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const auth = new Authenticator({
    ...(options.tokens ?? {}),
    [adminToken]: { user: ADMIN_USER, groups: ADMIN_GROUPS },
  });
  const ca = new CertificateAuthority();
  const serving = ca.issueServingCert(host);
  const faults = new FaultInjector();
  const health = new HealthChecks();
  const requestLog = new RequestLog();
  const proxies = new ProxyRegistry();
  let port = 0;

  const router = new KubeApiRouter({
    registry,
    store,
    auth,
    health,
    faults,
    log: requestLog,
    version: versionInfo(
      options.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    ),
    serverAddress: () => `${host}:${port}`,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    anonymousHealth: options.anonymousHealth ?? true,
    proxies,
  });

  const server = createServer(
    {
      key: serving.keyPem,
      cert: serving.certPem,
      ca: [ca.caPem],
      // Ask for client certificates but let bearer-token clients in too;
      // the authenticator checks `socket.authorized`.
      requestCert: true,
      rejectUnauthorized: false,
    },
    router.handle,
  );
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // TLS handshake errors (e.g. a client that distrusts the CA) are the client's problem.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `https://${host}:${port}`;

  const credentialsFor = (
    opts: KubeconfigOptions,
  ): { userName: string; credentials: KubeconfigCredentials } => {
    if (opts.clientCertificate) {
      const issued = ca.issueClientCert(
        opts.clientCertificate.user,
        opts.clientCertificate.groups ?? [],
      );
      return { userName: opts.clientCertificate.user, credentials: issued };
    }
    if (opts.token)
      return {
        userName: opts.user ?? 'token-user',
        credentials: { token: opts.token },
      };
    const wanted = !opts.user || opts.user === 'admin' ? ADMIN_USER : opts.user;
    const token = wanted === ADMIN_USER ? adminToken : auth.tokenOf(wanted);
    if (!token)
      throw new Error(
        `No token is configured for user ${JSON.stringify(wanted)}`,
      );
    return { userName: wanted, credentials: { token } };
  };

  const kubeconfigYaml = (opts: KubeconfigOptions = {}) => {
    const { userName, credentials } = credentialsFor(opts);
    return buildKubeconfig({
      server: url,
      caPem: ca.caPem,
      clusterName: opts.clusterName ?? 'kpaas-stand-in',
      userName,
      credentials,
      namespace: opts.namespace,
    });
  };

  const statusWrite = {
    scope: 'status' as const,
    fieldManager: 'kpaas-testkit',
  };
  const requireObject = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ) => {
    const obj = store.get({ apiVersion, kind, name, namespace });
    if (!obj)
      throw new Error(
        `${kind} ${
          namespace ? `${namespace}/` : ''
        }${name} does not exist in the stand-in`,
      );
    return obj;
  };
  const countNodes = () =>
    store.list({ apiVersion: 'v1', kind: 'Node' }).length;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>(resolve => {
      router.close();
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  return {
    url,
    host,
    port,
    caPem: ca.caPem,
    adminToken,
    store,
    registry,
    faults,
    health,
    requestLog,
    stats: () => requestLog.stats(),
    countRequests: filter => requestLog.count(filter),
    registerCustomResource: spec => registry.registerCustomResource(spec),
    addToken: (token, identity) => auth.addToken(token, identity),
    issueClientCert: (user, groups = []) => ca.issueClientCert(user, groups),
    issueServingCert: dnsNames => ca.issueServingCertFor(dnsNames),
    kubeconfigYaml,
    writeKubeconfig: async (path, opts = {}) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, kubeconfigYaml(opts), { mode: 0o600 });
      return path;
    },
    setNodeReady(name, ready, reason) {
      const node = requireObject('v1', 'Node', name);
      // Taints live in spec, conditions in status: one programmatic write covers both.
      return store.update(withNodeReady(node, ready, reason));
    },
    setDeploymentReady(namespace, name, ready) {
      const d = requireObject('apps/v1', 'Deployment', name, namespace);
      return store.update(
        { ...d, status: deploymentStatus(d, ready) },
        statusWrite,
      );
    },
    setStatefulSetReady(namespace, name, ready) {
      const s = requireObject('apps/v1', 'StatefulSet', name, namespace);
      return store.update(
        { ...s, status: statefulSetStatus(s, ready) },
        statusWrite,
      );
    },
    setDaemonSetReady(namespace, name, ready) {
      const ds = requireObject('apps/v1', 'DaemonSet', name, namespace);
      const desired =
        (ds.status?.desiredNumberScheduled as number | undefined) ??
        countNodes();
      return store.update(
        { ...ds, status: daemonSetStatus(ds, desired, ready) },
        statusWrite,
      );
    },
    setPodReady(namespace, name, ready) {
      const pod = requireObject('v1', 'Pod', name, namespace);
      const status = podRunningStatus(
        pod,
        ready,
        pod.status?.hostIP,
        pod.status?.podIP,
        pod.status?.startTime,
      );
      return store.update({ ...pod, status }, statusWrite);
    },
    registerProxy: (target, handler) => proxies.register(target, handler),
    close,
  };
}

export type {
  Fault,
  FaultSpec,
  RequestLogEntry,
  TokenIdentity,
  ProxyHandler,
  ProxyKind,
  ProxyTarget,
};
