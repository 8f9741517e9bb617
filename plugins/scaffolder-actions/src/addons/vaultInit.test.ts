import * as k8s from '@kubernetes/client-node';
import { KubeApiStandIn, startKubeApiStandIn } from '@internal/kpaas-testkit';
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { loadAddonPlan } from './load';
import { AddonCluster, CancelledWaitError } from './cluster';
import { RemoteShell } from './remoteShell';
import { installAddons } from './waves';
import {
  VaultInitSpec,
  initializeVault,
  parseVaultInitialization,
} from './vaultInit';

/**
 * An in-memory Vault behind the stand-in's pod proxy: one storage (as Raft shares it) and a
 * seal per pod; init hands out key shares and a root token, unseal needs `threshold` distinct
 * shares. Counts every request per pod and path.
 */
class FakeVault {
  initialized = false;
  keys: string[] = [];
  rootToken = '';
  threshold = 0;
  readonly sealed = new Map<string, boolean>();
  readonly progress = new Map<string, Set<string>>();
  readonly calls: string[] = [];
  /** Next answer of this pod is this error (status, Vault error text) */
  failNext = new Map<string, { status: number; error: string }>();

  constructor(pods: string[]) {
    pods.forEach(p => this.restart(p));
  }

  restart(pod: string) {
    this.sealed.set(pod, true);
    this.progress.set(pod, new Set());
  }

  handler(pod: string) {
    return (req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', c => {
        raw += c;
      });
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        this.calls.push(`${pod} ${req.method} ${req.url}`);
        const fail = this.failNext.get(pod);
        if (fail) {
          this.failNext.delete(pod);
          send(fail.status, { errors: [fail.error] });
          return;
        }
        const body = raw ? JSON.parse(raw) : {};
        const sealStatus = () => ({
          type: 'shamir',
          initialized: this.initialized,
          sealed: this.sealed.get(pod),
          t: this.threshold,
          n: this.keys.length,
          progress: this.progress.get(pod)!.size,
        });
        if (req.method === 'GET' && req.url === '/v1/sys/init') {
          send(200, { initialized: this.initialized });
        } else if (req.method === 'PUT' && req.url === '/v1/sys/init') {
          if (this.initialized) {
            send(400, { errors: ['Vault is already initialized'] });
            return;
          }
          this.initialized = true;
          this.threshold = body.secret_threshold;
          this.keys = Array.from({ length: body.secret_shares }, () =>
            randomBytes(32).toString('base64'),
          );
          this.rootToken = `hvs.${randomBytes(12).toString('hex')}`;
          send(200, {
            keys: this.keys.map(k => Buffer.from(k, 'base64').toString('hex')),
            keys_base64: this.keys,
            root_token: this.rootToken,
          });
        } else if (req.method === 'GET' && req.url === '/v1/sys/seal-status') {
          send(200, sealStatus());
        } else if (req.method === 'PUT' && req.url === '/v1/sys/unseal') {
          if (!this.initialized) {
            send(400, { errors: ['Vault is not initialized'] });
            return;
          }
          if (!this.keys.includes(body.key)) {
            send(400, {
              errors: [
                'Error unsealing: crypto/aes: invalid key size; unseal key is invalid',
              ],
            });
            return;
          }
          this.progress.get(pod)!.add(body.key);
          if (this.progress.get(pod)!.size >= this.threshold) {
            this.sealed.set(pod, false);
            this.progress.set(pod, new Set());
          }
          send(200, sealStatus());
        } else {
          send(404, { errors: [] });
        }
      });
    };
  }

  count(method: string, apiPath: string) {
    return this.calls.filter(c => c.endsWith(` ${method} ${apiPath}`)).length;
  }
}

const NS = 'vault';
const PODS = ['vault-0', 'vault-1', 'vault-2'];
const SPEC: VaultInitSpec = {
  statefulSet: 'vault',
  secretName: 'vault-init',
  keyShares: 1,
  keyThreshold: 1,
  port: 8200,
};

