import * as k8s from '@kubernetes/client-node';
import {
  buildNode,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { DrainBlockedError, drainNode, setUnschedulable } from './drain';

jest.setTimeout(60_000);

const logger = () => {
  const lines: string[] = [];
  const push = (m: unknown) => lines.push(String(m));
  return { lines, info: push, warn: push, error: push };
};

function pod(
  name: string,
  node: string,
  labels: Record<string, string>,
  owner?: { kind: string; name: string },
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels,
      ownerReferences: owner
        ? [
            {
              apiVersion: 'apps/v1',
              kind: owner.kind,
              name: owner.name,
              uid: `uid-${owner.name}`,
              controller: true,
            },
          ]
        : undefined,
    },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  } as any;
}

describe('drainNode (Kubernetes API stand-in, Eviction API)', () => {
  let api: KubeApiStandIn;
  let core: k8s.CoreV1Api;
  beforeEach(async () => {
    api = await startKubeApiStandIn({});
    for (const [i, name] of ['w-1', 'w-2'].entries()) {
      api.store.create(
        buildNode({
          name,
          role: 'worker',
          internalIP: `10.0.0.${i + 1}`,
          index: i,
          created: '2026-01-01T00:00:00Z',
        }),
      );
    }
    if (
      !api.store.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'default',
      } as any)
    ) {
      api.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'default' },
      } as any);
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterEach(() => api.close());

  const podsOn = (node: string) =>
    api.store
      .list({ apiVersion: 'v1', kind: 'Pod' } as any)
      .filter((p: any) => p.spec.nodeName === node)
      .map((p: any) => p.metadata.name)
      .sort();

  it('cordons, evicts the pods a budget allows, leaves DaemonSet pods', async () => {
    api.store.create(
      pod('web-a', 'w-1', { app: 'web' }, { kind: 'ReplicaSet', name: 'web' }),
    );
    api.store.create(
      pod('web-b', 'w-2', { app: 'web' }, { kind: 'ReplicaSet', name: 'web' }),
    );
    api.store.create(
      pod(
        'agent-x',
        'w-1',
        { app: 'agent' },
        { kind: 'DaemonSet', name: 'agent' },
      ),
    );
    // one of the two may go
    api.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    } as any);
    const log = logger();
    const result = await drainNode(core, {
      node: 'w-1',
      timeoutMs: 10_000,
      logger: log,
    });
    expect(result.evicted).toEqual(['default/web-a']);
    expect(result.skipped).toEqual([
      { pod: 'default/agent-x', reason: 'DaemonSet agent' },
    ]);
    expect(podsOn('w-1')).toEqual(['agent-x']);
    expect(podsOn('w-2')).toEqual(['web-b']);
    const node: any = api.store.get({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'w-1',
    } as any);
    expect(node.spec.unschedulable).toBe(true);
    // evictions went through the subresource, never a plain pod delete
    expect(
      api.countRequests({ verb: 'create', resource: 'pods' } as any),
    ).toBeGreaterThan(0);
    expect(api.countRequests({ verb: 'delete', resource: 'pods' } as any)).toBe(
      0,
    );
  });

  it('a budget that allows no disruption: stops at the timeout naming the pods that block, the pods stay', async () => {
    api.store.create(
      pod('db-0', 'w-1', { app: 'db' }, { kind: 'StatefulSet', name: 'db' }),
    );
    api.store.create(
      pod('db-1', 'w-2', { app: 'db' }, { kind: 'StatefulSet', name: 'db' }),
    );
    api.store.create(
      pod('free', 'w-1', { app: 'free' }, { kind: 'ReplicaSet', name: 'free' }),
    );
    api.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db', namespace: 'default' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } },
    } as any);
    const log = logger();
    const err = await drainNode(core, {
      node: 'w-1',
      timeoutMs: 1_500,
      logger: log,
      pollMs: 100,
    }).then(
      () => undefined,
      e => e,
    );
    expect(err).toBeInstanceOf(DrainBlockedError);
    expect((err as DrainBlockedError).blocking).toEqual([
      {
        namespace: 'default',
        name: 'db-0',
        reason: expect.stringContaining(
          'The disruption budget db needs 2 healthy pods and has 2 currently',
        ),
      },
    ]);
    expect(err.message).toContain("would violate the pod's disruption budget");
    // the pod the budget protects stays; the free one went
    expect(podsOn('w-1')).toEqual(['db-0']);
    await setUnschedulable(core, 'w-1', false);
    const node: any = api.store.get({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'w-1',
    } as any);
    expect(node.spec.unschedulable).toBe(false);
  });

  it('finishes once the budget allows the disruption (a replica became healthy elsewhere)', async () => {
    api.store.create(
      pod('db-0', 'w-1', { app: 'db' }, { kind: 'StatefulSet', name: 'db' }),
    );
    api.store.create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    } as any);
    const log = logger();
    const drained = drainNode(core, {
      node: 'w-1',
      timeoutMs: 30_000,
      logger: log,
      pollMs: 100,
    });
    // once the first refusal happened, a second replica starts on w-2
    await new Promise<void>(resolve => {
      const t = setInterval(() => {
        if (
          api.countRequests({ verb: 'create', resource: 'pods' } as any) > 0
        ) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    api.store.create(
      pod('db-1', 'w-2', { app: 'db' }, { kind: 'StatefulSet', name: 'db' }),
    );
    const result = await drained;
    expect(result.evicted).toEqual(['default/db-0']);
    expect(podsOn('w-1')).toEqual([]);
  });
});
