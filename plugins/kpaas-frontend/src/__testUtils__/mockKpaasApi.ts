import { ResponseError } from '@backstage/errors';
import type {
  ClusterStatus,
  TimelineEntry,
} from '@internal/plugin-kpaas-common';
import type { KpaasApi } from '../api';

/** A KpaasApi whose methods are jest mocks, answering `status` and `timeline` by default. */
export function mockKpaasApi(
  status: ClusterStatus | Error,
  entries: TimelineEntry[] | Error = [],
): jest.Mocked<KpaasApi> {
  const answer = <T>(value: T | Error) =>
    value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  return {
    listClusters: jest.fn(async () => []),
    getCluster: jest.fn(),
    getClusterStatus: jest.fn(
      (_name: string, _options?: { signal?: AbortSignal }) => answer(status),
    ),
    getClusterTimeline: jest.fn(
      (_name: string, _options?: { signal?: AbortSignal }) => answer(entries),
    ),
    refreshCluster: jest.fn((_name: string) => answer(status)),
    getKubeconfig: jest.fn(async (_name: string) => ''),
    getClusterOperations: jest.fn(async (name: string) => ({
      cluster: name,
      checkedAt: '2026-12-03T12:00:00.000Z',
      backup: {
        state: 'not-configured' as const,
        failures: [],
        message: 'no scheduled etcd backup: spec.backup is not set',
        action: 'add spec.backup to cluster.yaml',
      },
      expiries: [],
      skew: [],
      unavailable: [],
    })),
    getFleetOperations: jest.fn(async () => ({
      checkedAt: '2026-12-03T12:00:00.000Z',
      items: [],
      unavailable: [],
    })),
    getAddonCatalog: jest.fn(async () => ({
      apiVersion: 'kpaas.io/v1alpha1' as const,
      kind: 'AddonCatalog' as const,
      addons: [],
    })),
  };
}

/** A ResponseError as the client throws it for a backend error answer. */
export async function responseError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Promise<ResponseError> {
  const names: Record<number, string> = {
    403: 'NotAllowedError',
    404: 'NotFoundError',
    429: 'TooManyRequestsError',
    500: 'Error',
  };
  const body = JSON.stringify({
    error: { name: names[status] ?? 'Error', message },
    response: { statusCode: status },
  });
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText: `HTTP ${status}`,
    url: 'http://localhost:7007/api/kpaas/clusters/demo/status',
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    text: async () => body,
  } as unknown as Response);
}
