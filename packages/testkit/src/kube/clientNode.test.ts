/*
 * Acceptance: @kubernetes/client-node 1.4.0 works against the stand-in.
 *
 * How the ESM-only client is loaded under jest: backstage-cli's jest config
 * transforms every .js file that is not in its ignore list with SWC into
 * CommonJS, node_modules included, so a plain static `import` of
 * '@kubernetes/client-node' becomes a `require` of transpiled code and just
 * works. A dynamic `import()` would NOT work: the config keeps dynamic imports
 * as they are, and jest rejects them without --experimental-vm-modules
 * ("A dynamic import callback was invoked without --experimental-vm-modules").
 */
import * as k8s from '@kubernetes/client-node';
import { generateNodes, kpaasHaFixture } from '../fixtures';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';
import { KubeObject } from './types';

function kubeConfigFor(standIn: KubeApiStandIn, options = {}): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(standIn.kubeconfigYaml(options));
  return kc;
}

describe('@kubernetes/client-node against the stand-in', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      host: '127.0.0.4',
      fixture: [
        ...kpaasHaFixture({ workers: 0 }),
        ...generateNodes(247, { namePrefix: 'scale-' }),
      ],
    });
    kc = kubeConfigFor(standIn);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await standIn?.close();
  });

  it('pages through 250 nodes with limit and continue', async () => {
    const before = standIn.countRequests({ verb: 'list', resource: 'nodes' });
    const names: string[] = [];
    const tokens: string[] = [];
    let cont: string | undefined;
    let listRv: string | undefined;
    do {
      const page = await core.listNode({ limit: 100, _continue: cont });
      names.push(...page.items.map(n => n.metadata!.name!));
      listRv ??= page.metadata?.resourceVersion;
      expect(page.metadata?.resourceVersion).toBe(listRv);
      cont = page.metadata?._continue;
      if (cont) tokens.push(cont);
    } while (cont);
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    expect(names.slice(0, 4)).toEqual(['cp-1', 'cp-2', 'cp-3', 'scale-001']);
    expect(names[249]).toBe('scale-247');
    expect(tokens).toHaveLength(2);
    expect(
      standIn.countRequests({ verb: 'list', resource: 'nodes' }) - before,
    ).toBe(3);
  });

  it('reports remainingItemCount and rejects a forged continue token', async () => {
    const page = await core.listNode({ limit: 10 });
    expect(page.metadata?.remainingItemCount).toBe(240);
    await expect(
      core.listNode({ limit: 10, _continue: 'bm90LWEtdG9rZW4' }),
    ).rejects.toMatchObject({ code: 400 });
  });

  it('filters with label and field selectors', async () => {
    const controlPlanes = await core.listNode({
      labelSelector: 'node-role.kubernetes.io/control-plane',
    });
    expect(controlPlanes.items.map(n => n.metadata!.name)).toEqual([
      'cp-1',
      'cp-2',
      'cp-3',
    ]);
    const notControlPlane = await core.listNode({
      labelSelector: '!node-role.kubernetes.io/control-plane',
    });
    expect(notControlPlane.items).toHaveLength(247);
    const apiservers = await core.listNamespacedPod({
      namespace: 'kube-system',
      labelSelector: 'component in (kube-apiserver,etcd),tier=control-plane',
    });
    expect(apiservers.items).toHaveLength(6);
    const onCp2 = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName=cp-2',
      labelSelector: 'tier==control-plane',
    });
    expect(onCp2.items.map(p => p.metadata!.name).sort()).toEqual([
      'etcd-cp-2',
      'kube-apiserver-cp-2',
      'kube-controller-manager-cp-2',
      'kube-scheduler-cp-2',
    ]);
    const helm = await core.listSecretForAllNamespaces({
      labelSelector: 'owner=helm,status notin (failed)',
    });
    expect(helm.items.map(s => s.metadata!.name).sort()).toContain(
      'sh.helm.release.v1.ingress-nginx.v1',
    );
  });

  it('watches ConfigMaps and receives ADDED, MODIFIED and DELETED', async () => {
    const events: Array<[string, string, string]> = [];
    const watch = new k8s.Watch(kc);
    let sawAll!: () => void;
    const done = new Promise<void>(resolve => {
      sawAll = resolve;
    });
    const controller = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'app=watched' },
      (type, obj: KubeObject) => {
        events.push([type, obj.metadata!.name!, obj.data?.v ?? '']);
        if (type === 'DELETED') sawAll();
      },
      () => undefined,
    );
    try {
      await new Promise(r => setTimeout(r, 50));
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: {
          metadata: { name: 'w1', labels: { app: 'watched' } },
          data: { v: '1' },
        },
      });
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'unrelated' } },
      });
      await core.patchNamespacedConfigMap(
        { namespace: 'default', name: 'w1', body: { data: { v: '2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({
        namespace: 'default',
        name: 'w1',
      });
      await done;
      expect(events).toEqual([
        ['ADDED', 'w1', '1'],
        ['MODIFIED', 'w1', '2'],
        ['DELETED', 'w1', '2'],
      ]);
    } finally {
      controller.abort();
    }
  });

  it('resumes a watch from a resourceVersion and gets 410 Expired when it is too old', async () => {
    const start = (
      await core.listNamespacedConfigMap({ namespace: 'kube-public' })
    ).metadata!.resourceVersion!;
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'later', namespace: 'kube-public' },
    });

    const collect = async (rv: string) => {
      const seen: Array<{ type: string; obj: any }> = [];
      const watch = new k8s.Watch(kc);
      await new Promise<void>((resolve, reject) => {
        watch
          .watch(
            '/api/v1/namespaces/kube-public/configmaps',
            { resourceVersion: rv, timeoutSeconds: 1 },
            (type, obj) => {
              seen.push({ type, obj });
            },
            () => resolve(),
          )
          .catch(reject);
      });
      return seen;
    };
    const resumed = await collect(start);
    expect(resumed.map(e => `${e.type} ${e.obj.metadata.name}`)).toEqual([
      'ADDED later',
    ]);

    standIn.store.compact();
    const expired = await collect(start);
    expect(expired).toHaveLength(1);
    expect(expired[0].type).toBe('ERROR');
    expect(expired[0].obj).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
    });
    expect(expired[0].obj.message).toMatch(
      /^too old resource version: \d+ \(\d+\)$/,
    );
  });

  it('does server-side apply through KubernetesObjectApi and reads it back', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const desired = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'portal',
        namespace: 'default',
        labels: { app: 'portal' },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'portal' } },
        template: {
          metadata: { labels: { app: 'portal' } },
          spec: {
            containers: [
              { name: 'portal', image: 'ghcr.io/kpaas/portal:1.0.0' },
            ],
          },
        },
      },
    };
    const created: KubeObject = await objects.patch(
      desired,
      undefined,
      undefined,
      'kpaas-portal',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'portal', namespace: 'default' },
    });
    expect((read as any).spec.template.spec.containers[0].image).toBe(
      'ghcr.io/kpaas/portal:1.0.0',
    );
    expect(read.metadata?.managedFields).toEqual([
      expect.objectContaining({
        manager: 'kpaas-portal',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
      }),
    ]);
    const fields = read.metadata!.managedFields![0].fieldsV1 as any;
    expect(
      fields['f:spec']['f:template']['f:spec']['f:containers'][
        'k:{"name":"portal"}'
      ],
    ).toHaveProperty('f:image');

    // A second manager changing a field the first one owns conflicts unless forced.
    const rival = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'portal', namespace: 'default' },
      spec: { replicas: 5 },
    };
    await expect(
      objects.patch(
        rival,
        undefined,
        undefined,
        'rival',
        false,
        k8s.PatchStrategy.ServerSideApply,
      ),
    ).rejects.toMatchObject({ code: 409 });
    const forced: KubeObject = await objects.patch(
      rival,
      undefined,
      undefined,
      'rival',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect((forced as any).spec.replicas).toBe(5);
    expect(forced.metadata?.generation).toBe(2);

    // Dropping a label from the applied config removes it (the manager owned it alone).
    const relabeled = {
      ...desired,
      metadata: { ...desired.metadata, labels: { tier: 'web' } },
    };
    const after = await objects.patch(
      relabeled,
      undefined,
      undefined,
      'kpaas-portal',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(after.metadata?.labels).toEqual({ tier: 'web' });
  });

  it('applies a JSON merge patch to a node label and status via the status subresource', async () => {
    const patched = await core.patchNode(
      {
        name: 'cp-1',
        body: { metadata: { labels: { 'kpaas.io/maintenance': 'true' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels?.['kpaas.io/maintenance']).toBe('true');
    expect(patched.metadata?.labels?.['kubernetes.io/hostname']).toBe('cp-1');
    const stored = standIn.store.get({
      apiVersion: 'v1',
      kind: 'Node',
      name: 'cp-1',
    });
    expect(stored?.metadata?.labels?.['kpaas.io/maintenance']).toBe('true');

    // A status change through the main resource is ignored, as on a real apiserver ...
    const ignored = await core.patchNode(
      { name: 'cp-1', body: { status: { phase: 'Terminated' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect((ignored.status as any).phase).toBeUndefined();
    // ... but goes through the status subresource.
    const viaStatus = await core.patchNodeStatus(
      {
        name: 'cp-1',
        body: [{ op: 'add', path: '/status/phase', value: 'Running' }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    expect((viaStatus.status as any).phase).toBe('Running');
  });

  it('returns real Kubernetes errors (404 details, 409 AlreadyExists and stale updates)', async () => {
    const missing = await core
      .readNamespacedConfigMap({ namespace: 'default', name: 'missing' })
      .catch(e => e);
    expect(missing.code).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', kind: 'configmaps' },
      code: 404,
    });
    const body = { metadata: { name: 'dup' } };
    await core.createNamespacedConfigMap({ namespace: 'default', body });
    await expect(
      core.createNamespacedConfigMap({ namespace: 'default', body }),
    ).rejects.toMatchObject({ code: 409 });
    const current = await core.readNamespacedConfigMap({
      namespace: 'default',
      name: 'dup',
    });
    await core.replaceNamespacedConfigMap({
      namespace: 'default',
      name: 'dup',
      body: { ...current, data: { a: '1' } },
    });
    await expect(
      core.replaceNamespacedConfigMap({
        namespace: 'default',
        name: 'dup',
        body: { ...current, data: { a: '2' } },
      }),
    ).rejects.toMatchObject({ code: 409 });
    await expect(
      core.createNamespacedConfigMap({
        namespace: 'no-such-namespace',
        body: { metadata: { name: 'x' } },
      }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('feeds an informer (list, then watch from the list resourceVersion)', async () => {
    const controlPlanes = 'node-role.kubernetes.io/control-plane';
    // The informer applies the selector to its watch; the list is ours to filter.
    const informer = k8s.makeInformer(
      kc,
      '/api/v1/nodes',
      () => core.listNode({ labelSelector: controlPlanes }),
      controlPlanes,
    );
    const updates: string[] = [];
    let resolveUpdate!: () => void;
    const updated = new Promise<void>(resolve => {
      resolveUpdate = resolve;
    });
    informer.on('update', (node: k8s.V1Node) => {
      const ready = node.status?.conditions?.find(
        c => c.type === 'Ready',
      )?.status;
      updates.push(`${node.metadata?.name}:${ready}`);
      resolveUpdate();
    });
    await informer.start();
    try {
      expect(informer.list().map(n => n.metadata?.name)).toEqual([
        'cp-1',
        'cp-2',
        'cp-3',
      ]);
      standIn.setNodeReady('cp-3', false, 'NodeStatusUnknown');
      await updated;
      expect(updates).toEqual(['cp-3:Unknown']);
      expect(informer.get('cp-3')?.spec?.taints?.map(t => t.key)).toContain(
        'node.kubernetes.io/unreachable',
      );
    } finally {
      await informer.stop();
      standIn.setNodeReady('cp-3', true);
    }
  });

  it('authenticates with a client certificate', async () => {
    const certCore = kubeConfigFor(standIn, {
      clientCertificate: { user: 'bob', groups: ['ops'] },
    }).makeApiClient(k8s.CoreV1Api);
    const ns = await certCore.listNamespace();
    expect(ns.items.map(n => n.metadata!.name)).toContain('kube-system');
    const last =
      standIn.requestLog.entries[standIn.requestLog.entries.length - 1];
    expect(last).toMatchObject({
      user: 'bob',
      verb: 'list',
      resource: 'namespaces',
      status: 200,
    });
  });
});