describe('VaultInitialization through the pod proxy', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  let vault: FakeVault;
  let unregister: Array<() => void>;
  let lines: string[];
  const logger = {
    info: (m: string) => lines.push(`info ${m}`),
    warn: (m: string) => lines.push(`warn ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
  };
  const masked = new Set<string>();

  beforeAll(async () => {
    standIn = await startKubeApiStandIn();
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
  });
  afterAll(() => standIn.close());

  beforeEach(() => {
    lines = [];
    masked.clear();
    for (const obj of [
      ...standIn.store.list({ apiVersion: 'v1', kind: 'Pod', namespace: NS }),
      ...standIn.store.list({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: NS,
      }),
      ...standIn.store.list({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        namespace: NS,
      }),
    ]) {
      standIn.store.delete({
        apiVersion: obj.apiVersion!,
        kind: obj.kind!,
        name: obj.metadata!.name!,
        namespace: NS,
      });
    }
    if (!standIn.store.get({ apiVersion: 'v1', kind: 'Namespace', name: NS })) {
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NS },
      });
    }
    standIn.store.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'vault', namespace: NS },
      spec: {
        replicas: PODS.length,
        selector: { matchLabels: { app: 'vault' } },
        serviceName: 'vault-internal',
        template: {
          metadata: { labels: { app: 'vault' } },
          spec: { containers: [{ name: 'vault', image: 'hashicorp/vault' }] },
        },
      },
    });
    for (const [i, name] of PODS.entries()) {
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS, labels: { app: 'vault' } },
        spec: { containers: [{ name: 'vault', image: 'hashicorp/vault' }] },
        status: { phase: 'Running', podIP: `10.244.0.${10 + i}` },
      });
    }
    vault = new FakeVault(PODS);
    unregister = PODS.map(pod =>
      standIn.registerProxy(
        { namespace: NS, kind: 'pods', name: pod, port: 8200 },
        vault.handler(pod),
      ),
    );
  });
  afterEach(() => unregister.forEach(u => u()));

  const run = (
    spec = SPEC,
    extra: { deadlineMs?: number; signal?: AbortSignal } = {},
  ) =>
    initializeVault({
      addonId: 'vault',
      namespace: NS,
      spec,
      kubeConfig: kc,
      logger,
      addSecret: v => masked.add(v),
      deadline: Date.now() + (extra.deadlineMs ?? 5000),
      signal: extra.signal,
      pollMinMs: 20,
    });

  const readSecret = async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const s = await core.readNamespacedSecret({
      name: 'vault-init',
      namespace: NS,
    });
    return Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );
  };

  it('initialises once, stores key and root token in the Secret, unseals every pod; values are never logged', async () => {
    const result = await run();
    expect(result).toEqual({ initialized: true, unsealed: PODS });
    expect(vault.count('PUT', '/v1/sys/init')).toBe(1);
    expect(PODS.map(p => vault.sealed.get(p))).toEqual([false, false, false]);

    const data = await readSecret();
    expect(data).toEqual({
      'unseal-key': vault.keys[0],
      'root-token': vault.rootToken,
    });
    // every value was registered for masking, and none of them (nor its hex form) was logged
    expect(masked).toEqual(
      new Set([
        vault.keys[0],
        Buffer.from(vault.keys[0], 'base64').toString('hex'),
        vault.rootToken,
      ]),
    );
    const logged = lines.join('\n');
    for (const value of masked) expect(logged).not.toContain(value);
    expect(logged).toContain(
      'vault: initialised (1 key share, threshold 1); unseal key and root token stored in Secret vault/vault-init',
    );
    expect(logged).toContain('vault: unsealed vault-0, vault-1, vault-2');
    // through the apiserver's pod proxy only
    expect(
      standIn.countRequests({
        pattern: '/api/v1/namespaces/{namespace}/pods/{name}/proxy',
      }),
    ).toBeGreaterThan(0);
  });

  it('a re-run never re-initialises: it unseals only the pods that restarted sealed', async () => {
    await run();
    const keys = [...vault.keys];
    const token = vault.rootToken;
    vault.restart('vault-1');
    vault.calls.length = 0;
    lines = [];
    masked.clear();

    const result = await run();
    expect(result).toEqual({ initialized: false, unsealed: ['vault-1'] });
    expect(vault.count('PUT', '/v1/sys/init')).toBe(0);
    expect(vault.calls.filter(c => c.includes('unseal'))).toEqual([
      'vault-1 PUT /v1/sys/unseal',
    ]);
    expect(vault.keys).toEqual(keys);
    expect(await readSecret()).toEqual({
      'unseal-key': keys[0],
      'root-token': token,
    });
    // keys read back from the Secret are masked too
    expect(masked.has(keys[0])).toBe(true);
    expect(masked.has(token)).toBe(true);
    expect(lines.join('\n')).not.toContain(keys[0]);

    // all unsealed: nothing to do
    vault.calls.length = 0;
    expect(await run()).toEqual({ initialized: false, unsealed: [] });
    expect(vault.calls.every(c => / GET /.test(c))).toBe(true);
  });

  it('splits the key into shares and unseals with the threshold', async () => {
    const result = await run({ ...SPEC, keyShares: 5, keyThreshold: 3 });
    expect(result.initialized).toBe(true);
    const data = await readSecret();
    expect(Object.keys(data).sort()).toEqual([
      'root-token',
      'unseal-key',
      'unseal-key-2',
      'unseal-key-3',
      'unseal-key-4',
      'unseal-key-5',
    ]);
    expect(PODS.every(p => vault.sealed.get(p) === false)).toBe(true);
    expect(vault.count('PUT', '/v1/sys/unseal')).toBe(3 * PODS.length);
  });

  it("reports Vault's error with the add-on and the pod", async () => {
    await run();
    vault.restart('vault-2');
    // the Secret's key no longer matches (e.g. restored from another cluster)
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.patchNamespacedSecret(
      {
        name: 'vault-init',
        namespace: NS,
        body: {
          data: {
            'unseal-key': Buffer.from('bm90LXRoZS1rZXk=').toString('base64'),
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await expect(run()).rejects.toThrow(
      'vault: pod vault-2: PUT /v1/sys/unseal answered 400: Error unsealing: crypto/aes: invalid key size; unseal key is invalid',
    );

    vault.failNext.set('vault-0', {
      status: 500,
      error: 'internal error: storage is read-only',
    });
    await expect(run()).rejects.toThrow(
      'vault: pod vault-0: GET /v1/sys/init answered 500: internal error: storage is read-only',
    );
  });

  it('refuses to initialise over an existing Secret (keys of an earlier store)', async () => {
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vault-init', namespace: NS },
      data: { 'unseal-key': Buffer.from('old').toString('base64') },
    });
    await expect(run()).rejects.toThrow(
      /vault: pod vault-0: is not initialised, but Secret vault\/vault-init already exists/,
    );
    expect(vault.initialized).toBe(false);
  });

  it('names the pod that never answers, within the add-on timeout', async () => {
    unregister[1]();
    await expect(run(SPEC, { deadlineMs: 300 })).rejects.toThrow(
      /^vault: pod vault-1: GET \/v1\/sys\/seal-status: timed out: error trying to reach service: dial tcp 10\.244\.0\.11:8200: connect: connection refused$/,
    );
  });

  it('waits for the pods and stops when the task is cancelled', async () => {
    standIn.store.delete({
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'vault-2',
      namespace: NS,
    });
    const controller = new AbortController();
    const pending = run(SPEC, {
      deadlineMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(CancelledWaitError);
    expect(vault.count('PUT', '/v1/sys/init')).toBe(0);
  });

  it('reads the instruction of the values pack and rejects bad settings', () => {
    expect(
      parseVaultInitialization(
        'openbao',
        'kind: VaultInitialization\nspec:\n  statefulSet: openbao\n  secretName: openbao-init\n',
      ),
    ).toEqual({
      statefulSet: 'openbao',
      secretName: 'openbao-init',
      keyShares: 1,
      keyThreshold: 1,
      port: 8200,
    });
    expect(() =>
      parseVaultInitialization(
        'vault',
        'spec: {statefulSet: vault, secretName: s, keyShares: 1, keyThreshold: 2}',
      ),
    ).toThrow(
      'vault: VaultInitialization spec.keyThreshold (2) must not exceed spec.keyShares (1)',
    );
    expect(() =>
      parseVaultInitialization('vault', 'spec: {secretName: s}'),
    ).toThrow(
      'vault: VaultInitialization spec.statefulSet must be a non-empty string',
    );
  });
  it('kpaas:addons runs it for a deployed, healthy release ("current"), and fails the add-on with the pod and Vault\'s error', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-vault-'));
    fs.writeFileSync(
      path.join(workspace, 'cluster.yaml'),
      yaml.stringify({
        apiVersion: 'kpaas.io/v1alpha1',
        kind: 'Cluster',
        metadata: {
          name: 'lab',
          owner: 'group:default/platform',
          environment: 'dev',
        },
        spec: {
          target: {
            type: 'existing',
            hosts: [
              {
                name: 'lab-cp-1',
                role: 'control-plane',
                address: '10.10.0.11',
              },
              { name: 'lab-worker-1', role: 'worker', address: '10.10.0.21' },
            ],
          },
          kubernetes: { version: 'v1.33.5' },
          controlPlane: { count: 1 },
          workers: { count: 1 },
          network: {
            nodeCidr: '10.10.0.0/24',
            ingressIp: '10.10.0.199',
            domain: 'lab.example.com',
          },
          addons: [{ id: 'vault' }],
        },
      }),
    );
    const plan = loadAddonPlan(
      {
        input: {
          repoPath: '.',
        } as any,
        workspacePath: workspace,
      },
      {},
      '10.10.0.11',
    );
    fs.rmSync(workspace, { recursive: true, force: true });
    expect(plan.addons.map(a => a.id)).toEqual(['vault']);
    // the chart is deployed and its workloads are ready (the readiness probe accepts sealed)
    standIn.setStatefulSetReady(NS, 'vault', true);
    if (
      !standIn.store.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'vault-agent-injector',
        namespace: NS,
      })
    ) {
      standIn.store.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'vault-agent-injector', namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'injector' } },
          template: {
            metadata: { labels: { app: 'injector' } },
            spec: { containers: [{ name: 'i', image: 'i' }] },
          },
        },
      });
    }
    standIn.setDeploymentReady(NS, 'vault-agent-injector', true);
    const shell: RemoteShell = {
      exec: async command => ({
        stdout: command.startsWith('helm list')
          ? JSON.stringify([
              {
                name: 'vault',
                namespace: NS,
                status: 'deployed',
                chart: `vault-${plan.addons[0].version}`,
              },
            ])
          : '',
        exitCode: 0,
        lastLines: [],
      }),
      upload: async p => p,
      remove: async () => {},
      readFile: async () => Buffer.from(''),
    };
    const results = await installAddons({
      plan,
      shell,
      cluster: new AddonCluster(kc, { pollMaxMs: 50 }),
      logger,
      hooks: { checkpoint: o => o.fn(), addSecret: v => masked.add(v) },
      concurrency: 1,
      timeoutMs: 5000,
      workDir: '.kpaas/test',
    });
    expect(results).toEqual([
      { id: 'vault', status: 'current', chartVersion: plan.addons[0].version },
    ]);
    expect(vault.count('PUT', '/v1/sys/init')).toBe(1);
    expect(PODS.every(p => vault.sealed.get(p) === false)).toBe(true);
    expect((await readSecret())['root-token']).toBe(vault.rootToken);
    expect(lines.join('\n')).not.toContain(vault.rootToken);
    expect(lines.join('\n')).not.toMatch(/not automated/);

    // a Vault failure fails the add-on with the pod in the reason
    vault.failNext.set('vault-0', { status: 500, error: 'barrier is broken' });
    const failed = await installAddons({
      plan,
      shell,
      cluster: new AddonCluster(kc, { pollMaxMs: 50 }),
      logger,
      hooks: { checkpoint: o => o.fn(), addSecret: v => masked.add(v) },
      concurrency: 1,
      timeoutMs: 5000,
      workDir: '.kpaas/test',
    });
    expect(failed[0]).toMatchObject({
      id: 'vault',
      status: 'failed',
      reason:
        'vault: pod vault-0: GET /v1/sys/init answered 500: barrier is broken',
    });
  });
});
