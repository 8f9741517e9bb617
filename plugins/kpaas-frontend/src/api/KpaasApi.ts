import { createApiRef } from '@backstage/frontend-plugin-api';
import type {
  AddonCatalog,
  ClusterOperationsResponse,
  ClusterRegistration,
  ClusterStatus,
  ClusterSummary,
  FleetOperationsResponse,
  TimelineEntry,
} from '@internal/plugin-kpaas-common';

/**
 * Client of the kpaas-backend REST API (`/api/kpaas`). Every method throws a `ResponseError`
 * (from `@backstage/errors`) on a non-2xx answer, so callers see the backend's reason.
 * @public
 */
export interface KpaasApi {
  /** `GET /clusters` (`{ items }`): one summary per registered cluster. */
  listClusters(options?: { signal?: AbortSignal }): Promise<ClusterSummary[]>;
  /** `GET /clusters/:name`: the registration, without its credential. */
  getCluster(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterRegistration>;
  /** `GET /clusters/:name/status`: the last observed health of the cluster. */
  getClusterStatus(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterStatus>;
  /** `GET /clusters/:name/timeline` (`{ items }`): the provisioning timeline entries. */
  getClusterTimeline(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<TimelineEntry[]>;
  /**
   * `POST /clusters/:name/refresh`: ask the backend to check the cluster now. The backend may
   * answer 429 with `Retry-After`; that surfaces as a `ResponseError` (see `retryAfterSeconds`).
   * Resolves to the status of the check it ran.
   */
  refreshCluster(name: string): Promise<ClusterStatus>;
  /**
   * `GET /clusters/:name/kubeconfig` (needs kpaas.cluster.access): a kubeconfig (YAML) that
   * signs in through OIDC with kubelogin; no token or key inside.
   */
  getKubeconfig(name: string): Promise<string>;
  /**
   * `GET /clusters/:name/operations` (kpaas.cluster.read): etcd backups, expiries soonest first,
   * version support and node skew.
   */
  getClusterOperations(
    name: string,
    options?: { signal?: AbortSignal },
  ): Promise<ClusterOperationsResponse>;
  /**
   * `GET /fleet/operations` (kpaas.cluster.read, per cluster): the Operations warnings of every
   * cluster the user may read, most severe and soonest first.
   */
  getFleetOperations(options?: {
    signal?: AbortSignal;
  }): Promise<FleetOperationsResponse>;
  /** `GET /addons`: the add-on catalog (values/addons.yaml) for the order form's picker. */
  getAddonCatalog(options?: { signal?: AbortSignal }): Promise<AddonCatalog>;
}

/**
 * Reference to the {@link KpaasApi}.
 * @public
 */
export const kpaasApiRef = createApiRef<KpaasApi>().with({
  id: 'plugin.kpaas.client',
});
