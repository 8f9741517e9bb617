/*
 * kpaas:remove-nodes on the SSH node rig (an `existing` target: 1 control plane + 3 workers,
 * bootstrapped by kpaas:bootstrap with the kubeadm stand-in and the Kubernetes API stand-in):
 * scale 2 → 3 → 2 workers, and a drain a PodDisruptionBudget blocks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  BootstrapHarness,
  HARNESS_REPO_URL,
  runBootstrapAction,
  startBootstrapHarness,
} from './__testUtils__/bootstrapHarness';
import { createRemoveNodesAction } from './removeNodes';

jest.setTimeout(300_000);

const TWO = ['demo-cp-1', 'demo-worker-1', 'demo-worker-2'];
const THREE = [...TWO, 'demo-worker-3'];

const outputs = (ctx: any) => Object.fromEntries(ctx.output.mock.calls);

function pod(
  name: string,
  node: string,
  labels: Record<string, string>,
  ownerKind = 'ReplicaSet',
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: ownerKind,
          name: labels.app,
          uid: `uid-${labels.app}`,
          controller: true,
        },
      ],
    },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  } as any;
}

function runRemoveNodes(
  h: BootstrapHarness,
  input: Record<string, unknown> = {},
) {
  const action = createRemoveNodesAction({
    discovery: h.discovery as any,
    auth: h.auth,
    permissions: mockServices.permissions(),
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
  const ctx = createMockActionContext({
    input: {
      repoPath: '.',
      repoUrl: HARNESS_REPO_URL,
      sshUser: 'root',
      ...input,
    } as any,
    workspacePath: h.workspace,
    secrets: { sshPrivateKey: h.rig.privateKey },
    logger,
  } as any);
  return { ctx, lines, run: () => action.handler(ctx as any) };
}

const nodeNames = (h: BootstrapHarness) =>
  h.api.store
    .list({ apiVersion: 'v1', kind: 'Node' } as any)
    .map((n: any) => n.metadata.name)
    .sort();

const resets = (h: BootstrapHarness, name: string) =>
  h.rig.calls(name).filter(c => c.cmd === 'kubeadm' && c.args[0] === 'reset');

describe('kpaas:remove-nodes on the rig (existing target)', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    if (fs.existsSync('/var/log/kpaas-standins')) {
      throw new Error('/var/log/kpaas-standins exists on the host: remove it');
    }
    h = await startBootstrapHarness([
      { name: 'demo-cp-1', role: 'control-plane' },
      { name: 'demo-worker-1', role: 'worker' },
      { name: 'demo-worker-2', role: 'worker' },
      { name: 'demo-worker-3', role: 'worker' },
    ]);
  });
  afterAll(() => h?.stop());

  const writeClusterYaml = (only: string[]) =>
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      h.clusterYaml(only),
    );

  it('scales 2 → 3 → 2 workers: the third is drained through the Eviction API, reset, deleted and taken out of the inventory', async () => {
    // 2 workers, then a third (kpaas:bootstrap joins it)
    writeClusterYaml(TWO);
    const stripKeys = (only: string[]) =>
      h
        .inventory()
        .filter(n => only.includes(n.name))
        .map(({ hostKeyFingerprint: _k, ...n }) => n);
    await runBootstrapAction(h, {
      inventory: stripKeys(TWO),
      trustOnFirstUse: true,
    }).run();
    writeClusterYaml(THREE);
    await runBootstrapAction(h, {
      inventory: [
        ...h.inventories.get('demo')!,
        ...stripKeys(['demo-worker-3']),
      ],
      trustOnFirstUse: true,
    }).run();
    expect(nodeNames(h)).toEqual(THREE);

    // workloads: web (a budget that allows one disruption), a DaemonSet pod on the leaving node
    h.api.store.create(pod('web-1', 'demo-worker-3', { app: 'web' }));
    h.api.store.create(pod('web-2', 'demo-worker-1', { app: 'web' }));
    h.api.store.create(
      pod('agent-3', 'demo-worker-3', { app: 'agent' }, 'DaemonSet'),
    );
    h.api.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    } as any);

    // back to 2 workers: cluster.yaml no longer lists demo-worker-3
    writeClusterYaml(TWO);
    const remove = runRemoveNodes(h);
    await remove.run();
    const out = outputs(remove.ctx);
    expect(out.removed).toEqual(['demo-worker-3']);
    expect(out.evicted).toEqual(['default/web-1']);
    expect(out.phaseTimings.map((t: any) => t.phase)).toEqual([
      'drain demo-worker-3',
      'reset demo-worker-3',
      'delete demo-worker-3',
      'inventory demo-worker-3',
    ]);
    expect(nodeNames(h)).toEqual(TWO);
    expect(resets(h, 'demo-worker-3').map(c => c.args)).toEqual([
      ['reset', '-f'],
    ]);
    for (const n of TWO) expect(resets(h, n)).toEqual([]);
    expect(h.inventories.get('demo')!.map(n => n.name)).toEqual(TWO);
    // the kubelet's files are gone from the machine
    expect(
      h.rig.nodeFilePath('demo-worker-3', '/etc/kubernetes/kubelet.conf'),
    ).toBeFalsy();
    const log = remove.lines.join('\n');
    expect(log).toContain('[demo-worker-3] cordoned');
    expect(log).toContain('[demo-worker-3] evicted default/web-1');
    expect(log).toContain('left default/agent-3 on the node: DaemonSet agent');

    // a re-run finds nothing leaving
    const again = runRemoveNodes(h);
    await again.run();
    expect(outputs(again.ctx).removed).toEqual([]);
    expect(again.lines.join('\n')).toContain('no node leaves cluster "demo"');
  });

  it('a drain a PodDisruptionBudget blocks reports the pods and stops: the node stays, uncordoned, in the API and the inventory, and is not reset', async () => {
    h.api.store.create(
      pod('db-0', 'demo-worker-2', { app: 'db' }, 'StatefulSet'),
    );
    h.api.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db', namespace: 'default' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } },
    } as any);
    writeClusterYaml(['demo-cp-1', 'demo-worker-1']);
    const remove = runRemoveNodes(h, { drainTimeoutSeconds: 3 });
    const error = await remove.run().then(
      () => undefined,
      e => e as Error,
    );
    expect(error?.message).toMatch(
      /drain of node demo-worker-2 stopped after 3 s: 1 pod\(s\) could not be evicted:\n {2}- default\/db-0: Cannot evict pod as it would violate the pod's disruption budget\. The disruption budget db needs 1 healthy pods and has 1 currently/,
    );
    expect(nodeNames(h)).toEqual(TWO);
    const node: any = h.api.store.get({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'demo-worker-2',
    } as any);
    expect(node.spec.unschedulable).toBe(false);
    expect(resets(h, 'demo-worker-2')).toEqual([]);
    expect(h.inventories.get('demo')!.map(n => n.name)).toEqual(TWO);
    expect(remove.lines.join('\n')).toContain(
      '[demo-worker-2] uncordoned again: the drain did not finish',
    );
  });

  it('refuses a cluster.yaml without workers, naming the field, before anything is contacted', async () => {
    writeClusterYaml(['demo-cp-1']);
    const before = h.rig.calls('demo-cp-1').length;
    await expect(runRemoveNodes(h).run()).rejects.toThrow(
      /spec\.workers\.count: must be at least 1/,
    );
    expect(h.rig.calls('demo-cp-1')).toHaveLength(before);
    writeClusterYaml(TWO);
  });
});
