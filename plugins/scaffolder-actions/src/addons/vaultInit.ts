import * as k8s from '@kubernetes/client-node';
import { request as httpsRequest, RequestOptions } from 'node:https';
import yaml from 'yaml';
import { StepLogger } from '../ssh';
import { CancelledWaitError, delay } from './cluster';

/*
 * The `VaultInitialization` postInstall step (vault, openbao): initialise the store once, keep
 * the unseal key share(s) and the initial root token in the add-on's credentials Secret, and
 * unseal every sealed server pod. Everything goes through the Kubernetes API server's pod proxy
 * (`/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/v1/sys/…`) with the credentials the action
 * already holds: no `kubectl exec`, no value on a command line or on disk.
 */

export interface VaultInitSpec {
  /** StatefulSet of the server pods (`<name>-0`, `<name>-1`, …) */
  statefulSet: string;
  /** Secret receiving `unseal-key` (and `unseal-key-<n>` for n > 1) and `root-token` */
  secretName: string;
  keyShares: number;
  keyThreshold: number;
  /** Vault's API port (plain HTTP inside the pod: the pack's listener has tls_disable) */
  port: number;
}

/**
 * Defaults: one key share, threshold one. A single-admin platform gains nothing from splitting
 * a key that is then stored in one Secret; production clusters use a KMS/transit seal instead.
 */
export const VAULT_INIT_DEFAULTS = {
  keyShares: 1,
  keyThreshold: 1,
  port: 8200,
};

/** Reads the filled instruction document (values/<id>/post-install/initialization.yaml). */
export function parseVaultInitialization(
  addonId: string,
  text: string,
): VaultInitSpec {
  const doc = yaml.parse(text) as { spec?: Record<string, unknown> } | null;
  const spec = doc?.spec ?? {};
  const str = (field: string): string => {
    const v = spec[field];
    if (typeof v !== 'string' || v === '') {
      throw new Error(
        `${addonId}: VaultInitialization spec.${field} must be a non-empty string`,
      );
    }
    return v;
  };
  const int = (field: string, fallback: number): number => {
    const v = spec[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(
        `${addonId}: VaultInitialization spec.${field} must be a positive integer (got ${JSON.stringify(
          v,
        )})`,
      );
    }
    return v;
  };
  const keyShares = int('keyShares', VAULT_INIT_DEFAULTS.keyShares);
  const keyThreshold = int('keyThreshold', VAULT_INIT_DEFAULTS.keyThreshold);
  if (keyThreshold > keyShares) {
    throw new Error(
      `${addonId}: VaultInitialization spec.keyThreshold (${keyThreshold}) must not exceed spec.keyShares (${keyShares})`,
    );
  }
  return {
    statefulSet: str('statefulSet'),
    secretName: str('secretName'),
    keyShares,
    keyThreshold,
    port: int('port', VAULT_INIT_DEFAULTS.port),
  };
}

export interface VaultInitOptions {
  addonId: string;
  namespace: string;
  spec: VaultInitSpec;
  kubeConfig: k8s.KubeConfig;
  logger: StepLogger;
  /** Registers every key and token before anything could print it */
  addSecret(value: string): void;
  /** Epoch ms: the add-on's own timeout */
  deadline: number;
  signal?: AbortSignal;
  /** First retry interval (default 250 ms), ×1.5 up to 2 s */
  pollMinMs?: number;
}

export interface VaultInitResult {
  /** True when this run initialised the store */
  initialized: boolean;
  /** Pods this run unsealed */
  unsealed: string[];
}

/** A failure that names the add-on, the pod and Vault's (or the proxy's) message. */
export class VaultInitError extends Error {
  constructor(addonId: string, pod: string, message: string) {
    super(`${addonId}: pod ${pod}: ${message}`);
    this.name = 'VaultInitError';
  }
}

interface ProxyAnswer {
  status: number;
  body: any;
  text: string;
}

/** Vault's `{"errors":[…]}`, the apiserver's Status message, or the raw text. */
function answerMessage(a: ProxyAnswer): string {
  if (Array.isArray(a.body?.errors) && a.body.errors.length > 0) {
    return a.body.errors.join('; ');
  }
  if (typeof a.body?.message === 'string') return a.body.message;
  return a.text.trim().slice(0, 300) || `HTTP ${a.status}`;
}

