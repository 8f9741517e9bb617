/*
 * Test harness of kpaas:bootstrap (tests and the bench only): an SSH node rig whose kubeadm
 * stand-in writes an admin.conf for the Kubernetes API stand-in, plus the controllers the
 * stand-in API lacks (kubelet registration and the ServiceAccount token controller, from
 * @internal/kpaas-testkit's startNodeControllers), and a small HTTP server standing in for
 * kpaas-backend's POST /api/kpaas/clusters.
 */
import {
  createKubeadmNamespaces,
  KubeApiStandIn,
  SshNodeRig,
  startKubeApiStandIn,
  startNodeControllers,
  startSshNodes,
} from '@internal/kpaas-testkit';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type {
  InventoryNode,
  RegisterClusterRequest,
} from '@internal/plugin-kpaas-common';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createBootstrapAction } from '../bootstrap';

export const SKELETON_SCRIPTS = path.resolve(
  __dirname,
  '../../../../../templates/kpaas-cluster/skeleton/scripts',
);

/** The cp-deployment pin of the harness (no real archive is downloaded by the rig nodes). */
export const TEST_CP_DEPLOYMENT_SHA256 =
  '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** The repository the harness runs come from (the RepoUrlPicker spelling). */
export const HARNESS_REPO_URL = 'github.com?owner=Acme&repo=demo-cluster';

export interface HarnessNode {
  name: string;
  role: 'control-plane' | 'worker' | 'lb';
}

export interface BootstrapHarness {
  rig: SshNodeRig;
  api: KubeApiStandIn;
  workspace: string;
  registrations: Array<{
    body: RegisterClusterRequest;
    authorization?: string;
  }>;
  /**
   * The stand-in's cluster inventories (kpaas-backend's GET/PUT /clusters/:name/inventory and
   * POST .../host-keys), seeded with {@link BootstrapHarness.inventory} for "demo".
   */
  inventories: Map<string, InventoryNode[]>;
  /** Bodies of POST /clusters/:name/inventory/host-keys. */
  recordedHostKeys: Array<{
    cluster: string;
    hostKeys: Array<{ name: string; fingerprint: string }>;
  }>;
  discovery: {
    getBaseUrl(id: string): Promise<string>;
    getExternalBaseUrl(id: string): Promise<string>;
  };
  auth: ReturnType<typeof mockServices.auth>;
  /** Every rig node as kpaas:provision would store it, with its host key. */
  inventory(): InventoryNode[];
  /** cluster.yaml of an `existing` target with every rig node, or only the nodes named. */
  clusterYaml(only?: string[]): string;
  stop(): Promise<void>;
}

