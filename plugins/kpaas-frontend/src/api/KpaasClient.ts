import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  AddonCatalog,
  AddonCatalogResponse,
  ClusterOperationsResponse,
  ClusterRegistration,
  ClusterStatus,
  ClusterSummary,
  FleetOperationsResponse,
  ListClustersResponse,
  RefreshClusterResponse,
  TimelineEntry,
  TimelineResponse,
} from '@internal/plugin-kpaas-common';
import { KPAAS_PLUGIN_ID } from '@internal/plugin-kpaas-common';
import type { KpaasApi } from './KpaasApi';

/**
 * Default {@link KpaasApi} implementation: URLs from the discovery API, requests through the
 * fetch API (which attaches the user's Backstage token).
 * @public
 */
export class KpaasClient implements KpaasApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async listClusters(options?: {
    signal?: AbortSignal;
  }): Promise<ClusterSummary[]> {
    const body = await this.getJson<ListClustersResponse>(
      'clusters',
      options?.signal,
    );
    return body.items;
  }

  getCluster(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterRegistration> {
    return this.getJson(clusterPath(name), options?.signal);
  }

  getClusterStatus(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterStatus> {
    return this.getJson(`${clusterPath(name)}/status`, options?.signal);
  }

  getClusterOperations(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterOperationsResponse> {
    return this.getJson(`${clusterPath(name)}/operations`, options?.signal);
  }

  getFleetOperations(options?: {
    signal?: AbortSignal;
  }): Promise<FleetOperationsResponse> {
    return this.getJson('fleet/operations', options?.signal);
  }

  async getClusterTimeline(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<TimelineEntry[]> {
    const body = await this.getJson<TimelineResponse>(
      `${clusterPath(name)}/timeline`,
      options?.signal,
    );
    return body.items;
  }

  async getAddonCatalog(options?: {
    signal?: AbortSignal;
  }): Promise<AddonCatalog> {
    const body = await this.getJson<AddonCatalogResponse>(
      'addons',
      options?.signal,
    );
    return body.catalog;
  }

  async refreshCluster(name: string): Promise<ClusterStatus> {
    const response = await this.fetchApi.fetch(
      await this.url(`${clusterPath(name)}/refresh`),
      { method: 'POST' },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as RefreshClusterResponse;
    return body.status;
  }

  async getKubeconfig(name: string): Promise<string> {
    const response = await this.fetchApi.fetch(
      await this.url(`${clusterPath(name)}/kubeconfig`),
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response.text();
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.fetchApi.fetch(await this.url(path), {
      signal,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async url(path: string): Promise<string> {
    const baseUrl = await this.discoveryApi.getBaseUrl(KPAAS_PLUGIN_ID);
    return new URL(path, `${baseUrl}/`).toString();
  }
}

function clusterPath(name: string): string {
  return `clusters/${encodeURIComponent(name)}`;
}

/**
 * HTTP status of a failed kpaas call (a `ResponseError`), or undefined for network errors.
 * @public
 */
export function responseStatus(error: unknown): number | undefined {
  const status = (error as Partial<ResponseError> | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The backend's own reason for a failed call (the `error.message` of its JSON error body),
 * falling back to the error's message (`Request failed with 500 ...`, or a network error).
 * @public
 */
export function errorReason(error: Error): string {
  const body = (error as Partial<ResponseError>).body;
  return body?.error?.message || error.message;
}

/**
 * Seconds to wait before retrying, from a 429's `Retry-After` (seconds or HTTP date), if any.
 * @public
 */
export function retryAfterSeconds(error: unknown): number | undefined {
  // Duck-typed: the error may come from another copy of @backstage/errors.
  const response = (error as Partial<ResponseError> | undefined)?.response;
  if (response?.status !== 429) return undefined;
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date)
    ? undefined
    : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
