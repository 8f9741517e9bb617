import { InputError } from '@backstage/errors';
import {
  ClusterSpec,
  DerivedEndpoints,
  deriveEndpoints,
  deriveInventory,
  InventoryNode,
} from '@internal/plugin-kpaas-common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readClusterInventory } from '../backendClient';
import { KnownHosts, readTaskPrivateKey } from '../ssh';
import { loadClusterRepo } from '../core/loadClusterRepo';
import type { BootstrapContext } from './context';
import { missingPin } from './downloads';
import { checkKpaasCpInventory, checkKpaasCpSpec } from './kpaasCp';
import { checkInventory } from './plan';

/** Scripts (from the cluster repo's scripts/) that are uploaded to every node. */
export const NODE_SCRIPTS = [
  'lib.sh',
  'preflight.sh',
  'node-prep.sh',
  'lb.sh',
  'kubeadm-init.sh',
  'join-credentials.sh',
  'kubeadm-join.sh',
  'cni.sh',
  'kpaas-cp.sh',
  'kubeadm-reconfigure.sh',
];

export interface NodeScript {
  name: string;
  content: Buffer;
  mode: number;
}

/**
 * Endpoint type host without a written address (Multipass: DHCP) is only known once the machines
 * exist: the API is the first control-plane node of the inventory kpaas:provision stored, the
 * same host kpaas:provision put into its apiServerUrl.
 */
export function endpointsWithInventory(
  endpoints: DerivedEndpoints,
  inventory: InventoryNode[],
): DerivedEndpoints {
  if (endpoints.apiServerHost || endpoints.apiEndpointType !== 'host') {
    return endpoints;
  }
  const firstCp = inventory.find(n => n.role === 'control-plane');
  if (!firstCp?.address) return endpoints;
  return {
    ...endpoints,
    apiServerHost: firstCp.address,
    apiServerUrl: `https://${firstCp.address}:${endpoints.apiServerPort}`,
    pending: [],
  };
}

function kpaasCpNotReady(problems: string[]): InputError {
  return new InputError(
    `cluster.yaml is not ready for installer kpaas-cp:\n${problems
      .map(p => `  - ${p}`)
      .join('\n')}`,
  );
}

/** Reads and validates everything in the workspace and the task that can be checked first. */
export async function loadPlan(ctx: BootstrapContext) {
  const { input } = ctx;
  // cluster.yaml with the add-on catalog: an add-on conflict is refused before any node is touched
  const { dir: repo, spec } = loadClusterRepo({
    workspacePath: ctx.workspacePath,
    repoPath: input.repoPath,
  });
  const { downloads } = ctx.downloads;
  const downloadProblems = [
    ...ctx.downloads.problems,
    ...(spec.spec.kubernetes.installer === 'kpaas-cp'
      ? [missingPin(downloads.cpDeployment, 'cpDeployment')]
      : [
          missingPin(downloads.helm.amd64, 'helm.amd64'),
          missingPin(downloads.helm.arm64, 'helm.arm64'),
        ]),
  ].filter((p): p is string => Boolean(p));
  if (downloadProblems.length) {
    throw new InputError(
      `the node downloads are not pinned:\n${downloadProblems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
  }
  if (spec.spec.kubernetes.installer === 'kpaas-cp') {
    const problems = checkKpaasCpSpec(spec);
    if (problems.length) throw kpaasCpNotReady(problems);
  }
  const scripts: NodeScript[] = [];
  for (const name of NODE_SCRIPTS) {
    try {
      scripts.push({
        name,
        content: await fs.readFile(path.join(repo, 'scripts', name)),
        mode: 0o755,
      });
    } catch {
      throw new InputError(
        `repoPath: scripts/${name} is missing in "${input.repoPath}"; the cluster repo must contain the kpaas node scripts (templates/kpaas-cluster/skeleton/scripts)`,
      );
    }
  }
  // the scaffolder's Secret field is a single-line input: readTaskPrivateKey restores the lines
  const privateKey = readTaskPrivateKey(ctx.secrets);
  let knownHosts: KnownHosts | undefined;
  try {
    knownHosts = new KnownHosts(input.knownHosts);
  } catch (e) {
    throw new InputError(`knownHosts: ${(e as Error).message}`);
  }
  return { spec, scripts, privateKey, knownHosts, downloads };
}

/**
 * The machines to bootstrap, from their one home in kpaas-backend (kpaas:provision stored them),
 * checked against cluster.yaml, and the API endpoint they give. A dry run contacts nothing: it
 * shows the machines cluster.yaml plans, addresses only Terraform knows as "assigned at apply".
 */
export async function loadNodes(ctx: BootstrapContext, spec: ClusterSpec) {
  if (ctx.isDryRun) {
    const planned: InventoryNode[] = deriveInventory(spec).map(n => ({
      name: n.name,
      role: n.role,
      address: n.address ?? 'assigned at apply',
      port: n.port,
    }));
    const endpoints = endpointsWithInventory(deriveEndpoints(spec), []);
    return {
      inventory: planned,
      endpoints,
      apiServerUrl:
        endpoints.apiServerUrl ??
        `https://<assigned at apply>:${endpoints.apiServerPort}`,
    };
  }
  const inventory = await readClusterInventory(ctx.client, spec.metadata.name, {
    taskId: ctx.taskId,
    signal: ctx.signal,
    action: 'kpaas:bootstrap',
  });
  checkInventory(inventory, spec);
  if (spec.spec.kubernetes.installer === 'kpaas-cp') {
    const problems = checkKpaasCpInventory(inventory, ctx.input.sshUser);
    if (problems.length) throw kpaasCpNotReady(problems);
  }
  const endpoints = endpointsWithInventory(deriveEndpoints(spec), inventory);
  if (!endpoints.apiServerUrl || !endpoints.apiServerHost) {
    throw new InputError(
      `spec.controlPlane.endpoint: the API address is not known yet (${endpoints.pending.join(
        '; ',
      )}); set spec.controlPlane.endpoint.address`,
    );
  }
  return { inventory, endpoints, apiServerUrl: endpoints.apiServerUrl };
}