/** 503/502 from the proxy (nothing listens yet) and network errors are worth retrying. */
class RetryableError extends Error {}

export async function initializeVault(
  opts: VaultInitOptions,
): Promise<VaultInitResult> {
  const { addonId, namespace, spec, kubeConfig, logger, signal } = opts;
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
  const server = new URL(kubeConfig.getCurrentCluster()!.server);

  const call = async (
    pod: string,
    method: 'GET' | 'PUT',
    apiPath: string,
    body?: unknown,
  ): Promise<ProxyAnswer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request: RequestOptions = {
      method,
      hostname: server.hostname,
      port: server.port,
      path: `/api/v1/namespaces/${encodeURIComponent(
        namespace,
      )}/pods/${encodeURIComponent(`${pod}:${spec.port}`)}/proxy${apiPath}`,
      headers: {
        Accept: 'application/json',
        ...(payload
          ? {
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(payload),
            }
          : {}),
      },
    };
    await kubeConfig.applyToHTTPSOptions(request);
    let answer: ProxyAnswer;
    try {
      answer = await new Promise<ProxyAnswer>((resolve, reject) => {
        const req = httpsRequest({ ...request, signal }, res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', chunk => {
            text += chunk;
          });
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    } catch (e) {
      if (signal?.aborted) throw new CancelledWaitError();
      throw new RetryableError((e as Error).message);
    }
    if (answer.status === 502 || answer.status === 503) {
      throw new RetryableError(answerMessage(answer));
    }
    if (answer.status < 200 || answer.status >= 300) {
      throw new VaultInitError(
        addonId,
        pod,
        `${method} ${apiPath} answered ${answer.status}: ${answerMessage(
          answer,
        )}`,
      );
    }
    return answer;
  };

  /** Retries `fn` while it fails with RetryableError, until the add-on's deadline. */
  const retrying = async <T>(
    pod: string,
    what: string,
    fn: () => Promise<T>,
  ): Promise<T> => {
    let wait = opts.pollMinMs ?? 250;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof RetryableError)) throw e;
        if (Date.now() >= opts.deadline) {
          throw new VaultInitError(
            addonId,
            pod,
            `${what}: timed out: ${e.message}`,
          );
        }
        await delay(
          Math.min(wait, Math.max(0, opts.deadline - Date.now())),
          signal,
        );
        wait = Math.min(2000, Math.round(wait * 1.5));
      }
    }
  };

  // The server pods: every <statefulSet>-N the StatefulSet asks for, each Running.
  const pods = await retrying(
    `${spec.statefulSet}-0`,
    `waiting for the pods of StatefulSet ${namespace}/${spec.statefulSet}`,
    async () => {
      const sts = await apps.readNamespacedStatefulSet({
        name: spec.statefulSet,
        namespace,
      });
      const replicas = sts.spec?.replicas ?? 1;
      const list = await core.listNamespacedPod({ namespace });
      const names = Array.from(
        { length: replicas },
        (_, i) => `${spec.statefulSet}-${i}`,
      );
      const notRunning = names.filter(
        name =>
          list.items.find(p => p.metadata?.name === name)?.status?.phase !==
          'Running',
      );
      if (notRunning.length > 0) {
        throw new RetryableError(`not running yet: ${notRunning.join(', ')}`);
      }
      return names;
    },
  );
  const first = pods[0];

  const initStatus = await retrying(first, 'GET /v1/sys/init', () =>
    call(first, 'GET', '/v1/sys/init'),
  );
  let initialized = false;
  // Keys in memory for this run: from the init answer, or read from the Secret when needed
  let keys: string[] | undefined;

  const readKeys = async (pod: string): Promise<string[]> => {
    let secret: k8s.V1Secret;
    try {
      secret = await core.readNamespacedSecret({
        name: spec.secretName,
        namespace,
      });
    } catch (e) {
      if ((e as { code?: number }).code === 404) {
        throw new VaultInitError(
          addonId,
          pod,
          `is sealed and initialised, but Secret ${namespace}/${spec.secretName} with its unseal key does not exist (initialised outside kpaas? unseal it by hand or restore the Secret)`,
        );
      }
      throw e;
    }
    const data = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );
    Object.values(data).forEach(v => opts.addSecret(v));
    const found = Object.keys(data)
      .filter(k => /^unseal-key(-\d+)?$/.test(k))
      .sort((a, b) => {
        const n = (k: string) => Number(k.split('-')[2] ?? 1);
        return n(a) - n(b);
      })
      .map(k => data[k]);
    if (found.length === 0) {
      throw new VaultInitError(
        addonId,
        pod,
        `Secret ${namespace}/${spec.secretName} has no key "unseal-key"`,
      );
    }
    return found;
  };

  if (initStatus.body?.initialized !== true) {
    // Never initialise over an existing Secret: it holds the keys of an earlier store (a
    // reinstall that dropped the volume) and overwriting it would lose them.
    const existing = await core
      .readNamespacedSecret({ name: spec.secretName, namespace })
      .then(
        () => true,
        e => {
          if ((e as { code?: number }).code === 404) return false;
          throw e;
        },
      );
    if (existing) {
      throw new VaultInitError(
        addonId,
        first,
        `is not initialised, but Secret ${namespace}/${spec.secretName} already exists (keys of an earlier store?); move it away and re-run to initialise`,
      );
    }
    const answer = await call(first, 'PUT', '/v1/sys/init', {
      secret_shares: spec.keyShares,
      secret_threshold: spec.keyThreshold,
    });
    const newKeys: string[] = answer.body?.keys_base64 ?? answer.body?.keys;
    const rootToken: string = answer.body?.root_token;
    [...(answer.body?.keys ?? []), ...(answer.body?.keys_base64 ?? [])].forEach(
      (v: string) => opts.addSecret(v),
    );
    if (typeof rootToken === 'string') opts.addSecret(rootToken);
    if (!Array.isArray(newKeys) || newKeys.length === 0 || !rootToken) {
      throw new VaultInitError(
        addonId,
        first,
        'PUT /v1/sys/init answered without keys or root token',
      );
    }
    const data: Record<string, string> = { 'root-token': rootToken };
    newKeys.forEach((k, i) => {
      data[i === 0 ? 'unseal-key' : `unseal-key-${i + 1}`] = k;
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: spec.secretName,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'kpaas' },
        },
        type: 'Opaque',
        data: Object.fromEntries(
          Object.entries(data).map(([k, v]) => [
            k,
            Buffer.from(v).toString('base64'),
          ]),
        ),
      },
    });
    keys = newKeys;
    initialized = true;
    logger.info(
      `${addonId}: initialised (${spec.keyShares} key share${
        spec.keyShares === 1 ? '' : 's'
      }, threshold ${
        spec.keyThreshold
      }); unseal key and root token stored in Secret ${namespace}/${
        spec.secretName
      }`,
    );
  }

  const unsealed: string[] = [];
  for (const pod of pods) {
    const status = await retrying(pod, 'GET /v1/sys/seal-status', () =>
      call(pod, 'GET', '/v1/sys/seal-status'),
    );
    if (status.body?.sealed === false) continue;
    keys ??= await readKeys(pod);
    let sealed = true;
    let progressNote = '';
    for (const key of keys) {
      if (signal?.aborted) throw new CancelledWaitError();
      const answer = await retrying(pod, 'PUT /v1/sys/unseal', () =>
        call(pod, 'PUT', '/v1/sys/unseal', { key }),
      );
      sealed = answer.body?.sealed !== false;
      progressNote = `progress ${answer.body?.progress ?? '?'}/${
        answer.body?.t ?? '?'
      }`;
      if (!sealed) break;
    }
    if (sealed) {
      throw new VaultInitError(
        addonId,
        pod,
        `still sealed after ${keys.length} unseal key(s) (${progressNote}); does Secret ${namespace}/${spec.secretName} hold enough key shares?`,
      );
    }
    unsealed.push(pod);
  }
  logger.info(
    unsealed.length > 0
      ? `${addonId}: unsealed ${unsealed.join(', ')}`
      : `${addonId}: initialised and unsealed (${pods.join(', ')})`,
  );
  return { initialized, unsealed };
}
