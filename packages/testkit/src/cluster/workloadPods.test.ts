import { generateNodes } from '../fixtures';
import { KubeApiStandIn, rawRequest, startKubeApiStandIn } from '../kube';
import { startWorkloadControllers } from './controllers';
import { startVaultService, VaultService } from './vaultService';

/** Polls `probe` until it returns something (30 s, generous for a loaded machine). */
async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

const labels = (name: string) => ({
  'app.kubernetes.io/instance': name,
  'app.kubernetes.io/name': name,
});

function workload(kind: string, name: string, replicas?: number): any {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'apps', labels: labels(name) },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      ...(kind === 'StatefulSet' ? { serviceName: name } : {}),
      selector: { matchLabels: labels(name) },
      template: {
        metadata: { labels: labels(name) },
        spec: { containers: [{ name, image: `registry.example/${name}:1.0` }] },
      },
    },
  };
}

describe('startWorkloadControllers with pods', () => {
  let api: KubeApiStandIn;
  let stop: () => void;
  const pods = () =>
    api.store
      .list({ apiVersion: 'v1', kind: 'Pod', namespace: 'apps' } as any)
      .map(p => p as any);
  const ready = (p: any) =>
    p.status.conditions.find((c: any) => c.type === 'Ready').status === 'True';

  beforeAll(async () => {
    api = await startKubeApiStandIn({ fixture: generateNodes(2) as any });
    api.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'apps' },
    });
    stop = startWorkloadControllers(api, {
      pods: true,
      // the StatefulSet turns ready late enough to see its pods Running but not Ready
      readyAfterMs: w => (w.kind === 'StatefulSet' ? 1500 : 0),
      loadBalancerAddress: '10.0.0.1',
      intervalMs: 10,
    });
  });
  afterAll(async () => {
    stop();
    await api.close();
  });

  it('runs the pods each workload implies, named, owned and scheduled as Kubernetes does, Ready with their workload', async () => {
    const fixturePods = api.store.list({ apiVersion: 'v1', kind: 'Pod' } as any)
      .length;
    api.store.create(workload('StatefulSet', 'db', 2));
    api.store.create(workload('Deployment', 'web', 3));
    api.store.create(workload('DaemonSet', 'agent'));

    const db = await waitFor('db-0 and db-1', () => {
      const found = pods().filter(p => /^db-\d$/.test(p.metadata.name));
      return found.length === 2 ? found : undefined;
    });
    expect(db.map(p => p.metadata.name).sort()).toEqual(['db-0', 'db-1']);
    for (const p of db) {
      expect(p.status.phase).toBe('Running');
      expect(p.metadata.labels['statefulset.kubernetes.io/pod-name']).toBe(
        p.metadata.name,
      );
      expect(p.metadata.ownerReferences[0]).toMatchObject({
        kind: 'StatefulSet',
        name: 'db',
        controller: true,
      });
    }
    // the StatefulSet is not ready yet: neither are its pods
    const sts = api.store.get({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'db',
      namespace: 'apps',
    } as any)!;
    if (!((sts.status?.readyReplicas ?? 0) > 0)) {
      expect(db.some(ready)).toBe(false);
    }

    await waitFor('every pod Ready', () =>
      pods().length === 2 + 3 + 2 && pods().every(ready) ? true : undefined,
    );
    const web = pods().filter(p => p.metadata.name.startsWith('web-'));
    expect(web).toHaveLength(3);
    for (const p of web) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences[0].kind).toBe('ReplicaSet');
      expect(p.metadata.labels['app.kubernetes.io/name']).toBe('web');
      expect(p.spec.containers[0].image).toBe('registry.example/web:1.0');
      expect(p.status.podIP).toMatch(/^10\.244\./);
    }
    const agents = pods().filter(p => p.metadata.name.startsWith('agent-'));
    // one per Node, on each Node, with its address
    expect(agents.map(p => p.spec.nodeName).sort()).toEqual(
      api.store
        .list({ apiVersion: 'v1', kind: 'Node' } as any)
        .map(n => n.metadata!.name)
        .sort(),
    );
    expect(agents.every(p => p.status.hostIP)).toBe(true);

    // gone with their workload; the fixture's own pods are left alone
    api.store.delete({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'apps',
    } as any);
    await waitFor('the web pods deleted', () =>
      pods().some(p => p.metadata.name.startsWith('web-')) ? undefined : true,
    );
    expect(
      api.store.list({ apiVersion: 'v1', kind: 'Pod' } as any).length,
    ).toBe(fixturePods + 2 + 2);
  });
});

