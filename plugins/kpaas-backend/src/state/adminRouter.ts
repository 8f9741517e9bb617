import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  kpaasClusterReadPermission,
  kpaasClusterStateAdminPermission,
  kpaasClusterUpdatePermission,
} from '@internal/plugin-kpaas-common';
import {
  KpaasAccess,
  requireClusterPermission,
  requireRegistrar,
} from '../service/requirePermission';
import type { StateConfig } from './config';
import { clusterParam, readJsonBody, readRawBody, versionParam } from './http';
import { assertStateDocument } from './stateDocument';
import type { TerraformStateStore } from './TerraformStateStore';
import type {
  TerraformStateCredentialsRequest,
  TerraformStateCredentialsResponse,
  TerraformStateRestoreResponse,
  TerraformStateVersionsResponse,
} from './types';

/** Longest credential lifetime: the provision timeout (10 h) plus slack. */
const MAX_CREDENTIAL_TTL_MINUTES = 24 * 60;
const DEFAULT_CREDENTIAL_TTL_MINUTES = 12 * 60;

/** A user's entity ref or a service's subject, for logs and the lock info. */
export function principalName(credentials: BackstageCredentials): string {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  return (p.type === 'user' ? p.userEntityRef : p.subject) ?? p.type;
}

const credentialsRequestSchema = z
  .object({
    ttlMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_CREDENTIAL_TTL_MINUTES)
      .optional()
      .describe('Lifetime of the credential; default 12 hours'),
    newCluster: z.boolean().optional(),
    taskId: z.string().min(1).max(128).optional(),
  })
  .strict();

