/*
 * Store semantics, selectors and patch formats without a server.
 */
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from './patch';
import { ResourceRegistry } from './resources';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import { KubeApiError } from './status';
import { KubeStore } from './store';
import { WatchEvent } from './types';

function newStore() {
  const store = new KubeStore(new ResourceRegistry());
  store.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'default' },
  });
  return store;
}

const cm = (
  name: string,
  labels?: Record<string, string>,
  data?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  ...(data ? { data } : {}),
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', 'kpaas.io/managed': '' };
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app notin (web,db)', false],
    ['tier notin (backend)', true],
    ['kpaas.io/managed', true],
    ['!kpaas.io/managed', false],
    ['!missing', true],
    ['app=web,tier in (frontend),!missing', true],
    ['app=web,tier=backend', false],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects malformed selectors with a 400', () => {
    expect(() => parseLabelSelector('app=(web')).toThrow(KubeApiError);
    let caught: unknown;
    try {
      parseLabelSelector('a b c');
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 400 });
  });

  it('supports field selectors and rejects unsupported fields like the apiserver', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName: 'cp-1' },
      status: { phase: 'Running' },
    };
    expect(
      matchesFields(
        parseFieldSelector('spec.nodeName=cp-1,status.phase!=Pending', 'pods'),
        pod,
      ),
    ).toBe(true);
    expect(
      matchesFields(
        parseFieldSelector('metadata.namespace==other', 'pods'),
        pod,
      ),
    ).toBe(false);
    expect(() =>
      parseFieldSelector('spec.nodeName=cp-1', 'configmaps'),
    ).toThrow('field label not supported: spec.nodeName');
  });
});

describe('patch formats', () => {
  const deployment = {
    metadata: { labels: { app: 'web', old: 'x' } },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1',
              ports: [{ containerPort: 80 }],
              env: [{ name: 'A', value: '1' }],
            },
            { name: 'sidecar', image: 'envoy:1' },
          ],
          tolerations: [{ key: 'a' }],
        },
      },
    },
  };

  it('merge patch: maps merge, null deletes, lists replace', () => {
    expect(
      applyMergePatch(deployment, {
        metadata: { labels: { old: null, new: 'y' } },
        spec: { template: { spec: { tolerations: [] } } },
      }),
    ).toEqual({
      metadata: { labels: { app: 'web', new: 'y' } },
      spec: {
        template: {
          spec: {
            containers: deployment.spec.template.spec.containers,
            tolerations: [],
          },
        },
      },
    });
  });

  it('strategic merge patch merges keyed lists and honours $patch directives', () => {
    const patched: any = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [
              { name: 'web' },
              { name: 'sidecar' },
            ],
            containers: [
              {
                name: 'web',
                image: 'nginx:2',
                env: [{ name: 'B', value: '2' }],
              },
              { name: 'sidecar', $patch: 'delete' },
              { name: 'debug', image: 'busybox' },
            ],
            tolerations: [{ key: 'b' }],
          },
        },
      },
    });
    expect(patched.spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:2',
        ports: [{ containerPort: 80 }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'debug', image: 'busybox' },
    ]);
    expect(patched.spec.template.spec.tolerations).toEqual([{ key: 'b' }]);
  });

  it('JSON patch supports add/remove/replace/move/copy/test and fails a wrong test', () => {
    const out = applyJsonPatch({ a: { b: [1, 2, 3] }, c: 'x' }, [
      { op: 'add', path: '/a/b/-', value: 4 },
      { op: 'remove', path: '/a/b/0' },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/a/e' },
      { op: 'test', path: '/a/e', value: 'y' },
      { op: 'add', path: '/f~1g', value: true },
    ]);
    expect(out).toEqual({ a: { b: [2, 3, 4], e: 'y' }, c: 'y', 'f/g': true });
    expect(() =>
      applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]),
    ).toThrow('test operation failed');
  });
});

