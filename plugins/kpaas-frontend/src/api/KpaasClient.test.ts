import { ResponseError } from '@backstage/errors';
import { healthyStatus, timeline } from '../__testUtils__/fixtures';
import {
  errorReason,
  KpaasClient,
  responseStatus,
  retryAfterSeconds,
} from './KpaasClient';

function fakeResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: `HTTP ${status}`,
    url: 'http://backstage.test/api/kpaas',
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    json: async () => JSON.parse(text),
    text: async () => text,
  } as unknown as Response;
}

function setup(response: Response) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => response);
  const client = new KpaasClient({
    discoveryApi: { getBaseUrl: async id => `http://backstage.test/api/${id}` },
    fetchApi: { fetch: fetch as unknown as typeof globalThis.fetch },
  });
  return { client, fetch };
}

describe('KpaasClient', () => {
  it('reads a status from the discovered kpaas base URL through fetchApi', async () => {
    const { client, fetch } = setup(fakeResponse(200, healthyStatus()));
    await expect(client.getClusterStatus('demo')).resolves.toEqual(
      healthyStatus(),
    );
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage.test/api/kpaas/clusters/demo/status',
    );
  });

  it('encodes cluster names and unwraps list answers', async () => {
    const { client, fetch } = setup(fakeResponse(200, { items: timeline }));
    await expect(client.getClusterTimeline('a b')).resolves.toEqual(timeline);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage.test/api/kpaas/clusters/a%20b/timeline',
    );
    const list = setup(fakeResponse(200, { items: [] }));
    await expect(list.client.listClusters()).resolves.toEqual([]);
    expect(list.fetch.mock.calls[0][0]).toBe(
      'http://backstage.test/api/kpaas/clusters',
    );
  });

  it('POSTs a refresh and returns the fresh status', async () => {
    const { client, fetch } = setup(
      fakeResponse(200, { status: healthyStatus() }),
    );
    await expect(client.refreshCluster('demo')).resolves.toEqual(
      healthyStatus(),
    );
    expect(fetch.mock.calls[0]).toEqual([
      'http://backstage.test/api/kpaas/clusters/demo/refresh',
      { method: 'POST' },
    ]);
  });

  it('downloads the kubeconfig as text, and surfaces a 403 as a ResponseError', async () => {
    const yamlText = 'apiVersion: v1\nkind: Config\n';
    const ok = setup({
      ok: true,
      status: 200,
      text: async () => yamlText,
    } as unknown as Response);
    await expect(ok.client.getKubeconfig('demo')).resolves.toBe(yamlText);
    expect(ok.fetch.mock.calls[0][0]).toBe(
      'http://backstage.test/api/kpaas/clusters/demo/kubeconfig',
    );
    const denied = setup(
      fakeResponse(403, {
        error: {
          name: 'NotAllowedError',
          message: 'not allowed: kpaas.cluster.access',
        },
        response: { statusCode: 403 },
      }),
    );
    await expect(denied.client.getKubeconfig('demo')).rejects.toBeInstanceOf(
      ResponseError,
    );
  });

  it("throws a ResponseError with the backend's reason", async () => {
    const { client } = setup(
      // The shape Backstage's backend error handler sends.
      fakeResponse(404, {
        error: { name: 'NotFoundError', message: 'no cluster named "x"' },
        response: { statusCode: 404 },
      }),
    );
    const error = await client.getClusterStatus('x').catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(errorReason(error)).toBe('no cluster named "x"');
    expect(responseStatus(error)).toBe(404);
  });

  it('reads Retry-After from a 429', async () => {
    const { client } = setup(
      fakeResponse(
        429,
        { error: { name: 'Error', message: 'slow down' } },
        { 'Retry-After': '12' },
      ),
    );
    const error = await client.refreshCluster('demo').catch(e => e);
    expect(retryAfterSeconds(error)).toBe(12);
    expect(retryAfterSeconds(new Error('network'))).toBeUndefined();
    expect(errorReason(new Error('network'))).toBe('network');
  });
});