describe('startVaultService', () => {
  let api: KubeApiStandIn;
  let vault: VaultService;
  let stopControllers: () => void;
  const proxy = (pod: string, apiPath: string, body?: unknown) =>
    rawRequest(
      api,
      `/api/v1/namespaces/vault/pods/${pod}:8200/proxy/v1/sys/${apiPath}`,
      body === undefined
        ? {}
        : { method: 'PUT', body: JSON.stringify(body) },
    );

  beforeAll(async () => {
    api = await startKubeApiStandIn({ fixture: generateNodes(1) as any });
    api.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'vault' },
    });
    stopControllers = startWorkloadControllers(api, {
      pods: true,
      readyAfterMs: 0,
      loadBalancerAddress: '10.0.0.1',
      intervalMs: 10,
    });
    vault = startVaultService(api, { intervalMs: 10 });
  });
  afterAll(async () => {
    vault.stop();
    stopControllers();
    await api.close();
  });

  it('serves Vault behind the pod proxy of each server pod: init once, unseal per pod with the key shares', async () => {
    const sts = workload('StatefulSet', 'vault', 2);
    sts.metadata.namespace = 'vault';
    api.store.create(sts);
    await waitFor('vault-1 served', () => vault.sealed('vault-1'));

    expect((await proxy('vault-0', 'init')).json).toEqual({
      initialized: false,
    });
    const refused = await proxy('vault-0', 'unseal', { key: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.json.errors).toEqual(['Vault is not initialized']);

    const init = await proxy('vault-0', 'init', {
      secret_shares: 3,
      secret_threshold: 2,
    });
    expect(init.status).toBe(200);
    expect(init.json.keys_base64).toHaveLength(3);
    expect(init.json.root_token).toBe(vault.rootToken);
    expect(
      (await proxy('vault-1', 'init', { secret_shares: 1, secret_threshold: 1 }))
        .json.errors,
    ).toEqual(['Vault is already initialized']);

    // storage is shared, seals are not: vault-1 reads initialised, still sealed
    expect((await proxy('vault-1', 'init')).json.initialized).toBe(true);
    const [k1] = init.json.keys_base64;
    const first = await proxy('vault-1', 'unseal', { key: k1 });
    expect(first.json).toMatchObject({ sealed: true, progress: 1, t: 2 });
    const wrong = await proxy('vault-1', 'unseal', { key: 'bm9wZQ==' });
    expect(wrong.status).toBe(400);
    // a hex share counts as the same key as its base64 form
    const second = await proxy('vault-1', 'unseal', {
      key: init.json.keys[1],
    });
    expect(second.json).toMatchObject({ sealed: false, progress: 0 });
    expect(vault.sealed('vault-1')).toBe(false);
    expect(vault.sealed('vault-0')).toBe(true);
    expect((await proxy('vault-0', 'seal-status')).json.sealed).toBe(true);

    // a pod recreated under the same name starts sealed again
    const old = api.store.get({
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'vault-1',
      namespace: 'vault',
    } as any)!;
    api.store.delete({
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'vault-1',
      namespace: 'vault',
    } as any);
    await waitFor('vault-1 recreated and served sealed', () => {
      const pod = api.store.get({
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'vault-1',
        namespace: 'vault',
      } as any);
      return pod &&
        pod.metadata!.uid !== old.metadata!.uid &&
        vault.sealed('vault-1') === true
        ? true
        : undefined;
    });
    expect((await proxy('vault-1', 'seal-status')).json).toMatchObject({
      initialized: true,
      sealed: true,
    });
    expect(vault.calls).toContain('vault-0 PUT /v1/sys/init');
  });
});