export async function startBootstrapHarness(
  nodes: HarnessNode[],
  env: Record<string, string> = {},
): Promise<BootstrapHarness> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-bootstrap-'));
  const adminConfPath = path.join(base, 'standin-admin.conf');
  const rig = await startSshNodes({
    nodes: nodes.map(n => ({ name: n.name })),
    env: { KPAAS_STANDIN_ADMIN_CONF: adminConfPath, ...env },
  });
  const first = rig.node(nodes[0].name).host;
  const prefix = first.split('.').slice(0, 3).join('.');
  const vip = `${prefix}.200`;
  const api = await startKubeApiStandIn({ host: vip });
  // what a fresh kubeadm cluster has before any node registers
  createKubeadmNamespaces(api);
  await api.writeKubeconfig(adminConfPath);
  // readable by the nodes' root only through this path (the rig's nodes see the host dir)
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(path.join(workspace, 'scripts'), { recursive: true });
  for (const f of fs.readdirSync(SKELETON_SCRIPTS)) {
    // only the node scripts (scripts/addons/ belongs to kpaas:addons)
    if (!fs.statSync(path.join(SKELETON_SCRIPTS, f)).isFile()) continue;
    fs.copyFileSync(
      path.join(SKELETON_SCRIPTS, f),
      path.join(workspace, 'scripts', f),
    );
  }

  const stopControllers = startNodeControllers({ rig, api, nodes });

  const registrations: BootstrapHarness['registrations'] = [];
  const inventories: BootstrapHarness['inventories'] = new Map();
  const recordedHostKeys: BootstrapHarness['recordedHostKeys'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => (body += d));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const inv =
        /^\/api\/kpaas\/clusters\/([^/]+)\/inventory(\/host-keys)?(\?.*)?$/.exec(
          req.url ?? '',
        );
      if (inv) {
        const cluster = decodeURIComponent(inv[1]);
        const stored = inventories.get(cluster);
        if (req.method === 'PUT') {
          inventories.set(cluster, JSON.parse(body).nodes);
          json(200, { cluster, nodes: inventories.get(cluster) });
        } else if (!stored) {
          json(404, {
            error: { name: 'NotFoundError', message: 'no inventory' },
          });
        } else if (req.method === 'GET') {
          json(200, { cluster, nodes: stored, updatedAt: '2026-01-01T00:00:00Z' });
        } else {
          // POST host-keys: a changed key is refused, as kpaas-backend does
          const { hostKeys } = JSON.parse(body) as {
            hostKeys: Array<{ name: string; fingerprint: string }>;
          };
          recordedHostKeys.push({ cluster, hostKeys });
          const changed = hostKeys.filter(k =>
            stored.some(
              n =>
                n.name === k.name &&
                n.hostKeyFingerprint &&
                n.hostKeyFingerprint !== k.fingerprint,
            ),
          );
          if (changed.length) {
            json(409, {
              error: { name: 'ConflictError', message: 'host key changed' },
            });
            return;
          }
          inventories.set(
            cluster,
            stored.map(n => {
              const key = hostKeys.find(k => k.name === n.name);
              return key ? { ...n, hostKeyFingerprint: key.fingerprint } : n;
            }),
          );
          json(200, { cluster, nodes: inventories.get(cluster) });
        }
        return;
      }
      // the run's repo check reads the registration: none until the run registers it
      const one = /^\/api\/kpaas\/clusters\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && one) {
        const found = registrations
          .map(r => r.body)
          .filter(b => b.name === decodeURIComponent(one[1]))
          .pop();
        res.writeHead(found ? 200 : 404, {
          'content-type': 'application/json',
        });
        res.end(
          JSON.stringify(
            found
              ? { ...found, createdAt: '2026-01-01T00:00:00Z' }
              : {
                  error: { name: 'NotFoundError', message: 'no such cluster' },
                },
          ),
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/api/kpaas/clusters') {
        registrations.push({
          body: JSON.parse(body),
          authorization: req.headers.authorization,
        });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: JSON.parse(body).name }));
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as any).port;
  const discovery = {
    getBaseUrl: async (id: string) => `http://127.0.0.1:${port}/api/${id}`,
    getExternalBaseUrl: async (id: string) =>
      `http://127.0.0.1:${port}/api/${id}`,
  };

  const inventory = (): InventoryNode[] =>
    nodes.map(n => {
      const info = rig.node(n.name);
      return {
        name: n.name,
        role: n.role,
        address: info.host,
        port: info.port,
        hostKeyFingerprint: info.hostKeyFingerprint,
      };
    });
  const clusterYaml = (only?: string[]) => {
    const hosts = inventory().filter(n => !only || only.includes(n.name));
    const count = (role: HarnessNode['role']) =>
      hosts.filter(n => n.role === role).length;
    return yaml.stringify({
      apiVersion: 'kpaas.io/v1alpha1',
      kind: 'Cluster',
      metadata: {
        name: 'demo',
        owner: 'group:default/platform',
        environment: 'dev',
      },
      spec: {
        target: {
          type: 'existing',
          hosts: hosts.map(n => ({
            name: n.name,
            role: n.role,
            address: n.address,
            port: n.port,
          })),
        },
        kubernetes: {
          version: 'v1.33.5',
          installer: 'kubeadm',
          containerRuntime: 'containerd',
          cni: 'calico',
        },
        controlPlane: {
          count: count('control-plane'),
          endpoint: hosts.some(n => n.role === 'lb')
            ? { type: 'vip', address: vip, port: api.port }
            : { type: 'lb', address: vip, port: api.port },
        },
        workers: { count: count('worker') },
        network: { nodeCidr: `${prefix}.0/24`, domain: 'kpaas.example.com' },
        access: { sshUser: 'root' },
      },
    });
  };
  fs.writeFileSync(path.join(workspace, 'cluster.yaml'), clusterYaml());
  // what kpaas:provision stores for an existing target: the hosts, with their known keys
  inventories.set('demo', inventory());

  return {
    rig,
    api,
    workspace,
    registrations,
    inventories,
    recordedHostKeys,
    discovery,
    auth: mockServices.auth(),
    inventory,
    clusterYaml,
    async stop() {
      stopControllers();
      server.close();
      await api.close().catch(() => undefined);
      await rig.stop();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Every file under a node's overlay upper dirs (what the node wrote), as [path, content]. */
export function nodeWrittenFiles(
  rig: SshNodeRig,
  name: string,
): Array<[string, string]> {
  const upper = path.join(rig.nodeDir(name), 'upper');
  const out: Array<[string, string]> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile())
        out.push([p.slice(upper.length), fs.readFileSync(p, 'latin1')]);
    }
  };
  if (fs.existsSync(upper)) walk(upper);
  return out;
}

