import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  kpaasClusterDeletePermission,
  kpaasClusterReadPermission,
  RetireClusterRequest,
  RetireClusterResponse,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import Router from 'express-promise-router';
import type { InventoryStore } from '../inventory/InventoryStore';
import { ClusterRegistry, toRegistration } from '../registry/ClusterRegistry';
import {
  KpaasAccess,
  requireClusterPermission,
  requireRegistrar,
} from '../service/requirePermission';
import type { RetiredClusters } from './RetiredClusters';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function nameOf(value: string): string {
  if (!NAME.test(value) || value.length > 63) {
    throw new InputError(
      `cluster name: "${value}" must be a DNS-1123 label: lowercase letters, digits and "-"`,
    );
  }
  return value;
}

/**
 * `POST /clusters/:name/retire` (kpaas:retire's last step, after the add-ons are uninstalled and
 * the machines destroyed) and `GET /clusters/:name/retired`. Retiring needs
 * kpaas.cluster.delete on the cluster (the scaffolder as registrar, after kpaas:retire checked
 * the initiator, or a user holding it) and the name typed again (`confirm`). It keeps the
 * registration and the machines in kpaas_retired_clusters, archives the Terraform state (its
 * credentials revoked, its lock released), deletes the inventory, archives the timeline,
 * deletes the registry entry and forgets the status: a new cluster of the same name starts
 * afresh.
 */
export function createRetireRouter(options: {
  access: KpaasAccess;
  registry: ClusterRegistry;
  inventory: InventoryStore;
  retired: RetiredClusters;
  /** Archives the state (credentials revoked, lock released); resolves to the versions archived. */
  archiveState: (cluster: string) => Promise<number>;
  /** Drops the cluster's cached status. */
  forgetStatus: (cluster: string) => Promise<void>;
}): express.Router {
  const { access, registry, retired } = options;
  const router = Router();
  router.use('/clusters/:name/retire', express.json({ limit: '64kb' }));

  router.post('/clusters/:name/retire', async (req, res) => {
    const name = nameOf(req.params.name);
    const credentials = await requireRegistrar(
      access,
      req,
      kpaasClusterDeletePermission,
      name,
    );
    const body = (req.body ?? {}) as Partial<RetireClusterRequest>;
    if (body.confirm !== name) {
      throw new InputError(
        `confirm: type the cluster's name "${name}" again to retire it (got ${JSON.stringify(
          body.confirm ?? null,
        )})`,
      );
    }
    const record = await registry.get(name);
    if (!record) {
      throw new NotFoundError(
        `cluster "${name}" is not registered in kpaas; nothing to retire (GET /clusters/${name}/retired lists earlier retirements)`,
      );
    }
    if (record.source === 'config') {
      throw new ConflictError(
        `cluster "${name}" is defined in app-config (kpaas.clusters); remove it there`,
      );
    }
    const machines = await options.inventory.get(name, {
      registered: true,
    });
    const timeline = await registry.listTimeline(name);
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
    };
    // the record first: whatever fails after it, the registration is kept
    const entry = await retired.add({
      cluster: name,
      registration: toRegistration(record),
      inventory: machines?.nodes,
      taskId: typeof body.taskId === 'string' ? body.taskId : undefined,
      retiredBy:
        principal.type === 'user' ? principal.userEntityRef : undefined,
    });
    const archivedStateVersions = await options.archiveState(name);
    await options.inventory.delete(name);
    await registry.delete(name);
    await options.forgetStatus(name);
    const response: RetireClusterResponse = {
      retired: entry,
      archivedStateVersions,
      archivedTimelineEntries: timeline.length,
    };
    res.json(response);
  });

  router.get('/clusters/:name/retired', async (req, res) => {
    const name = nameOf(req.params.name);
    await requireClusterPermission(
      access,
      req,
      kpaasClusterReadPermission,
      name,
    );
    res.json({ items: await retired.list(name) });
  });

  return router;
}
