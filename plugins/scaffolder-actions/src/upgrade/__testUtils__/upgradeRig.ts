/*
 * Tests and the rolling-upgrade bench only: a running kubeadm cluster on the SSH node rig at a
 * given version (the bootstrap harness: kubeadm stand-in, Kubernetes API stand-in, the node
 * controller that registers Nodes with the kubelet they run, the kpaas-backend stand-in with the
 * cluster registered), its packages installed and held as node prep leaves them, and a runner
 * of kpaas:upgrade on it.
 */
import { execOnNode, SshNodeStandinCall } from '@internal/kpaas-testkit';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import yaml from 'yaml';
import {
  BootstrapHarness,
  HARNESS_REPO_URL,
  HarnessNode,
  startBootstrapHarness,
} from '../../actions/__testUtils__/bootstrapHarness';
import { createUpgradeAction } from '../../actions/upgrade';

export interface UpgradeRig {
  h: BootstrapHarness;
  nodes: HarnessNode[];
  /** Runs a shell command on a node as root (throws on a non-zero exit). */
  sh(node: string, command: string): Promise<string>;
  /** Sets spec.kubernetes.version of the workspace's cluster.yaml. */
  setVersion(version: string): void;
  /** The kubelet version the Node object of `node` reports. */
  nodeVersion(node: string): string | undefined;
  /** Stand-in calls of a node since `mark()` (or all). */
  callsSince(node: string, marks?: Map<string, number>): SshNodeStandinCall[];
  /** The current length of every node's call log. */
  mark(): Map<string, number>;
  stop(): Promise<void>;
}

const ETCD_FILES = [
  'mkdir -p /etc/kubernetes/pki/etcd /var/lib/etcd/member/snap',
  'for f in ca.crt healthcheck-client.crt healthcheck-client.key; do echo test > /etc/kubernetes/pki/etcd/$f; done',
  'echo data > /var/lib/etcd/member/snap/db',
  // one key in the member (what the etcdctl stand-in's get/snapshot read)
  "printf '/registry/namespaces/default\\tdefault\\n' > /var/lib/etcd/member/kpaas-keys",
].join(' && ');

/**
 * `controlPlanes` + `workers` rig nodes running Kubernetes `version` (packages installed and
 * held, kubeadm init on the first control plane, join on the others), every Node registered.
 */
export async function startUpgradeRig(opts: {
  controlPlanes: number;
  workers: number;
  version: string;
  env?: Record<string, string>;
}): Promise<UpgradeRig> {
  const nodes: HarnessNode[] = [
    ...Array.from({ length: opts.controlPlanes }, (_, i) => ({
      name: `demo-cp-${i + 1}`,
      role: 'control-plane' as const,
    })),
    ...Array.from({ length: opts.workers }, (_, i) => ({
      name: `demo-worker-${i + 1}`,
      role: 'worker' as const,
    })),
  ];
  const h = await startBootstrapHarness(nodes, opts.env ?? {});
  try {
    const sh = async (node: string, command: string) => {
      const r = await execOnNode(h.rig, node, command);
      if (r.code !== 0)
        throw new Error(`${node}: ${command}: exit ${r.code} ${r.stderr}`);
      return String(r.stdout);
    };
    const pkg = `${opts.version.replace(/^v/, '')}-1.1`;
    const minor = opts.version
      .replace(/^v/, '')
      .split('.')
      .slice(0, 2)
      .join('.');
    const prep = [
      'mkdir -p /etc/apt/sources.list.d',
      `echo "deb [signed-by=/etc/apt/keyrings/kubernetes.asc] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /" > /etc/apt/sources.list.d/kubernetes.list`,
      `apt-get install -y -q kubelet=${pkg} kubeadm=${pkg} kubectl=${pkg} >/dev/null`,
      'apt-mark hold kubelet kubeadm kubectl >/dev/null',
    ].join(' && ');
    const [first, ...rest] = nodes;
    await sh(first.name, `${prep} && ${ETCD_FILES} && kubeadm init >/dev/null`);
    const join = (cp: boolean) =>
      `kubeadm join ${
        h.rig.node(first.name).host
      }:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00${
        cp ? ' --control-plane' : ''
      } >/dev/null`;
    const limit = pLimit(10);
    await Promise.all(
      rest.map(n =>
        limit(() =>
          sh(
            n.name,
            `${prep} && ${
              n.role === 'control-plane' ? `${ETCD_FILES} && ` : ''
            }${join(n.role === 'control-plane')}`,
          ),
        ),
      ),
    );
    // the cluster is registered from its repository (what bootstrap's POST left)
    h.registrations.push({
      body: { name: 'demo', repoUrl: HARNESS_REPO_URL } as any,
    });
    const nodeVersion = (node: string) =>
      (
        h.api.store.get({
          apiVersion: 'v1',
          kind: 'Node',
          name: node,
        } as any) as any
      )?.status?.nodeInfo?.kubeletVersion;
    // every Node registered (the node controller polls the rig)
    const deadline = Date.now() + 60_000;
    while (nodes.some(n => nodeVersion(n.name) !== opts.version)) {
      if (Date.now() > deadline)
        throw new Error('the rig nodes did not register as Nodes in 60 s');
      await new Promise(r => setTimeout(r, 100));
    }
    const setVersion = (version: string) => {
      const file = path.join(h.workspace, 'cluster.yaml');
      const doc = yaml.parse(fs.readFileSync(file, 'utf8'));
      doc.spec.kubernetes.version = version;
      fs.writeFileSync(file, yaml.stringify(doc));
    };
    setVersion(opts.version);
    const mark = () =>
      new Map(nodes.map(n => [n.name, h.rig.calls(n.name).length]));
    return {
      h,
      nodes,
      sh,
      setVersion,
      nodeVersion,
      mark,
      callsSince: (node, marks) =>
        h.rig.calls(node).slice(marks?.get(node) ?? 0),
      stop: () => h.stop(),
    };
  } catch (e) {
    await h.stop();
    throw e;
  }
}

/** Runs kpaas:upgrade on the rig with the tests' defaults, capturing the log lines. */
export function runUpgradeAction(
  rig: UpgradeRig,
  input: Record<string, unknown> = {},
  options: {
    permissions?: PermissionsService;
    isDryRun?: boolean;
    signal?: AbortSignal;
  } = {},
) {
  const action = createUpgradeAction({
    discovery: rig.h.discovery as any,
    auth: rig.h.auth,
    permissions: options.permissions ?? mockServices.permissions(),
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
  // a task context as the scaffolder gives one (also usable outside jest: the bench)
  const out: Record<string, any> = {};
  const ctx = {
    input: {
      repoPath: '.',
      repoUrl: HARNESS_REPO_URL,
      sshUser: 'root',
      readyTimeoutSeconds: 30,
      drainTimeoutSeconds: 30,
      ...input,
    },
    workspacePath: rig.h.workspace,
    secrets: { sshPrivateKey: rig.h.rig.privateKey },
    logger,
    isDryRun: options.isDryRun ?? false,
    signal: options.signal,
    task: { id: 'upgrade-task' },
    output: (key: string, value: unknown) => {
      out[key] = value;
    },
    checkpoint: async (o: { key: string; fn: () => Promise<unknown> }) =>
      o.fn(),
    getInitiatorCredentials: async () =>
      mockCredentials.user('user:default/platform-admin'),
    createTemporaryDirectory: async () => rig.h.workspace,
  };
  return {
    ctx,
    lines,
    outputs: () => out,
    run: () => action.handler(ctx as any),
  };
}
