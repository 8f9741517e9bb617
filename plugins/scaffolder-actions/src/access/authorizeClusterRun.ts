import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  ClusterRegistration,
  KpaasClusterPermission,
  kpaasClusterCreatePermission,
  kpaasClusterDeletePermission,
  kpaasClusterUpdatePermission,
  kpaasServicePrincipalName,
  normalizeRepoUrl,
} from '@internal/plugin-kpaas-common';
import type { KpaasBackendClient } from '../backendClient';

/** The action's `repoUrl` input, normalized; a malformed one is bad input naming the field. */
function repoUrlInput(value: string): string {
  try {
    return normalizeRepoUrl(value, 'repoUrl');
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

/** Which kpaas action asks; named in every refusal. */
export type KpaasActionId =
  | 'kpaas:provision'
  | 'kpaas:bootstrap'
  | 'kpaas:addons'
  | 'kpaas:etcd-snapshot'
  | 'kpaas:etcd-restore'
  | 'kpaas:certs-renew'
  | 'kpaas:cluster-change'
  | 'kpaas:upgrade'
  | 'kpaas:remove-nodes'
  | 'kpaas:retire';

export interface ClusterRunRequest {
  action: KpaasActionId;
  /** `metadata.name` of the workspace's cluster.yaml. */
  cluster: string;
  /** The run orders a new cluster (provision's `newCluster` input). */
  newCluster: boolean;
  /** The action's `repoUrl` input: the repository the template fetched the workspace from. */
  repoUrl?: string;
  taskId?: string;
  isDryRun?: boolean;
  /** `await ctx.getInitiatorCredentials()`: the user who started the task. */
  credentials: BackstageCredentials;
  /**
   * The run deletes the cluster (kpaas:retire): `kpaas.cluster.delete` on the registered
   * cluster instead of update, also in a dry run; an unregistered cluster is refused.
   */
  deletes?: boolean;
}

export interface ClusterRunDecision {
  /** The permission the initiator holds for this run. */
  permission: BasicPermission | KpaasClusterPermission;
  /** kpaas-backend's registration of the cluster, when it has one (not looked up in dry runs). */
  registration?: ClusterRegistration;
  /** The normalized `repoUrl` input (bootstrap registers it). */
  repoUrl?: string;
}

export interface ClusterRunGuardOptions {
  permissions: PermissionsService;
  client: KpaasBackendClient;
  /**
   * `kpaas.actions.servicePrincipals`: subjects (`external:ci`, `plugin:x`) that may start
   * tasks running kpaas actions. The permission framework allows every service principal
   * without asking the policy, so any other service initiator is refused here.
   */
  servicePrincipals?: string[];
}

/** Reads `kpaas.actions.servicePrincipals` for {@link ClusterRunGuard}. */
export function actionServicePrincipalsFromConfig(config?: Config): string[] {
  return (
    config?.getOptionalStringArray('kpaas.actions.servicePrincipals') ?? []
  );
}

function initiatorName(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (p.type === 'user') return p.userEntityRef ?? 'the user';
  if (p.type === 'service') {
    return p.subject ? kpaasServicePrincipalName(p.subject) : 'a service';
  }
  return 'an unauthenticated caller';
}

/**
 * The check every kpaas action makes before any side effect (SSH, Terraform, registry write):
 * the task's initiator holds the permission for this run, and a run on a cluster kpaas already
 * has comes from the repository registered for it.
 *
 * - new cluster (no registration, or one written by this very task): `kpaas.cluster.create`;
 * - an existing cluster: `kpaas.cluster.update` on it (resource ref = cluster name);
 * - `newCluster` for a name registered by another task: refused (409);
 * - registered repo ≠ the run's `repoUrl`: refused (403) naming both;
 * - dry runs: `kpaas.cluster.create` only; they run nothing and read no registration.
 */
export class ClusterRunGuard {
  readonly #permissions: PermissionsService;
  readonly #client: KpaasBackendClient;
  readonly #servicePrincipals: ReadonlySet<string>;

  constructor(options: ClusterRunGuardOptions) {
    this.#permissions = options.permissions;
    this.#client = options.client;
    this.#servicePrincipals = new Set(options.servicePrincipals ?? []);
  }

  async authorize(request: ClusterRunRequest): Promise<ClusterRunDecision> {
    const { action, cluster, credentials } = request;
    const repoUrl =
      request.repoUrl === undefined || request.repoUrl === ''
        ? undefined
        : repoUrlInput(request.repoUrl);
    const who = initiatorName(credentials);
    const principalType = (credentials.principal as { type: string }).type;
    if (principalType === 'none') {
      throw new NotAllowedError(
        `${action}: the task has no initiator credentials; kpaas actions run only for a signed-in user`,
      );
    }
    if (
      principalType === 'service' &&
      !this.#servicePrincipals.has(
        kpaasServicePrincipalName(
          (credentials.principal as { subject: string }).subject,
        ),
      )
    ) {
      throw new NotAllowedError(
        `${action}: the task was started by ${who}, a service principal; kpaas actions run for users (whose permissions are checked), or for subjects listed in kpaas.actions.servicePrincipals`,
      );
    }

    if (request.deletes && request.isDryRun) {
      await this.#require(kpaasClusterDeletePermission, request, who);
      return { permission: kpaasClusterDeletePermission, repoUrl };
    }
    if (request.isDryRun) {
      await this.#require(kpaasClusterCreatePermission, request, who);
      return { permission: kpaasClusterCreatePermission, repoUrl };
    }

    let registration: ClusterRegistration | undefined;
    try {
      registration = await this.#client.getCluster(cluster);
    } catch (e) {
      throw new Error(
        `${action}: could not read cluster "${cluster}" from kpaas-backend (GET /api/kpaas/clusters/${cluster}), so nothing was run: ${e}`,
      );
    }
    const ownRun = Boolean(
      registration && request.taskId && registration.taskId === request.taskId,
    );
    if (request.newCluster && registration && !ownRun) {
      throw new ConflictError(
        `cluster "${cluster}" already exists in kpaas (registered ${
          registration.createdAt
        }${registration.entityRef ? ` as ${registration.entityRef}` : ''}${
          registration.repoUrl ? ` from ${registration.repoUrl}` : ''
        }); choose another cluster name (spec.metadata.name, the "Cluster name" field), or run the kpaas-cluster-apply template on its repository to repair or update it`,
      );
    }

    if (request.deletes && !registration) {
      throw new NotAllowedError(
        `${action}: cluster "${cluster}" is not registered in kpaas, so there is nothing it may delete; only a registered cluster is retired`,
      );
    }
    let permission: BasicPermission | KpaasClusterPermission =
      !registration || ownRun
        ? kpaasClusterCreatePermission
        : kpaasClusterUpdatePermission;
    if (request.deletes) permission = kpaasClusterDeletePermission;
    await this.#require(permission, request, who);

    if (registration?.repoUrl) {
      const registered = normalizeRepoUrl(
        registration.repoUrl,
        `the registered repoUrl of cluster "${cluster}"`,
      );
      if (!repoUrl) {
        throw new NotAllowedError(
          `${action}: cluster "${cluster}" runs only from its repository ${registered}; this step names no repository (input repoUrl). Pass the repository the template fetched (kpaas-cluster-apply does) so the check can be made`,
        );
      }
      if (repoUrl !== registered) {
        throw new NotAllowedError(
          `${action}: cluster "${cluster}" is registered to repository ${registered}, but this run comes from ${repoUrl}; only the cluster's own repository (its default branch or a pull request branch of it) may change it. Run kpaas-cluster-apply on ${registered}`,
        );
      }
    }
    return { permission, registration, repoUrl };
  }

  async #require(
    permission: BasicPermission | KpaasClusterPermission,
    request: ClusterRunRequest,
    who: string,
  ): Promise<void> {
    const [decision] = await this.#permissions.authorize(
      [
        permission.type === 'resource'
          ? { permission, resourceRef: request.cluster }
          : { permission },
      ],
      { credentials: request.credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `${request.action}: ${who} is not allowed ${permission.name} ${
          permission.type === 'resource'
            ? `on cluster "${request.cluster}"`
            : `(ordering cluster "${request.cluster}")`
        }; nothing was run. Ask the cluster's owners or a kpaas admin`,
      );
    }
  }
}
