import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { ClusterNetworks } from '../network/ClusterNetworks';
import {
  KubeClusterClient,
  KubeRequestError,
  sanitizeUpstreamMessage,
} from './KubeClusterClient';

describe('KubeClusterClient', () => {
  let standIn: KubeApiStandIn;
  let client: KubeClusterClient;

  beforeAll(async () => {
    standIn = await startKubeApiStandIn({ fixture: kpaasHaFixture() });
    client = new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      {
        requestTimeoutMs: 10_000,
        networks: new ClusterNetworks(['127.0.0.0/8']),
      },
    );
  });
  afterAll(() => standIn.close());
  afterEach(() => standIn.faults.clear());

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      e => e,
    );
    expect(error).toBeInstanceOf(KubeRequestError);
    return error as KubeRequestError;
  };

  it('shows an upstream error as status, reason code and a bounded message, never markup', async () => {
    standIn.faults.add({
      match: '/api/v1/nodes',
      status: 500,
      body: {
        reason: 'InternalError' as any,
        message: `<html><body>nginx/1.25.3 ${'x'.repeat(5000)}</body></html>`,
      },
    });
    const html = await failure(client.listNodes());
    expect(html.statusCode).toBe(500);
    expect(html.message).toBe('LIST nodes: HTTP 500: InternalError');

    standIn.faults.clear();
    standIn.faults.add({
      match: '/api/v1/nodes',
      status: 503,
      body: { reason: 'ServiceUnavailable' as any, message: 'y'.repeat(5000) },
    });
    const long = await failure(client.listNodes());
    expect(long.message).toMatch(
      /^LIST nodes: HTTP 503: ServiceUnavailable y{200}…$/,
    );
  });

  it('sanitizes upstream text: one line, bounded, no markup', () => {
    expect(sanitizeUpstreamMessage('a\r\nb\u0000c')).toBe('a b c');
    expect(sanitizeUpstreamMessage('<!DOCTYPE html>')).toBeUndefined();
    expect(sanitizeUpstreamMessage(42)).toBeUndefined();
    expect(sanitizeUpstreamMessage('z'.repeat(300))).toHaveLength(201);
  });

  it('refuses to connect to an API server outside the networks', async () => {
    const refused = new KubeClusterClient(
      {
        name: 'demo',
        apiServerUrl: standIn.url,
        caData: standIn.caPem,
        token: standIn.adminToken,
      },
      { requestTimeoutMs: 10_000, networks: new ClusterNetworks() },
    );
    standIn.requestLog.clear();
    const error = await failure(refused.version());
    expect(error.unreachable).toBe(true);
    expect(error.message).toMatch(
      /127\.0\.0\.1 is outside kpaas\.clusterNetworks/,
    );
    await expect(refused.readyz()).rejects.toThrow(/kpaas\.clusterNetworks/);
    expect(standIn.requestLog.count()).toBe(0);
  });
});
