/*
 * The pods/services proxy subresource: routing to registered handlers, the apiserver's
 * answers for missing objects and closed ports, and read-only users.
 */
import { rawRequest } from './rawRequest';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';
import { parseProxyPath } from './proxy';

describe('proxy subresource', () => {
  let standIn: KubeApiStandIn;
  beforeAll(async () => {
    standIn = await startKubeApiStandIn({
      tokens: { 'reader-token': { user: 'reader', readOnly: true } },
    });
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app' },
    });
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'app' },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
      status: { podIP: '10.244.0.7' },
    });
    standIn.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'app' },
      spec: { clusterIP: '10.96.0.9', ports: [{ port: 8080 }] },
    });
  });
  afterAll(() => standIn.close());

  it('parses pod and service proxy paths', () => {
    expect(
      parseProxyPath('/api/v1/namespaces/a/pods/p-0:8200/proxy/v1/x', '?q=1'),
    ).toEqual({
      target: { namespace: 'a', kind: 'pods', name: 'p-0', port: 8200 },
      forwardPath: '/v1/x?q=1',
    });
    expect(
      parseProxyPath('/api/v1/namespaces/a/services/https:s:443/proxy', ''),
    ).toEqual({
      target: { namespace: 'a', kind: 'services', name: 's', port: 443 },
      forwardPath: '/',
    });
    expect(
      parseProxyPath('/api/v1/namespaces/a/pods/p/log', ''),
    ).toBeUndefined();
  });

  it('forwards method, path, query and body to the registered handler', async () => {
    const seen: string[] = [];
    const unregister = standIn.registerProxy(
      { namespace: 'app', kind: 'pods', name: 'web-0', port: 8200 },
      (req, res) => {
        let body = '';
        req.on('data', c => (body += c));
        req.on('end', () => {
          seen.push(`${req.method} ${req.url} ${body}`);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        });
      },
    );
    const answer = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/pods/web-0:8200/proxy/v1/sys/init?x=1',
      { method: 'PUT', body: '{"a":1}' },
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ok: true });
    expect(seen).toEqual(['PUT /v1/sys/init?x=1 {"a":1}']);
    expect(
      standIn.countRequests({
        pattern: '/api/v1/namespaces/{namespace}/pods/{name}/proxy',
      }),
    ).toBe(1);

    unregister();
    const closed = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/pods/web-0:8200/proxy/v1/sys/init',
    );
    expect(closed.status).toBe(503);
    expect(closed.json.message).toBe(
      'error trying to reach service: dial tcp 10.244.0.7:8200: connect: connection refused',
    );
  });

  it('serves services by name and port', async () => {
    const unregister = standIn.registerProxy(
      { namespace: 'app', kind: 'services', name: 'web', port: 8080 },
      (_req, res) => {
        res.end('hello');
      },
    );
    const answer = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/services/web:8080/proxy/',
    );
    expect(answer.body).toBe('hello');
    unregister();
  });

  it('answers 404 for a missing pod, 401 anonymously and 403 for read-only writes', async () => {
    const missing = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/pods/nope-0:8200/proxy/',
    );
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('pods "nope-0" not found');
    const anonymous = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/pods/web-0:8200/proxy/',
      { token: null },
    );
    expect(anonymous.status).toBe(401);
    const reader = await rawRequest(
      standIn,
      '/api/v1/namespaces/app/pods/web-0:8200/proxy/',
      { method: 'PUT', token: 'reader-token' },
    );
    expect(reader.status).toBe(403);
  });
});