function parseCredentialsRequest(
  body: unknown,
): TerraformStateCredentialsRequest {
  const parsed = credentialsRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new InputError(
      `Invalid credentials request: ${parsed.error.issues
        .map(i => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * The Backstage-authenticated state routes (the caller is checked before any body is read):
 *
 * - `POST /clusters/:name/terraform/credentials`: registrars or kpaas.cluster.update
 * - `GET .../terraform/state/versions`: kpaas.cluster.read (metadata and lock only)
 * - `GET .../terraform/state/versions/:version`: kpaas.cluster.state.admin (state holds keys)
 * - `POST .../terraform/state/restore/:version`, `POST .../terraform/state/push` (forced
 *   write), `POST .../terraform/state/purge`, `DELETE .../terraform/state/lock`:
 *   kpaas.cluster.state.admin
 */
export function createStateAdminRoutes(options: {
  store: TerraformStateStore;
  access: KpaasAccess;
  logger: LoggerService;
  settings: StateConfig;
  isRegistered?: (cluster: string) => Promise<boolean>;
}): express.Router {
  const { store, access, logger, settings } = options;
  const router = Router();
  const stateAdmin = (req: express.Request, cluster: string) =>
    requireClusterPermission(
      access,
      req,
      kpaasClusterStateAdminPermission,
      cluster,
    );

  /** Restore and push replace the current state: not under a live lock. */
  async function refuseWhileLocked(cluster: string, what: string) {
    const lock = await store.locks.getActive(cluster);
    if (lock) {
      throw new ConflictError(
        `Cannot ${what} cluster "${cluster}" while its state is locked by ${
          lock.info.Who ?? lock.username ?? 'someone'
        } (lock ${lock.lockId}, task ${
          lock.taskId ?? 'unknown'
        }); wait for the run or force-unlock with DELETE /clusters/${cluster}/terraform/state/lock`,
      );
    }
  }

  router.post('/clusters/:name/terraform/credentials', async (req, res) => {
    const cluster = clusterParam(req);
    const credentials = await requireRegistrar(
      access,
      req,
      kpaasClusterUpdatePermission,
      cluster,
    );
    const body = parseCredentialsRequest(await readJsonBody(req, res));
    // A new order may not take over a name that has state; and until an order registers its
    // cluster, its state is that order's alone: no other run (any repository) may continue it.
    const unregistered =
      !body.newCluster &&
      options.isRegistered !== undefined &&
      !(await options.isRegistered(cluster));
    if (body.newCluster || unregistered) {
      const existing = await store.currentSummary(cluster, body.taskId);
      if (existing) {
        throw new ConflictError(
          body.newCluster
            ? `cluster ${cluster} already has Terraform state (${existing.versions} versions, last written ${existing.lastWrittenAt}); choose another name or run the apply template on its repository`
            : `cluster ${cluster} is not registered yet and its Terraform state (${existing.versions} versions, last written ${existing.lastWrittenAt}) belongs to the order that is creating it; retry that order's task, or wait until it has registered the cluster and then run the apply template on its repository`,
        );
      }
    }
    const ttl = body.ttlMinutes ?? DEFAULT_CREDENTIAL_TTL_MINUTES;
    const issuedBy = principalName(credentials);
    const issued = await store.credentials.issue(cluster, ttl, {
      taskId: body.taskId,
      issuedBy,
    });
    logger.info(
      `Issued Terraform state credential ${
        issued.username
      } for cluster ${cluster} to ${issuedBy}${
        body.taskId ? ` (task ${body.taskId})` : ''
      }, valid ${ttl} min`,
    );
    const response: TerraformStateCredentialsResponse = issued;
    res.status(201).json(response);
  });

  router.get('/clusters/:name/terraform/state/versions', async (req, res) => {
    const cluster = clusterParam(req);
    await requireClusterPermission(
      access,
      req,
      kpaasClusterReadPermission,
      cluster,
    );
    const lock = await store.locks.get(cluster);
    const { current, archived } = await store.listVersions(cluster);
    let lockView: TerraformStateVersionsResponse['lock'];
    if (lock) {
      const { lockId: _lockId, ...rest } = lock;
      lockView = rest;
    }
    const response: TerraformStateVersionsResponse = {
      items: current,
      archived,
      lock: lockView,
    };
    res.json(response);
  });

  router.get(
    '/clusters/:name/terraform/state/versions/:version',
    async (req, res) => {
      const cluster = clusterParam(req);
      await stateAdmin(req, cluster);
      const version = versionParam(req);
      const state = await store.getVersion(cluster, version);
      if (state === undefined) {
        throw new NotFoundError(
          `Cluster "${cluster}" has no kept or archived state version ${version}`,
        );
      }
      res.type('application/json').send(state);
    },
  );

  router.post(
    '/clusters/:name/terraform/state/restore/:version',
    async (req, res) => {
      const cluster = clusterParam(req);
      const who = principalName(await stateAdmin(req, cluster));
      const version = versionParam(req);
      await refuseWhileLocked(cluster, `restore version ${version} of`);
      const restored = await store.restore(cluster, version, who);
      logger.warn(
        `Terraform state version ${version} of cluster ${cluster} restored as version ${restored.version} (serial ${restored.serial}) by ${who}`,
      );
      const response: TerraformStateRestoreResponse = {
        ...restored,
        restoredFrom: version,
      };
      res.json(response);
    },
  );

  router.post('/clusters/:name/terraform/state/push', async (req, res) => {
    const cluster = clusterParam(req);
    const who = principalName(await stateAdmin(req, cluster));
    await refuseWhileLocked(cluster, 'push a state document to');
    const text = (await readRawBody(req, res, settings.maxBodyBytes)).toString(
      'utf8',
    );
    assertStateDocument(text);
    const version = await store.write(cluster, text, {
      force: true,
      writtenBy: `push by ${who}`,
    });
    logger.warn(
      `Terraform state of cluster ${cluster} replaced by a forced push (version ${version}) by ${who}`,
    );
    res.status(201).json({ version });
  });

  router.post('/clusters/:name/terraform/state/purge', async (req, res) => {
    const cluster = clusterParam(req);
    const who = principalName(await stateAdmin(req, cluster));
    const purged = await store.purgeArchived(
      cluster,
      settings.archiveRetentionDays,
    );
    logger.warn(
      `Purged ${purged} archived Terraform state version(s) of cluster ${cluster} older than ${settings.archiveRetentionDays} days (by ${who})`,
    );
    res.json({ purged, retentionDays: settings.archiveRetentionDays });
  });

  router.delete('/clusters/:name/terraform/state/lock', async (req, res) => {
    const cluster = clusterParam(req);
    const who = principalName(await stateAdmin(req, cluster));
    const lock = await store.locks.get(cluster);
    await store.locks.unlock(cluster);
    if (lock) {
      logger.warn(
        `Terraform state lock ${lock.lockId} of cluster ${cluster} (held by ${
          lock.info.Who ?? lock.username
        }, task ${lock.taskId ?? 'unknown'}) force-unlocked by ${who}`,
      );
    }
    res.json({ released: lock ? lock.info : null });
  });

  return router;
}
