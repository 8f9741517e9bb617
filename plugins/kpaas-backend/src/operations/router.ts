import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import type { PolicyDecision } from '@backstage/plugin-permission-common';
import {
  clusterOperationsWarnings,
  FleetOperationsResponse,
  FleetOperationsUnavailable,
  FleetOperationsWarning,
  kpaasClusterReadPermission,
  MAX_CLUSTER_NAME_LENGTH,
  sortFleetWarnings,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import Router from 'express-promise-router';
import pLimit from 'p-limit';
import type { ClusterNetworks } from '../network/ClusterNetworks';
import type {
  ClusterConnection,
  ClusterRecord,
} from '../registry/ClusterRegistry';
import type { KpaasClusterResource } from '../permissions/clusterResource';
import {
  clusterFilter,
  KpaasAccess,
  requireClusterPermission,
} from '../service/requirePermission';
import { KubeClusterClient } from '../status/KubeClusterClient';
import type { StatusService } from '../status/StatusService';
import { readClusterOperations } from './readOperations';
import { serviceAccountTokenExpiry } from './serviceAccountToken';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface OperationsRouterOptions {
  registry: {
    list(): Promise<ClusterRecord[]>;
    get(name: string): Promise<ClusterRecord | undefined>;
    getConnection(name: string): Promise<ClusterConnection | undefined>;
  };
  status: Pick<StatusService, 'get' | 'peek'>;
  access: KpaasAccess;
  /** Applies a conditional decision on kpaas-cluster to one cluster (the fleet route's filter). */
  applyClusterConditions: (
    decision: PolicyDecision,
    cluster: KpaasClusterResource,
  ) => boolean;
  networks: ClusterNetworks;
  logger: LoggerService;
  /** Per request to the cluster (default 10 s). */
  requestTimeoutMs?: number;
  /** Clusters the fleet route reads at once (default 8). */
  fleetConcurrency?: number;
}

/**
 * `GET /clusters/:name/operations` (kpaas.cluster.read): backups, expiries soonest first and
 * version support of one cluster, read from its API on request (never a Secret) plus the
 * cached status (the serving certificate's expiry, the API server and kubelet versions).
 */
export function createOperationsRouter(
  options: OperationsRouterOptions,
): express.Router {
  const router = Router();
  const clientOf = (connection: ClusterConnection) =>
    new KubeClusterClient(connection, {
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      networks: options.networks,
    });

  /*
   * GET /fleet/operations: the warnings of every cluster the caller may read (filtered like
   * GET /clusters), from the same readClusterOperations as the cluster page, most severe and
   * soonest first. Only clusters whose stored status says the API answers are read (at most
   * fleetConcurrency at once); the others are listed as unavailable with the status's reason,
   * so one dead cluster never holds the page.
   */
  router.get('/fleet/operations', async (req, res) => {
    const mayRead = await clusterFilter(
      options.access,
      req,
      kpaasClusterReadPermission,
      options.applyClusterConditions,
    );
    const clusters = (await options.registry.list()).filter(mayRead);
    const now = new Date();
    const limit = pLimit(options.fleetConcurrency ?? 8);
    const items: FleetOperationsWarning[] = [];
    const unavailable: FleetOperationsUnavailable[] = [];
    await Promise.all(
      clusters.map(record =>
        limit(async () => {
          const served = await options.status.peek(record.name);
          if (!served) {
            unavailable.push({
              cluster: record.name,
              reason: 'not checked yet; the next refresh checks it',
            });
            return;
          }
          if (!served.status.api.reachable) {
            unavailable.push({
              cluster: record.name,
              reason: `unreachable: ${served.status.api.error ?? 'no answer'}`,
            });
            return;
          }
          const connection = await options.registry.getConnection(record.name);
          if (!connection) {
            unavailable.push({
              cluster: record.name,
              reason: 'no stored connection',
            });
            return;
          }
          try {
            const ops = await readClusterOperations({
              client: clientOf(connection),
              record,
              status: served.status,
              now,
              tokenExpiresAt: serviceAccountTokenExpiry(connection.token),
            });
            items.push(...clusterOperationsWarnings(ops));
          } catch (e) {
            unavailable.push({
              cluster: record.name,
              reason: (e as Error).message,
            });
          }
        }),
      ),
    );
    const body: FleetOperationsResponse = {
      checkedAt: now.toISOString(),
      items: sortFleetWarnings(items),
      unavailable: unavailable.sort((a, b) =>
        a.cluster.localeCompare(b.cluster),
      ),
    };
    res.set('Cache-Control', 'private, no-cache');
    res.json(body);
  });

  router.get('/clusters/:name/operations', async (req, res) => {
    const name = req.params.name;
    if (!NAME.test(name) || name.length > MAX_CLUSTER_NAME_LENGTH) {
      throw new InputError(
        `cluster name: "${name}" must be a DNS-1123 label: lowercase letters, digits and "-", e.g. "demo-prod"`,
      );
    }
    await requireClusterPermission(
      options.access,
      req,
      kpaasClusterReadPermission,
      name,
    );
    const record = await options.registry.get(name);
    const connection = record && (await options.registry.getConnection(name));
    if (!record || !connection)
      throw new NotFoundError(`no cluster named "${name}"`);
    const served = await options.status.get(record);
    const body = await readClusterOperations({
      client: clientOf(connection),
      record,
      status: served.status,
      now: new Date(),
      tokenExpiresAt: serviceAccountTokenExpiry(connection.token),
    });
    res.set('Cache-Control', 'private, no-cache');
    res.json(body);
  });
  return router;
}