/**
 * Runs kpaas:bootstrap on the harness with the tests' default input (every rig node, root,
 * host keys verified), capturing the log lines. The kpaas-backend stand-in holds the machines
 * provision would have stored: every rig node with its key, or `input.inventory` when given. `signal` goes on the context (the mock context
 * drops it); `sshPrivateKey` replaces the rig's key.
 */
export function runBootstrapAction(
  h: BootstrapHarness,
  input: Record<string, unknown> = {},
  options: {
    signal?: AbortSignal;
    sshPrivateKey?: string;
    permissions?: PermissionsService;
    /** Replaces the harness config (kpaas.actions.downloads pins). */
    config?: ConfigReader;
  } = {},
) {
  const action = createBootstrapAction({
    discovery: h.discovery as any,
    auth: h.auth,
    permissions: options.permissions ?? mockServices.permissions(),
    // kpaas ships no cp-deployment pin (none published); the tests pin a placeholder
    config:
      options.config ??
      new ConfigReader({
        kpaas: {
          actions: {
            downloads: { cpDeployment: { sha256: TEST_CP_DEPLOYMENT_SHA256 } },
          },
        },
      }),
  });
  const lines: string[] = [];
  const push = (m: unknown) => lines.push(String(m));
  const logger: any = {
    info: push,
    warn: push,
    error: push,
    debug: push,
    child: () => logger,
  };
  const { inventory, ...rest } = input as { inventory?: InventoryNode[] };
  h.inventories.set('demo', inventory ?? h.inventory());
  const ctx = createMockActionContext({
    input: {
      repoPath: '.',
      repoUrl: HARNESS_REPO_URL,
      sshUser: 'root',
      trustOnFirstUse: false,
      concurrency: 50,
      connectTimeoutSeconds: 5,
      commandTimeoutSeconds: 60,
      nodeReadyTimeoutSeconds: 20,
      ...rest,
    } as any,
    workspacePath: h.workspace,
    secrets: { sshPrivateKey: options.sshPrivateKey ?? h.rig.privateKey },
    logger,
  } as any);
  if (options.signal) Object.assign(ctx, { signal: options.signal });
  return { ctx, lines, run: () => action.handler(ctx as any) };
}
