import crypto from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import type {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  ConflictError,
  InputError,
} from '@backstage/errors';
import { kpaasClusterUpdatePermission } from '@internal/plugin-kpaas-common';
import {
  KpaasAccess,
  requireRegistrar,
  ServicePrincipalPolicy,
} from '../service/requirePermission';
import { createStateAdminRoutes } from './adminRouter';
import { readStateConfig } from './config';
import type { StateCredential } from './credentials';
import {
  clusterParam,
  parseBasicAuth,
  readJsonBody,
  readRawBody,
} from './http';
import type { TerraformLockInfo } from './locks';
import { assertStateDocument } from './stateDocument';
import type { TerraformStateStore } from './TerraformStateStore';
import type { TerraformLockRenewResponse } from './types';

/**
 * Auth policy for the routes Terraform calls: it sends HTTP basic auth, not Backstage tokens,
 * so the default barrier must let it through and {@link createStateRouter} checks the
 * per-cluster credential itself. Covers `/clusters/:name/terraform/state` and everything under
 * it; the admin routes there check Backstage credentials explicitly.
 * @public
 */
export const terraformStateAuthPolicy = {
  path: '/clusters/:name/terraform/state',
  allow: 'unauthenticated',
} as const;

/** Dependencies of {@link createStateRouter}. @public */
export interface StateRouterOptions {
  /** The store (see createTerraformStateStore); the main router archives through it too. */
  store: TerraformStateStore;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  /** Reads `kpaas.terraformState.*` and (without `servicePrincipals`) `kpaas.servicePrincipals`. */
  config?: Config;
  servicePrincipals?: ServicePrincipalPolicy;
  /**
   * Whether the cluster is in the registry. The state of an unregistered cluster belongs to the
   * order (task) that wrote it: credentials for it go only to that task, whatever `newCluster`
   * says. Without it only `newCluster` requests are checked.
   */
  isRegistered?: (cluster: string) => Promise<boolean>;
}

/** The verified state credential of a Terraform-facing request. */
function credentialOf(res: express.Response): StateCredential {
  return res.locals.stateCredential as StateCredential;
}

/**
 * Terraform `http` backend for kpaas clusters plus the routes that manage it:
 *
 * - `GET|POST|DELETE /clusters/:name/terraform/state` (basic auth; POST takes `?ID=<lock id>`;
 *   DELETE archives)
 * - `LOCK|UNLOCK /clusters/:name/terraform/state/lock` (basic auth; 423 + holder info when held)
 * - `POST /clusters/:name/terraform/state/lock/renew` (basic auth or registrar): extends the lease
 * - the Backstage-authenticated routes of {@link createStateAdminRoutes}
 *
 * Every basic-auth route checks the credential before it reads a byte of the body.
 * Mount it before any router that parses JSON bodies (the state body must arrive byte-exact for
 * Content-MD5) and add {@link terraformStateAuthPolicy}.
 * @public
 */
