import * as k8s from '@kubernetes/client-node';
import {
  AddonReadiness,
  ExpectedGatewayApiObject,
  GATEWAY_API_VERSION,
  GatewayApiObservation,
  WorkloadKind,
  WorkloadObservation,
  evaluateAddonReadiness,
  observeGatewayApiObject,
  observeWorkload,
} from '@internal/plugin-kpaas-common';
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { diagnosePods } from './diagnose';
import { PlannedAddonInstall } from './plan';

/*
 * Everything kpaas:addons does through the Kubernetes API: namespaces, generated credentials,
 * server-side apply of post-install manifests, CRD and readiness waits (polling with backoff,
 * never sleeps of a fixed length), and the diagnosis when an add-on does not become ready.
 */

export const FIELD_MANAGER = 'kpaas';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kpaas' };
/** Marks namespaces kpaas:addons created, the only ones its uninstall may delete. */
export const CREATED_BY_ANNOTATION = 'kpaas.io/created-by';
const CREATED_BY_VALUE = 'kpaas-addons';

export class CancelledWaitError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledWaitError';
  }
}

export class NotReadyError extends Error {
  constructor(readonly addonId: string, readonly reason: string) {
    super(`${addonId} is not ready: ${reason}`);
    this.name = 'NotReadyError';
  }
}

function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Waits `ms`; rejects with CancelledWaitError when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledWaitError());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledWaitError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const ALPHANUMERIC =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumerics from crypto.randomBytes (rejection sampling: no modulo bias). */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHANUMERIC[b % 62];
    }
  }
  return out;
}

/** The value of one generated credential key (values/README.md, "Credentials"). */
export function generateCredential(key: string): string {
  if (key === 'username' || key === 'admin-user') return 'admin';
  if (key === 'secretKey') return randomAlphanumeric(16);
  return randomAlphanumeric(32);
}

export interface AddonClusterOptions {
  signal?: AbortSignal;
  /** First poll interval (default 250 ms), grows ×1.5 up to `pollMaxMs` (default 2 s). */
  pollMinMs?: number;
  pollMaxMs?: number;
}

/** Kubernetes API operations of the add-on installer. */
export class AddonCluster {
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  readonly apiext: k8s.ApiextensionsV1Api;
  readonly objects: k8s.KubernetesObjectApi;
  /** The admin kubeconfig (in memory), for calls the typed clients do not cover (pod proxy) */
  readonly kubeConfig: k8s.KubeConfig;
  readonly signal?: AbortSignal;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;

