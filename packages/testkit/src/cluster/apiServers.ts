/*
 * The control planes' own kube-apiservers, for tests that reconfigure them on the SSH node rig
 * (tests only). The Kubernetes API stand-in plays the cluster behind the load-balanced endpoint;
 * this plays what the kubelet does with each control plane's static pod manifest
 * (/etc/kubernetes/manifests/kube-apiserver.yaml, written by the kubeadm stand-in):
 *  - an HTTPS /readyz at the node's address and port 6443 (kube-apiserver's bind port), with a
 *    serving certificate for "kubernetes" from the stand-in's CA, as kubeadm issues it;
 *  - the mirror pod kube-system/kube-apiserver-<node> with the manifest's config hash;
 *  - when the manifest changes, the old process keeps answering until the kubelet notices
 *    (`noticeMs`), then a restart: /readyz fails for `restartMs`, then the mirror pod carries
 *    the new hash and /readyz answers ok again. A node in `down` never comes back.
 *  - kube-system/kubeadm-config from the ClusterConfiguration the kubeadm stand-in was given
 *    (init, then `init phase upload-config kubeadm`), as kubeadm stores it.
 * Start it after the nodes' first bootstrap (the port preflight of a fresh node fails while
 * something listens on 6443).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createServer, Server } from 'node:https';
import yaml from 'yaml';
import { KubeApiStandIn } from '../kube';
import { SshNodeRig } from '../ssh';

/** kube-apiserver's bind port in kubeadm's InitConfiguration. */
export const KUBE_APISERVER_PORT = 6443;
const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const STATE = '/var/lib/kpaas-standins';
const CONFIG_FILES = [
  `${STATE}/kubeadm-init-config.yaml`,
  `${STATE}/kubeadm-upload-config.yaml`,
];

export interface ControlPlaneApiServersOptions {
  rig: SshNodeRig;
  api: KubeApiStandIn;
  controlPlanes: string[];
  /** How long a restart keeps /readyz failing (default 300 ms). */
  restartMs?: number;
  /** How long the old kube-apiserver keeps answering after its manifest changed (default 0). */
  noticeMs?: number;
  /** Poll interval of the manifests (default 50 ms). */
  intervalMs?: number;
}

export interface ControlPlaneApiServers {
  /** Nodes whose kube-apiserver does not come back after its next restart (or now). */
  down: Set<string>;
  /** /readyz answers per node, newest last. */
  readyzLog: Array<{ node: string; status: number; at: number }>;
  /** Restarts done (the new kube-apiserver is up), newest last. */
  restarts: Array<{ node: string; at: number }>;
  stop(): Promise<void>;
}

const hashOf = (text: string) =>
  createHash('sha256').update(text).digest('hex').slice(0, 32);

export async function startControlPlaneApiServers(
  options: ControlPlaneApiServersOptions,
): Promise<ControlPlaneApiServers> {
  const { rig, api } = options;
  const restartMs = options.restartMs ?? 300;
  const noticeMs = options.noticeMs ?? 0;
  const down = new Set<string>();
  const readyzLog: ControlPlaneApiServers['readyzLog'] = [];
  const restarts: ControlPlaneApiServers['restarts'] = [];
  const state = new Map<
    string,
    { manifestHash?: string; changedAt: number; podHash?: string }
  >();
  /** The old process until the kubelet notices, nothing while it restarts, then the new one. */
  const ready = (node: string, now: number) => {
    const s = state.get(node)!;
    if (s.podHash === undefined) return false;
    if (s.podHash === s.manifestHash) return !down.has(node);
    return now < s.changedAt + noticeMs;
  };
  const serving = api.issueServingCert(['kubernetes']);
  const servers: Server[] = [];
  for (const node of options.controlPlanes) {
    state.set(node, { changedAt: 0 });
    const server = createServer(
      { key: serving.keyPem, cert: serving.certPem },
      (req, res) => {
        const status = req.url?.startsWith('/readyz')
          ? ready(node, Date.now())
            ? 200
            : 500
          : 404;
        readyzLog.push({ node, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(
          status === 200
            ? 'ok'
            : '[-]etcd failed: reason withheld\nreadyz check failed',
        );
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(KUBE_APISERVER_PORT, rig.node(node).host, () => resolve());
    });
    servers.push(server);
  }

  const upsert = (obj: any) => {
    const existing = api.store.get({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    } as any);
    if (existing) {
      api.store.update({
        ...obj,
        metadata: { ...(existing as any).metadata, ...obj.metadata },
      });
    } else api.store.create(obj);
  };
  const mirrorPod = (node: string, hash: string) =>
    upsert({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `kube-apiserver-${node}`,
        namespace: 'kube-system',
        labels: { component: 'kube-apiserver', tier: 'control-plane' },
        annotations: { 'kubernetes.io/config.hash': hash },
      },
      spec: {
        nodeName: node,
        containers: [{ name: 'kube-apiserver', image: 'kube-apiserver' }],
      },
    });
  const configSeen = new Map<string, string>();
  const tick = () => {
    const now = Date.now();
    for (const node of options.controlPlanes) {
      const s = state.get(node)!;
      const file = rig.nodeFilePath(node, MANIFEST);
      if (file) {
        const hash = hashOf(fs.readFileSync(file, 'utf8'));
        if (s.manifestHash === undefined) {
          s.manifestHash = hash;
          s.podHash = hash;
          mirrorPod(node, hash);
        } else if (hash !== s.manifestHash) {
          s.manifestHash = hash;
          s.changedAt = now;
        }
        if (
          s.podHash !== s.manifestHash &&
          now >= s.changedAt + noticeMs + restartMs &&
          !down.has(node)
        ) {
          s.podHash = s.manifestHash;
          mirrorPod(node, s.podHash!);
          restarts.push({ node, at: now });
        }
      }
      for (const path of CONFIG_FILES) {
        const f = rig.nodeFilePath(node, path);
        if (!f) continue;
        // every upload writes kubeadm-config, also with the same content
        const stamp = String(fs.statSync(f).mtimeMs);
        const key = `${node}:${path}`;
        if (configSeen.get(key) === stamp) continue;
        configSeen.set(key, stamp);
        const text = fs.readFileSync(f, 'utf8');
        const cluster = yaml
          .parseAllDocuments(text)
          .map(d => d.toJS())
          .find(d => d?.kind === 'ClusterConfiguration');
        if (!cluster) continue;
        upsert({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
          data: { ClusterConfiguration: yaml.stringify(cluster) },
        });
      }
    }
  };
  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, options.intervalMs ?? 50);
  tick();
  return {
    down,
    readyzLog,
    restarts,
    async stop() {
      clearInterval(timer);
      await Promise.all(
        servers.map(
          s =>
            new Promise<void>(r => {
              s.closeAllConnections?.();
              s.close(() => r());
            }),
        ),
      );
    },
  };
}
