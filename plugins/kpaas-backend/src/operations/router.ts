import type { LoggerService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  kpaasClusterReadPermission,
  MAX_CLUSTER_NAME_LENGTH,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import Router from 'express-promise-router';
import type { ClusterNetworks } from '../network/ClusterNetworks';
import type {
  ClusterConnection,
  ClusterRecord,
} from '../registry/ClusterRegistry';
import {
  KpaasAccess,
  requireClusterPermission,
} from '../service/requirePermission';
import { KubeClusterClient } from '../status/KubeClusterClient';
import type { StatusService } from '../status/StatusService';
import { readClusterOperations } from './readOperations';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface OperationsRouterOptions {
  registry: {
    get(name: string): Promise<ClusterRecord | undefined>;
    getConnection(name: string): Promise<ClusterConnection | undefined>;
  };
  status: Pick<StatusService, 'get'>;
  access: KpaasAccess;
  networks: ClusterNetworks;
  logger: LoggerService;
  /** Per request to the cluster (default 10 s). */
  requestTimeoutMs?: number;
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
    const client = new KubeClusterClient(connection, {
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      networks: options.networks,
    });
    const body = await readClusterOperations({
      client,
      record,
      status: served.status,
      now: new Date(),
    });
    res.set('Cache-Control', 'private, no-cache');
    res.json(body);
  });
  return router;
}
