import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ClusterInventory,
  ClusterRegistration,
  NodeHostKey,
  PutInventoryRequest,
  RegisterClusterRequest,
  RetireClusterRequest,
  RetireClusterResponse,
  TimelineEventRequest,
} from '@internal/plugin-kpaas-common';

/**
 * A Terraform state credential for the kpaas `http` backend (response of
 * `POST /api/kpaas/clusters/:name/terraform/credentials`). The password exists only here and
 * in the Terraform process environment.
 */
export interface TerraformStateCredential {
  username: string;
  password: string;
  expiresAt: string;
}

/** Where Terraform finds a cluster's state in kpaas-backend. */
export interface TerraformStateAddresses {
  address: string;
  lockAddress: string;
  unlockAddress: string;
}

/** Options of {@link KpaasBackendClient}. */
export interface KpaasBackendClientOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /**
   * Base URL of kpaas-backend as Terraform should reach it (`kpaas.terraformState.baseUrl`),
   * when the discovery URL is not reachable from where Terraform runs.
   */
  stateBaseUrl?: string;
}

/**
 * The kpaas-backend API as the scaffolder actions use it, authenticated as the scaffolder
 * plugin itself (not the user who started the task): timeline writes and Terraform state
 * credentials.
 */
export class KpaasBackendClient {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;
  readonly #stateBaseUrl?: string;

  constructor(options: KpaasBackendClientOptions) {
    this.#discovery = options.discovery;
    this.#auth = options.auth;
    this.#stateBaseUrl = options.stateBaseUrl?.replace(/\/+$/, '');
  }

  /** A request to kpaas-backend as the scaffolder's service; a JSON body makes it a POST. */
  async #fetch(
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    method: 'GET' | 'POST' | 'PUT' = body === undefined ? 'GET' : 'POST',
  ): Promise<Response> {
    const baseUrl = await this.#discovery.getBaseUrl('kpaas');
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: await this.#auth.getOwnServiceCredentials(),
      targetPluginId: 'kpaas',
    });
    return fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  }

  async #request(
    path: string,
    body: unknown,
    signal?: AbortSignal,
    method?: 'POST' | 'PUT',
  ): Promise<Response> {
    const response = await this.#fetch(path, body, signal, method);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response;
  }

  /**
   * Retires a registered cluster (`POST /clusters/:name/retire`, kpaas.cluster.delete): its
   * registration and machines kept for the record, state and timeline archived, entry gone.
   */
  async retireCluster(
    cluster: string,
    body: RetireClusterRequest,
  ): Promise<RetireClusterResponse> {
    const response = await this.#request(
      `/clusters/${encodeURIComponent(cluster)}/retire`,
      body,
    );
    return (await response.json()) as RetireClusterResponse;
  }

  /** The cluster's registration, or undefined when kpaas-backend has no cluster of that name. */
  async getCluster(cluster: string): Promise<ClusterRegistration | undefined> {
    const response = await this.#fetch(
      `/clusters/${encodeURIComponent(cluster)}`,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as ClusterRegistration;
  }

  /**
   * Registers (or re-registers) a cluster: `POST /clusters`. `repoUrl` is the normalized URL of
   * the repository the task ran from; kpaas-backend records it for the repo check of later runs.
   */
  async registerCluster(
    body: RegisterClusterRequest,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#request('/clusters', body, signal);
  }

  /**
   * The cluster's machines as kpaas:provision recorded them, or undefined when it has none.
   * `taskId`: until the cluster is registered only the order's task may read them (409).
   */
  async getInventory(
    cluster: string,
    taskId?: string,
    signal?: AbortSignal,
  ): Promise<ClusterInventory | undefined> {
    const query = taskId ? `?taskId=${encodeURIComponent(taskId)}` : '';
    const response = await this.#fetch(
      `/clusters/${encodeURIComponent(cluster)}/inventory${query}`,
      undefined,
      signal,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as ClusterInventory;
  }

  /**
   * Stores the cluster's machines (kpaas:provision, after apply): `PUT /clusters/:name/inventory`.
   * Nodes that are the same machine as before keep the host keys bootstrap recorded.
   */
  async putInventory(
    cluster: string,
    body: PutInventoryRequest,
    signal?: AbortSignal,
  ): Promise<ClusterInventory> {
    const response = await this.#request(
      `/clusters/${encodeURIComponent(cluster)}/inventory`,
      body,
      signal,
      'PUT',
    );
    return (await response.json()) as ClusterInventory;
  }

  /** Records verified (or trusted-on-first-use) host keys on the cluster's inventory. */
  async recordHostKeys(
    cluster: string,
    body: { taskId?: string; hostKeys: NodeHostKey[] },
    signal?: AbortSignal,
  ): Promise<ClusterInventory> {
    const response = await this.#request(
      `/clusters/${encodeURIComponent(cluster)}/inventory/host-keys`,
      body,
      signal,
    );
    return (await response.json()) as ClusterInventory;
  }

  /** Records one step of a cluster's provisioning timeline. */
  async postTimelineEvent(
    cluster: string,
    event: TimelineEventRequest,
  ): Promise<void> {
    await this.#request(
      `/clusters/${encodeURIComponent(cluster)}/timeline`,
      event,
    );
  }

  /**
   * A fresh basic-auth credential for the cluster's Terraform state. With `newCluster`,
   * kpaas-backend refuses (409) when the name already has state that `taskId` did not create.
   */
  async issueTerraformStateCredential(
    cluster: string,
    options: {
      ttlMinutes?: number;
      newCluster?: boolean;
      taskId?: string;
    } = {},
  ): Promise<TerraformStateCredential> {
    const response = await this.#request(
      `/clusters/${encodeURIComponent(cluster)}/terraform/credentials`,
      options,
    );
    return (await response.json()) as TerraformStateCredential;
  }

  /** The state, lock and unlock URLs of the cluster (Terraform's http backend settings). */
  async terraformStateAddresses(
    cluster: string,
  ): Promise<TerraformStateAddresses> {
    const base =
      this.#stateBaseUrl ?? (await this.#discovery.getBaseUrl('kpaas'));
    const address = `${base}/clusters/${encodeURIComponent(
      cluster,
    )}/terraform/state`;
    return {
      address,
      lockAddress: `${address}/lock`,
      unlockAddress: `${address}/lock`,
    };
  }
}