  constructor(kc: k8s.KubeConfig, options: AddonClusterOptions = {}) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.apiext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.kubeConfig = kc;
    this.signal = options.signal;
    this.pollMinMs = options.pollMinMs ?? 250;
    this.pollMaxMs = options.pollMaxMs ?? 2000;
  }

  /** Polls `check` until it returns a value or the deadline passes (then `onTimeout`). */
  private async poll<T>(
    deadline: number,
    check: () => Promise<T | undefined>,
    onTimeout: () => Promise<Error>,
  ): Promise<T> {
    let wait = this.pollMinMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() >= deadline) throw await onTimeout();
      await delay(
        Math.min(wait, Math.max(0, deadline - Date.now())),
        this.signal,
      );
      wait = Math.min(this.pollMaxMs, Math.round(wait * 1.5));
    }
  }

  /** Creates the namespace (marked as kpaas:addons') unless it exists. */
  async ensureNamespace(name: string): Promise<'created' | 'exists'> {
    try {
      await this.core.readNamespace({ name });
      return 'exists';
    } catch (e) {
      if (statusCode(e) !== 404) throw e;
    }
    try {
      await this.core.createNamespace({
        body: {
          metadata: {
            name,
            labels: { ...MANAGED_BY },
            annotations: { [CREATED_BY_ANNOTATION]: CREATED_BY_VALUE },
          },
        },
      });
      return 'created';
    } catch (e) {
      if (statusCode(e) === 409) return 'exists';
      throw e;
    }
  }

  /**
   * The add-on's credentials Secret: created with generated values only when absent (never
   * rotated by a re-run). Resolves to its data (in memory only) and whether it was created.
   */
  async ensureCredentials(ref: {
    secretName: string;
    namespace: string;
    keys: string[];
  }): Promise<{ data: Record<string, string>; created: boolean }> {
    const decode = (data?: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]),
      );
    try {
      const existing = await this.core.readNamespacedSecret({
        name: ref.secretName,
        namespace: ref.namespace,
      });
      return { data: decode(existing.data), created: false };
    } catch (e) {
      if (statusCode(e) !== 404) throw e;
    }
    const values = Object.fromEntries(
      ref.keys.map(k => [k, generateCredential(k)]),
    );
    try {
      await this.core.createNamespacedSecret({
        namespace: ref.namespace,
        body: {
          metadata: {
            name: ref.secretName,
            namespace: ref.namespace,
            labels: { ...MANAGED_BY },
          },
          type: 'Opaque',
          data: Object.fromEntries(
            Object.entries(values).map(([k, v]) => [
              k,
              Buffer.from(v).toString('base64'),
            ]),
          ),
        },
      });
      return { data: values, created: true };
    } catch (e) {
      // created concurrently by another run: use that one
      if (statusCode(e) !== 409) throw e;
      const existing = await this.core.readNamespacedSecret({
        name: ref.secretName,
        namespace: ref.namespace,
      });
      return { data: decode(existing.data), created: false };
    }
  }

  /**
   * bcrypt (`$2y$`, cost 10) of a credential, computed once and kept in the Secret as
   * `<key>.bcrypt` so upgrades render the same hash.
   */
  async ensureBcrypt(
    ref: { secretName: string; namespace: string },
    data: Record<string, string>,
    key: string,
  ): Promise<string> {
    const stored = data[`${key}.bcrypt`];
    if (stored) return stored;
    const plain = data[key];
    if (plain === undefined) {
      throw new Error(
        `Secret ${ref.namespace}/${ref.secretName} has no key "${key}"`,
      );
    }
    const hash = bcrypt.hashSync(plain, 10).replace(/^\$2[ab]\$/, '$2y$');
    await this.core.patchNamespacedSecret(
      {
        name: ref.secretName,
        namespace: ref.namespace,
        body: {
          data: { [`${key}.bcrypt`]: Buffer.from(hash).toString('base64') },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    data[`${key}.bcrypt`] = hash;
    return hash;
  }

  /**
   * Server-side apply (field manager `kpaas`, force), retried with backoff while the kind is not
   * served yet (CRD just installed) or its webhook is not answering.
   */
  async apply(obj: k8s.KubernetesObject, deadline: number): Promise<void> {
    let lastError: unknown;
    await this.poll(
      deadline,
      async () => {
        try {
          await this.objects.patch(
            obj,
            undefined,
            undefined,
            FIELD_MANAGER,
            true,
            k8s.PatchStrategy.ServerSideApply,
          );
          return true;
        } catch (e) {
          const code = statusCode(e);
          // 404: kind not served yet; 5xx: webhook not ready. Anything else is final.
          if (
            code === 404 ||
            (code !== undefined && code >= 500) ||
            code === undefined
          ) {
            lastError = e;
            return undefined;
          }
          throw e;
        }
      },
      async () =>
        new Error(
          `cannot apply ${obj.kind} ${
            obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''
          }${obj.metadata?.name}: ${
            (lastError as Error)?.message ?? 'timed out'
          }`,
        ),
    );
  }

  /** True when the object exists (used to re-apply only what a re-run is missing). */
  async exists(obj: k8s.KubernetesObject): Promise<boolean> {
    try {
      await this.objects.read(obj as any);
      return true;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }

  /** Waits until every named CRD is Established. */
  async waitCrdsEstablished(names: string[], deadline: number): Promise<void> {
    let pending = [...names];
    await this.poll(
      deadline,
      async () => {
        const established = await this.establishedCrds(pending);
        pending = pending.filter(name => !established.has(name));
        return pending.length === 0 ? true : undefined;
      },
      async () =>
        new Error(
          `CRDs not established: ${pending.join(
            ', ',
          )} (is the add-on that installs them ready?)`,
        ),
    );
  }

  private namespacesOf(addon: PlannedAddonInstall): string[] {
    return [
      ...new Set([
        addon.namespace,
        ...addon.definition.readiness.map(r => r.namespace ?? addon.namespace),
      ]),
    ];
  }

  /** The workloads readiness is judged on (every Deployment/StatefulSet/DaemonSet of the add-on's namespaces). */
  async observe(addon: PlannedAddonInstall): Promise<WorkloadObservation[]> {
    const out: WorkloadObservation[] = [];
    for (const namespace of this.namespacesOf(addon)) {
      const [deployments, statefulSets, daemonSets] = await Promise.all([
        this.apps.listNamespacedDeployment({ namespace }),
        this.apps.listNamespacedStatefulSet({ namespace }),
        this.apps.listNamespacedDaemonSet({ namespace }),
      ]);
      const add = (kind: WorkloadKind, items: any[]) =>
        items.forEach(i => out.push(observeWorkload(kind, i)));
      add('Deployment', deployments.items);
      add('StatefulSet', statefulSets.items);
      add('DaemonSet', daemonSets.items);
    }
    return out;
  }

  /**
   * Which of `names` are CRDs whose Established condition is True (one GET per name; an add-on
   * requires a handful, so this is cheaper than listing every CRD of the cluster).
   */
  async establishedCrds(names: readonly string[]): Promise<Set<string>> {
    const established = new Set<string>();
    await Promise.all(
      names.map(async name => {
        try {
          const crd = await this.apiext.readCustomResourceDefinition({ name });
          if (
            crd.status?.conditions?.some(
              c => c.type === 'Established' && c.status === 'True',
            )
          ) {
            established.add(name);
          }
        } catch (e) {
          if (statusCode(e) !== 404) throw e;
        }
      }),
    );
    return established;
  }

  /** The add-on's Gateway API objects as the cluster reports them (absent ones left out). */
  async observeGatewayApi(
    expected: readonly ExpectedGatewayApiObject[],
  ): Promise<GatewayApiObservation[]> {
    const found = await Promise.all(
      expected.map(async e => {
        try {
          const obj = await this.objects.read({
            apiVersion: GATEWAY_API_VERSION,
            kind: e.kind,
            metadata: { name: e.name, namespace: e.namespace },
          });
          return [observeGatewayApiObject(e.kind, obj as any)];
        } catch (err) {
          // 404: the object, or its kind (CRDs not installed yet), does not exist
          if (statusCode(err) === 404) return [];
          throw err;
        }
      }),
    );
    return found.flat();
  }

  /**
   * Readiness as the status API judges it (kpaas-common's evaluateAddonReadiness), with the
   * add-on's requiresCrds observed: a CRDs-only add-on (istio-base) is Healthy once they are
   * Established. With `routes`, also its Gateway API objects (plan.gatewayApiObjects): the
   * Gateway Programmed, the HTTPRoute Accepted with ResolvedRefs.
   */
  async readiness(
    addon: PlannedAddonInstall,
    options: { routes?: boolean } = {},
  ): Promise<AddonReadiness> {
    const required = addon.definition.requiresCrds ?? [];
    const expected = options.routes ? addon.gatewayApiObjects : [];
    const [observed, establishedCrds, gatewayApi] = await Promise.all([
      this.observe(addon),
      required.length > 0 ? this.establishedCrds(required) : undefined,
      expected.length > 0 ? this.observeGatewayApi(expected) : undefined,
    ]);
    return evaluateAddonReadiness(addon.definition, observed, {
      establishedCrds,
      gatewayApi: gatewayApi && { expected, observed: gatewayApi },
    });
  }

  /** LoadBalancer Services of the add-on's release and their assigned addresses. */
  async loadBalancers(
    addon: PlannedAddonInstall,
  ): Promise<Array<{ name: string; ip?: string }>> {
    const services = await this.core.listNamespacedService({
      namespace: addon.namespace,
      labelSelector: addon.release
        ? `app.kubernetes.io/instance=${addon.release}`
        : undefined,
    });
    return services.items
      .filter(s => s.spec?.type === 'LoadBalancer')
      .map(s => ({
        name: s.metadata?.name ?? '?',
        ip:
          s.status?.loadBalancer?.ingress?.[0]?.ip ??
          s.status?.loadBalancer?.ingress?.[0]?.hostname,
      }));
  }

  /** The first concrete reason the add-on's pods are not running, if any is visible. */
  async diagnose(addon: PlannedAddonInstall): Promise<string | undefined> {
    for (const namespace of this.namespacesOf(addon)) {
      const [pods, events] = await Promise.all([
        this.core.listNamespacedPod({ namespace }),
        this.core
          .listNamespacedEvent({ namespace })
          .catch(() => ({ items: [] })),
      ]);
      const own = pods.items.filter(
        p =>
          namespace !== addon.namespace ||
          !addon.release ||
          p.metadata?.labels?.['app.kubernetes.io/instance'] === addon.release,
      );
      const cause = diagnosePods(own as any[], events.items as any[]);
      if (cause) return cause;
    }
    return undefined;
  }

  /**
   * Waits until the add-on is Healthy and, when it exposes a LoadBalancer, every such Service
   * has an address. With `routes` (after its manifests are applied), its Gateway API objects
   * count too. On timeout: NotReadyError with the first concrete cause.
   */
  async waitReady(
    addon: PlannedAddonInstall,
    deadline: number,
    options: { routes?: boolean } = {},
  ): Promise<AddonReadiness> {
    let last: AddonReadiness | undefined;
    let lbPending: string[] = [];
    return this.poll(
      deadline,
      async () => {
        last = await this.readiness(addon, options);
        if (last.state !== 'Healthy') return undefined;
        if (addon.definition.exposesLoadBalancer) {
          lbPending = (await this.loadBalancers(addon))
            .filter(s => !s.ip)
            .map(s => s.name);
          if (lbPending.length > 0) return undefined;
        }
        return last;
      },
      async () => {
        const cause = await this.diagnose(addon).catch(() => undefined);
        const reason =
          cause ??
          (last?.state === 'Healthy' && lbPending.length > 0
            ? `LoadBalancer Service ${lbPending.join(
                ', ',
              )} has no address (is MetalLB's pool applied and does it have free addresses?)`
            : last?.reason ?? last?.state ?? 'not observed');
        return new NotReadyError(addon.id, reason);
      },
    );
  }

  /** True when kpaas:addons created the namespace (its annotation). */
  async isNamespaceCreatedByKpaas(name: string): Promise<boolean> {
    try {
      const ns = await this.core.readNamespace({ name });
      return (
        ns.metadata?.annotations?.[CREATED_BY_ANNOTATION] === CREATED_BY_VALUE
      );
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }

  /** Deletes a namespace only when kpaas:addons created it. */
  async deleteNamespaceIfCreatedByKpaas(name: string): Promise<boolean> {
    try {
      const ns = await this.core.readNamespace({ name });
      if (
        ns.metadata?.annotations?.[CREATED_BY_ANNOTATION] !== CREATED_BY_VALUE
      )
        return false;
      await this.core.deleteNamespace({ name });
      return true;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }
}
