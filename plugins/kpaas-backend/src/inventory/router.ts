import { InputError, NotFoundError } from '@backstage/errors';
import {
  ClusterInventory,
  kpaasClusterCreatePermission,
  kpaasClusterReadPermission,
  kpaasClusterUpdatePermission,
  MAX_CLUSTER_NAME_LENGTH,
  putInventoryRequestSchema,
  recordHostKeysRequestSchema,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import Router from 'express-promise-router';
import {
  KpaasAccess,
  requireClusterPermission,
  requireRegistrar,
} from '../service/requirePermission';
import type { InventoryStore } from './InventoryStore';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function clusterParam(req: express.Request): string {
  const name = req.params.name;
  if (!NAME.test(name) || name.length > MAX_CLUSTER_NAME_LENGTH) {
    throw new InputError(
      `cluster name: "${name}" must be a DNS-1123 label: lowercase letters, digits and "-", e.g. "demo-prod"`,
    );
  }
  return name;
}

/** Parses a body with a -common schema; the InputError names each field and the fix. */
function parseBody<T>(
  schema: {
    safeParse(v: unknown):
      | { success: true; data: T }
      | {
          success: false;
          error: { issues: Array<{ path: unknown[]; message: string }> };
        };
  },
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InputError(
    `invalid ${what}: ${result.error.issues
      .map(i => `${i.path.length ? i.path.join('.') : what}: ${i.message}`)
      .join('; ')}`,
  );
}

/**
 * `/clusters/:name/inventory`: the cluster's machines. kpaas:provision writes them (PUT),
 * kpaas:bootstrap records verified host keys (POST host-keys); both as registrars (the
 * scaffolder, after its actions authorized the task's initiator) or as a user allowed to create
 * (new name) or update the cluster. Readers need kpaas.cluster.read. Until the cluster is
 * registered, only the task that wrote the inventory may read or change it (`taskId`).
 */
export function createInventoryRouter(options: {
  store: InventoryStore;
  access: KpaasAccess;
  isRegistered: (cluster: string) => Promise<boolean>;
}): express.Router {
  const { store, access, isRegistered } = options;
  const router = Router();
  router.use('/clusters/:name/inventory', express.json({ limit: '1mb' }));

  router.get('/clusters/:name/inventory', async (req, res) => {
    const cluster = clusterParam(req);
    await requireClusterPermission(
      access,
      req,
      kpaasClusterReadPermission,
      cluster,
    );
    const taskId =
      typeof req.query.taskId === 'string' ? req.query.taskId : undefined;
    const inventory = await store.get(cluster, {
      taskId,
      registered: await isRegistered(cluster),
    });
    if (!inventory) {
      throw new NotFoundError(
        `cluster "${cluster}" has no inventory; kpaas:provision records its machines (run the order or the apply template)`,
      );
    }
    const body: ClusterInventory = inventory;
    res.json(body);
  });

  router.put('/clusters/:name/inventory', async (req, res) => {
    const cluster = clusterParam(req);
    const registered = await isRegistered(cluster);
    await requireRegistrar(
      access,
      req,
      registered ? kpaasClusterUpdatePermission : kpaasClusterCreatePermission,
      cluster,
    );
    const body = parseBody(putInventoryRequestSchema, req.body, 'inventory');
    const names = new Set<string>();
    for (const [i, n] of body.nodes.entries()) {
      if (names.has(n.name)) {
        throw new InputError(
          `invalid inventory: nodes.${i}.name: "${n.name}" is used twice; every node needs its own name`,
        );
      }
      names.add(n.name);
    }
    const { inventory, created } = await store.put(cluster, body.nodes, {
      taskId: body.taskId,
      registered,
    });
    res.status(created ? 201 : 200).json(inventory);
  });

  router.post('/clusters/:name/inventory/host-keys', async (req, res) => {
    const cluster = clusterParam(req);
    const registered = await isRegistered(cluster);
    await requireRegistrar(
      access,
      req,
      registered ? kpaasClusterUpdatePermission : kpaasClusterCreatePermission,
      cluster,
    );
    const body = parseBody(recordHostKeysRequestSchema, req.body, 'host keys');
    const inventory = await store.recordHostKeys(cluster, body.hostKeys, {
      taskId: body.taskId,
      registered,
    });
    if (!inventory) {
      throw new NotFoundError(
        `cluster "${cluster}" has no inventory to record host keys in; kpaas:provision records its machines first`,
      );
    }
    res.json(inventory);
  });

  return router;
}
