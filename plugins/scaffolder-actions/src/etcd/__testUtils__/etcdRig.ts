/*
 * Tests only: a cluster's control planes on the SSH rig, as kubeadm leaves them for etcd
 * (client certificate, static pod manifests, /var/lib/etcd), the kpaas-backend stand-in with
 * the cluster registered and its inventory, and a workspace with cluster.yaml.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { execOnNode, startSshNodes, SshNodeRig } from '@internal/kpaas-testkit';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  KpaasBackendStandIn,
  startKpaasBackendStandIn,
} from '../../access/__testUtils__/kpaasBackendStandIn';

export const ETCD_RIG_REPO_URL = 'github.com?owner=Acme&repo=demo-cluster';

/** What kubeadm leaves on a control plane that etcdctl and a restore touch. */
export const KUBEADM_ETCD_FILES = [
  'mkdir -p /etc/kubernetes/pki/etcd /etc/kubernetes/manifests /var/lib/etcd/member/snap',
  'for f in ca.crt healthcheck-client.crt healthcheck-client.key; do echo test > /etc/kubernetes/pki/etcd/$f; done',
  'for p in etcd kube-apiserver kube-controller-manager kube-scheduler; do echo "kind: Pod # $p" > /etc/kubernetes/manifests/$p.yaml; done',
  'echo old-data > /var/lib/etcd/member/snap/db',
].join(' && ');

export interface EtcdRig {
  rig: SshNodeRig;
  backend: KpaasBackendStandIn;
  workspace: string;
  nodes: string[];
  /** Runs a shell command on a node as root. */
  sh(node: string, command: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startEtcdRig(controlPlanes = 3): Promise<EtcdRig> {
  const nodes = Array.from(
    { length: controlPlanes },
    (_, i) => `demo-cp-${i + 1}`,
  );
  const rig = await startSshNodes({ nodes: nodes.map(name => ({ name })) });
  const backend = await startKpaasBackendStandIn();
  backend.registrations.set('demo', {
    name: 'demo',
    repoUrl: ETCD_RIG_REPO_URL,
    createdAt: '2026-12-01T00:00:00.000Z',
  });
  backend.inventories.set(
    'demo',
    nodes.map(name => {
      const n = rig.node(name);
      return {
        name,
        role: 'control-plane' as const,
        address: n.host,
        privateAddress: n.host,
        port: n.port,
        user: 'root',
        hostKeyFingerprint: n.hostKeyFingerprint,
      };
    }),
  );
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-etcd-'));
  fs.writeFileSync(
    path.join(workspace, 'cluster.yaml'),
    [
      'apiVersion: kpaas.io/v1alpha1',
      'kind: Cluster',
      'metadata: {name: demo, owner: "group:default/platform", environment: dev}',
      'spec:',
      '  target: {type: multipass}',
      `  controlPlane: {count: ${controlPlanes}}`,
      '  workers: {count: 1}',
      '  network: {nodeCidr: 10.10.0.0/24, domain: k.test}',
      '',
    ].join('\n'),
  );
  const sh = async (node: string, command: string) => {
    const r = await execOnNode(rig, node, command);
    if (r.code !== 0)
      throw new Error(`${node}: ${command}: exit ${r.code} ${r.stderr}`);
    return String(r.stdout);
  };
  for (const node of nodes) await sh(node, KUBEADM_ETCD_FILES);
  return {
    rig,
    backend,
    workspace,
    nodes,
    sh,
    stop: async () => {
      await backend.close();
      await rig.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps the lines. */
export function captureLogger() {
  const lines: string[] = [];
  const push = (m: unknown) => lines.push(String(m));
  const logger: any = {
    info: push,
    warn: push,
    error: push,
    debug: push,
    child: () => logger,
  };
  return { lines, logger };
}

export { mockServices };
