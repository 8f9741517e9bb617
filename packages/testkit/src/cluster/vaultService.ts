/*
 * Vault as the vault (or openbao) add-on runs it on a stand-in cluster (tests and benchmarks
 * only): every pod `<statefulSet>-<n>` that appears in the namespace serves Vault's sys API
 * behind the Kubernetes API stand-in's pod proxy (`/api/v1/namespaces/<ns>/pods/<pod>:8200/proxy/
 * v1/sys/…`), which is how kpaas:addons' VaultInitialization step reaches it. One storage for all
 * pods (as Raft shares it), one seal per pod: `PUT /v1/sys/init` hands out Shamir key shares and a
 * root token once, `PUT /v1/sys/unseal` unseals a pod after `threshold` distinct shares (hex or
 * base64, as Vault accepts them). Pods start sealed; a pod recreated under the same name (new uid)
 * is sealed again, as a restarted Vault server is.
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiStandIn } from '../kube';

export interface VaultServiceOptions {
  /** Default `vault` (values/addons.yaml vault). */
  namespace?: string;
  /** Default `vault`: its pods are `vault-0`, `vault-1`, … */
  statefulSet?: string;
  /** Default 8200. */
  port?: number;
  /** Poll interval for new pods (default 50 ms). */
  intervalMs?: number;
}

export interface VaultService {
  /** True once `PUT /v1/sys/init` succeeded. */
  readonly initialized: boolean;
  /** The root token handed out by init (undefined before). */
  readonly rootToken: string | undefined;
  /** Whether a pod is sealed (undefined for a pod not served). */
  sealed(pod: string): boolean | undefined;
  /** Every request served: `<pod> <METHOD> <path>`. */
  readonly calls: readonly string[];
  stop(): void;
}

export function startVaultService(
  api: KubeApiStandIn,
  options: VaultServiceOptions = {},
): VaultService {
  const namespace = options.namespace ?? 'vault';
  const statefulSet = options.statefulSet ?? 'vault';
  const port = options.port ?? 8200;
  const podName = new RegExp(`^${statefulSet}-\\d+$`);
  const served = new Map<string, { uid: string; unregister: () => void }>();
  const sealed = new Map<string, boolean>();
  const progress = new Map<string, Set<string>>();
  const calls: string[] = [];
  let keys: Buffer[] = [];
  let threshold = 0;
  let rootToken: string | undefined;

  const handler =
    (pod: string) => (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', chunk => {
        raw += chunk;
      });
      req.on('end', () => {
        calls.push(`${pod} ${req.method} ${req.url}`);
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        let body: any = {};
        try {
          body = raw ? JSON.parse(raw) : {};
        } catch {
          send(400, { errors: ['failed to parse JSON input'] });
          return;
        }
        const sealStatus = () => ({
          type: 'shamir',
          initialized: rootToken !== undefined,
          sealed: sealed.get(pod),
          t: threshold,
          n: keys.length,
          progress: progress.get(pod)!.size,
          version: '1.20.4',
        });
        const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
        if (route === 'GET /v1/sys/init') {
          send(200, { initialized: rootToken !== undefined });
        } else if (route === 'PUT /v1/sys/init') {
          if (rootToken !== undefined) {
            send(400, { errors: ['Vault is already initialized'] });
            return;
          }
          const shares = Number(body.secret_shares);
          const t = Number(body.secret_threshold);
          if (!(shares >= 1) || !(t >= 1) || t > shares) {
            send(400, {
              errors: [
                'invalid seal configuration: threshold must be between 1 and the number of shares',
              ],
            });
            return;
          }
          threshold = t;
          keys = Array.from({ length: shares }, () => randomBytes(32));
          rootToken = `hvs.${randomBytes(12).toString('hex')}`;
          send(200, {
            keys: keys.map(k => k.toString('hex')),
            keys_base64: keys.map(k => k.toString('base64')),
            root_token: rootToken,
          });
        } else if (route === 'GET /v1/sys/seal-status') {
          send(200, sealStatus());
        } else if (route === 'PUT /v1/sys/unseal') {
          if (rootToken === undefined) {
            send(400, { errors: ['Vault is not initialized'] });
            return;
          }
          const given = String(body.key ?? '');
          const match = keys.find(
            k => k.toString('hex') === given || k.toString('base64') === given,
          );
          if (!match) {
            send(400, {
              errors: [
                'Error unsealing: crypto/aes: invalid key size; unseal key is invalid',
              ],
            });
            return;
          }
          progress.get(pod)!.add(match.toString('hex'));
          if (progress.get(pod)!.size >= threshold) {
            sealed.set(pod, false);
            progress.set(pod, new Set());
          }
          send(200, sealStatus());
        } else if (route === 'GET /v1/sys/health') {
          const initialized = rootToken !== undefined;
          send(!initialized ? 501 : sealed.get(pod) ? 503 : 200, {
            initialized,
            sealed: sealed.get(pod),
            standby: false,
          });
        } else {
          send(404, { errors: [] });
        }
      });
    };

  const tick = () => {
    const pods = api.store
      .list({ apiVersion: 'v1', kind: 'Pod', namespace } as any)
      .filter(p => podName.test(p.metadata!.name!));
    const live = new Set<string>();
    for (const pod of pods) {
      const name = pod.metadata!.name!;
      const uid = pod.metadata!.uid!;
      live.add(name);
      const current = served.get(name);
      if (current?.uid === uid) continue;
      current?.unregister();
      sealed.set(name, true);
      progress.set(name, new Set());
      served.set(name, {
        uid,
        unregister: api.registerProxy(
          { namespace, kind: 'pods', name, port },
          handler(name),
        ),
      });
    }
    for (const [name, s] of served) {
      if (live.has(name)) continue;
      s.unregister();
      served.delete(name);
    }
  };
  tick();
  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, options.intervalMs ?? 50);

  return {
    get initialized() {
      return rootToken !== undefined;
    },
    get rootToken() {
      return rootToken;
    },
    sealed: pod => (served.has(pod) ? sealed.get(pod) : undefined),
    calls,
    stop() {
      clearInterval(timer);
      for (const s of served.values()) s.unregister();
      served.clear();
    },
  };
}