export async function createStateRouter(
  options: StateRouterOptions,
): Promise<express.Router> {
  const { store, logger, config } = options;
  const settings = readStateConfig(config);
  const access: KpaasAccess = {
    httpAuth: options.httpAuth,
    permissions: options.permissions,
    servicePrincipals:
      options.servicePrincipals ?? ServicePrincipalPolicy.fromConfig(config),
  };
  const router = Router();

  /** Basic-auth check of the routes Terraform calls; runs before any body is read. */
  async function verifyStateCredential(
    req: express.Request,
  ): Promise<StateCredential> {
    const cluster = clusterParam(req);
    const presented = parseBasicAuth(req.headers.authorization);
    const credential =
      presented &&
      (await store.credentials.verify(
        cluster,
        presented.username,
        presented.password,
      ));
    if (!credential) {
      throw new AuthenticationError(
        `Terraform state of cluster "${cluster}" needs a valid state credential (HTTP basic auth, issued by POST /clusters/${cluster}/terraform/credentials)`,
      );
    }
    return credential;
  }
  const stateAuth: express.RequestHandler = async (req, res, next) => {
    res.locals.stateCredential = await verifyStateCredential(req);
    next();
  };

  const lockedResponse = (res: express.Response, holder: TerraformLockInfo) => {
    // Terraform decodes the body as the holder's lock info and prints it.
    res.status(423).json(holder);
  };

  router.use(
    createStateAdminRoutes({
      store,
      access,
      logger,
      settings,
      isRegistered: options.isRegistered,
    }),
  );

  router.get('/clusters/:name/terraform/state', stateAuth, async (req, res) => {
    const cluster = clusterParam(req);
    const latest = await store.getLatest(cluster);
    if (!latest) {
      // Terraform's http backend reads 204 (and 404) as "no state yet".
      res.status(204).end();
      return;
    }
    const body = Buffer.from(latest.state);
    res
      .status(200)
      .set('Content-Type', 'application/json')
      .set(
        'Content-MD5',
        crypto.createHash('md5').update(body).digest('base64'),
      )
      .send(body);
  });

  router.post(
    '/clusters/:name/terraform/state',
    stateAuth,
    async (req, res) => {
      const cluster = clusterParam(req);
      const credential = credentialOf(res);
      const body = await readRawBody(req, res, settings.maxBodyBytes);
      const md5 = req.headers['content-md5'];
      if (
        typeof md5 === 'string' &&
        crypto.createHash('md5').update(body).digest('base64') !== md5
      ) {
        throw new InputError('Content-MD5 does not match the state body');
      }
      const text = body.toString('utf8');
      assertStateDocument(text);
      const lockId =
        typeof req.query.ID === 'string' ? req.query.ID : undefined;
      const lock = await store.locks.get(cluster);
      if (lock && !lock.expired && lock.lockId !== lockId) {
        res.status(409).json(lock.info);
        return;
      }
      if (lockId && lock?.lockId !== lockId) {
        throw new ConflictError(
          `Lock ${lockId} of cluster "${cluster}" is no longer held (force-unlocked, or its lease expired and another run took it); state not written`,
        );
      }
      let version: number;
      try {
        version = await store.write(cluster, text, {
          writtenBy: credential.username,
          taskId: credential.taskId,
        });
      } catch (e) {
        if (e instanceof ConflictError) {
          logger.warn(`Refused a Terraform state write: ${e.message}`);
        }
        throw e;
      }
      // A write under the lock shows the run is alive: renew its lease.
      if (lockId) await store.locks.renew(cluster, { lockId });
      logger.info(
        `Stored Terraform state version ${version} of cluster ${cluster} (${credential.username})`,
      );
      res.status(200).end();
    },
  );

  router.delete(
    '/clusters/:name/terraform/state',
    stateAuth,
    async (req, res) => {
      const cluster = clusterParam(req);
      const lockId =
        typeof req.query.ID === 'string' ? req.query.ID : undefined;
      const lock = await store.locks.getActive(cluster);
      if (lock && lock.lockId !== lockId) {
        lockedResponse(res, lock.info);
        return;
      }
      const archived = await store.archiveState(cluster);
      logger.info(
        `Archived ${archived} Terraform state version(s) of cluster ${cluster} (DELETE by ${
          credentialOf(res).username
        })`,
      );
      res.status(200).end();
    },
  );

  router.post(
    '/clusters/:name/terraform/state/lock/renew',
    async (req, res) => {
      const cluster = clusterParam(req);
      let renewed;
      if (parseBasicAuth(req.headers.authorization)) {
        // The credential renews the lock it took (whatever ID Terraform gave it).
        const credential = await verifyStateCredential(req);
        renewed = await store.locks.renew(cluster, {
          username: credential.username,
        });
      } else {
        await requireRegistrar(
          access,
          req,
          kpaasClusterUpdatePermission,
          cluster,
        );
        const body = (await readJsonBody(req, res)) as {
          ID?: unknown;
          username?: unknown;
        };
        const lockId = typeof body.ID === 'string' ? body.ID : undefined;
        const username =
          typeof body.username === 'string' ? body.username : undefined;
        if (!lockId && !username) {
          throw new InputError(
            'Renewing as a Backstage principal needs "ID" (the lock ID) or "username" (the state credential that locked) in the body',
          );
        }
        renewed = await store.locks.renew(cluster, { lockId, username });
      }
      const response: TerraformLockRenewResponse = renewed
        ? { renewed: true, ...renewed }
        : { renewed: false };
      res.json(response);
    },
  );

  router.all(
    '/clusters/:name/terraform/state/lock',
    async (req, _res, next) => {
      const method = req.method.toUpperCase();
      // DELETE is the admin force-unlock (adminRouter); everything else but LOCK/UNLOCK is 405.
      if (method === 'LOCK' || method === 'UNLOCK') next();
      else next('route');
    },
    stateAuth,
    async (req, res) => {
      const cluster = clusterParam(req);
      const method = req.method.toUpperCase();
      const credential = credentialOf(res);
      const body = await readRawBody(req, res, settings.maxBodyBytes);
      let info: TerraformLockInfo | undefined;
      if (body.length > 0) {
        try {
          info = JSON.parse(body.toString('utf8'));
        } catch (e) {
          throw new InputError(
            `The body is not Terraform lock info JSON: ${e}`,
          );
        }
        if (!info || typeof info.ID !== 'string' || info.ID === '') {
          throw new InputError('The lock info has no "ID"');
        }
      }

      if (method === 'LOCK') {
        if (!info) throw new InputError('LOCK needs the lock info as its body');
        const result = await store.locks.lock(cluster, info, {
          username: credential.username,
          principal: credential.issuedBy,
          taskId: credential.taskId,
        });
        if (!result.ok) {
          lockedResponse(res, result.holder);
          return;
        }
        res.status(200).json(info);
        return;
      }

      // UNLOCK: with the holder's lock info releases it. An empty body is `terraform
      // force-unlock`: allowed for the credential that took the lock or an expired lease;
      // anything else needs a state admin (DELETE .../state/lock).
      if (!info) {
        const lock = await store.locks.get(cluster);
        if (lock && !lock.expired && lock.username !== credential.username) {
          logger.warn(
            `Refused force-unlock of cluster ${cluster} by ${credential.username}: the lock is held by ${lock.username}`,
          );
          lockedResponse(res, lock.info);
          return;
        }
      }
      const result = await store.locks.unlock(cluster, info?.ID);
      if (!result.ok) {
        lockedResponse(res, result.holder);
        return;
      }
      if (!info) {
        logger.warn(
          `Terraform state lock of cluster ${cluster} force-unlocked by ${credential.username}`,
        );
      }
      res.status(200).end();
    },
  );

  router.all('/clusters/:name/terraform/state/lock', async (req, res) => {
    res.setHeader('Allow', 'LOCK, UNLOCK, DELETE');
    res
      .status(405)
      .json({ error: `Use LOCK or UNLOCK, not ${req.method.toUpperCase()}` });
  });

  return router;
}