describe('KubeStore', () => {
  it('assigns uid, timestamps and a monotonically increasing resourceVersion', () => {
    const store = newStore();
    const a = store.create(cm('a'));
    const b = store.create(cm('b'));
    expect(a.metadata?.uid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.metadata?.creationTimestamp).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(Number(b.metadata!.resourceVersion)).toBeGreaterThan(
      Number(a.metadata!.resourceVersion),
    );
    expect(store.resourceVersion).toBe(b.metadata!.resourceVersion);
    expect(() => store.create(cm('a'))).toThrow(
      'configmaps "a" already exists',
    );
  });

  it('bumps generation only for spec changes and skips no-op updates', () => {
    const store = newStore();
    const d = store.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
    });
    expect(d.metadata?.generation).toBe(1);
    const relabeled = store.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
      },
      { metadata: { labels: { a: 'b' } } },
    );
    expect(relabeled.metadata?.generation).toBe(1);
    const scaled = store.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
      },
      { spec: { replicas: 3 } },
    );
    expect(scaled.metadata?.generation).toBe(2);
    const same = store.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
      },
      { spec: { replicas: 3 } },
    );
    expect(same.metadata?.resourceVersion).toBe(
      scaled.metadata?.resourceVersion,
    );
  });

  it('rejects updates with a stale resourceVersion', () => {
    const store = newStore();
    const a = store.create(cm('a'));
    store.update({ ...a, data: { x: '1' } });
    expect(() => store.update({ ...a, data: { x: '2' } })).toThrow(
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('keeps objects with finalizers until the last finalizer is removed', () => {
    const store = newStore();
    store.create({
      ...cm('f'),
      metadata: { ...cm('f').metadata, finalizers: ['kpaas.io/cleanup'] },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'f',
    };
    const marked = store.delete(ref);
    expect(marked?.metadata?.deletionTimestamp).toBeDefined();
    expect(store.get(ref)).toBeDefined();
    store.patch(ref, [{ op: 'remove', path: '/metadata/finalizers' }], 'json');
    expect(store.get(ref)).toBeUndefined();
  });

  it('paginates in name order with selectors and opaque continue tokens', () => {
    const store = newStore();
    for (let i = 0; i < 25; i++)
      store.create(
        cm(`cm-${String(i).padStart(2, '0')}`, { even: String(i % 2 === 0) }),
      );
    const def = store.registry.findByKind('v1', 'ConfigMap')!;
    const page1 = store.listIn(def, {
      namespace: 'default',
      labelSelector: 'even=true',
      limit: 5,
    });
    expect(page1.items.map(i => i.metadata!.name)).toEqual([
      'cm-00',
      'cm-02',
      'cm-04',
      'cm-06',
      'cm-08',
    ]);
    expect(page1.remainingItemCount).toBeUndefined();
    expect(page1.continue).not.toContain('cm-08');
    const page2 = store.listIn(def, {
      namespace: 'default',
      labelSelector: 'even=true',
      limit: 5,
      continue: page1.continue,
    });
    expect(page2.items.map(i => i.metadata!.name)).toEqual([
      'cm-10',
      'cm-12',
      'cm-14',
      'cm-16',
      'cm-18',
    ]);
    const page3 = store.listIn(def, {
      namespace: 'default',
      labelSelector: 'even=true',
      limit: 5,
      continue: page2.continue,
    });
    expect(page3.items.map(i => i.metadata!.name)).toEqual([
      'cm-20',
      'cm-22',
      'cm-24',
    ]);
    expect(page3.continue).toBeUndefined();
    expect(page2.resourceVersion).toBe(page1.resourceVersion);
  });

  it('replays history for watches and answers 410 after compaction', () => {
    const store = newStore();
    const def = store.registry.findByKind('v1', 'ConfigMap')!;
    const rv = store.resourceVersion;
    store.create(cm('one'));
    store.patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'one',
      },
      { data: { k: 'v' } },
    );
    const events: WatchEvent[] = [];
    const sub = store.watchIn(
      def,
      { namespace: 'default', resourceVersion: rv },
      e => events.push(e),
    );
    store.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'one',
    });
    sub.stop();
    store.create(cm('two'));
    expect(events.map(e => `${e.type} ${e.object.metadata!.name}`)).toEqual([
      'ADDED one',
      'MODIFIED one',
      'DELETED one',
    ]);
    store.compact();
    expect(() =>
      store.watchIn(def, { resourceVersion: rv }, () => undefined),
    ).toThrow(/too old resource version/);
  });

  it('merges Secret stringData into base64 data', () => {
    const store = newStore();
    const s = store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      stringData: { password: 'hunter2' },
    });
    expect(s.data).toEqual({
      password: Buffer.from('hunter2').toString('base64'),
    });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe('Opaque');
  });

  it('server-side apply records managedFields and removes fields the manager stopped applying', () => {
    const store = newStore();
    const applied = store.apply(cm('ssa', { a: '1', b: '2' }, { k: 'v' }), {
      fieldManager: 'ci',
    });
    expect(applied.metadata?.managedFields).toEqual([
      expect.objectContaining({
        manager: 'ci',
        operation: 'Apply',
        fieldsV1: {
          'f:data': { 'f:k': {} },
          'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } },
        },
      }),
    ]);
    const again = store.apply(cm('ssa', { a: '1' }, { k: 'v' }), {
      fieldManager: 'ci',
    });
    expect(again.metadata?.labels).toEqual({ a: '1' });
    expect(() =>
      store.apply(cm('ssa', { a: 'other' }), { fieldManager: 'someone-else' }),
    ).toThrow(
      'Apply failed with 1 conflict: conflict with "ci" using v1: .metadata.labels.a',
    );
  });
});
