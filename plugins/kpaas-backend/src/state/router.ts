import crypto from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  DatabaseService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  kpaasClusterReadPermission,
  kpaasClusterRegisterPermission,
} from '@internal/plugin-kpaas-common';
import {
  DEFAULT_KEEP_STATE_VERSIONS,
  TerraformLockInfo,
  TerraformStateStore,
} from './TerraformStateStore';
import type {
  TerraformStateCredentialsRequest,
  TerraformStateCredentialsResponse,
  TerraformStateVersionsResponse,
} from './types';

/**
 * Auth policy for the routes Terraform calls: it sends HTTP basic auth, not Backstage tokens,
 * so the default barrier must let it through and {@link createStateRouter} checks the
 * per-cluster credential itself. Covers `/clusters/:name/terraform/state` and
 * `/clusters/:name/terraform/state/lock`; `.../state/versions` sits under it too and checks
 * Backstage credentials explicitly.
 * @public
 */
export const terraformStateAuthPolicy = {
  path: '/clusters/:name/terraform/state',
  allow: 'unauthenticated',
} as const;

/** Dependencies of {@link createStateRouter}. @public */
export interface StateRouterOptions {
  database: DatabaseService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  /** Reads `kpaas.terraformState.keepVersions` (default 10). */
  config?: Config;
  /**
   * Run the plugin's knex migrations (whole `migrations/` folder) before serving; default true
   * unless `database.migrations.skip`. Harmless when plugin.ts ran them already.
   */
  migrate?: boolean;
}

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** The scaffolder's service principal (kpaas:provision asks for credentials as itself). */
const SCAFFOLDER_SUBJECT = 'plugin:scaffolder';
/** Longest credential lifetime: the provision timeout (10 h) plus slack. */
const MAX_CREDENTIAL_TTL_MINUTES = 24 * 60;
const DEFAULT_CREDENTIAL_TTL_MINUTES = 12 * 60;
const MAX_STATE_BYTES = '64mb';

function clusterParam(req: express.Request): string {
  const name = req.params.name;
  if (!CLUSTER_NAME.test(name)) {
    throw new InputError(
      `"${name}" is not a cluster name; use the DNS-1123 name from cluster.yaml metadata.name`,
    );
  }
  return name;
}

function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

/** The raw body: the state router parses it itself; a JSON parser mounted earlier may have won. */
function rawBody(req: express.Request): Buffer {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (req.body === undefined || req.body === null) return Buffer.alloc(0);
  if (typeof req.body === 'object' && Object.keys(req.body).length === 0) {
    return Buffer.alloc(0);
  }
  return Buffer.from(JSON.stringify(req.body));
}

/**
 * Terraform `http` backend for kpaas clusters plus the routes that manage it:
 *
 * - `GET|POST|DELETE /clusters/:name/terraform/state` (state; POST takes `?ID=<lock id>`)
 * - `LOCK|UNLOCK /clusters/:name/terraform/state/lock` (423 + holder info when held elsewhere)
 * - `GET /clusters/:name/terraform/state/versions[/:version]` (Backstage auth, kpaas.cluster.read;
 *   a version's document needs kpaas.cluster.register because state can hold secrets)
 * - `POST /clusters/:name/terraform/credentials` (Backstage auth: the scaffolder's service
 *   principal or kpaas.cluster.register) → a basic-auth credential for the state routes
 *
 * Mount it before any router that parses JSON bodies (the state body must arrive byte-exact for
 * Content-MD5) and add {@link terraformStateAuthPolicy}.
 * @public
 */
export async function createStateRouter(
  options: StateRouterOptions,
): Promise<express.Router> {
  const { database, httpAuth, permissions, logger, config } = options;
  const db = await database.getClient();
  if (options.migrate ?? !database.migrations?.skip) {
    await db.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-kpaas-backend',
        'migrations',
      ),
    });
  }
  const store = new TerraformStateStore({
    db,
    keepVersions:
      config?.getOptionalNumber('kpaas.terraformState.keepVersions') ??
      DEFAULT_KEEP_STATE_VERSIONS,
  });

  const router = Router();
  const raw = express.raw({ type: () => true, limit: MAX_STATE_BYTES });

  /** Basic-auth check of the routes Terraform calls. */
  async function requireStateCredential(
    req: express.Request,
    cluster: string,
  ): Promise<string> {
    const presented = parseBasicAuth(req.headers.authorization);
    if (
      !presented ||
      !(await store.verifyCredential(
        cluster,
        presented.username,
        presented.password,
      ))
    ) {
      throw new AuthenticationError(
        `Terraform state of cluster "${cluster}" needs a valid state credential (HTTP basic auth, issued by POST /clusters/${cluster}/terraform/credentials)`,
      );
    }
    return presented.username;
  }

  async function requirePermission(
    req: express.Request,
    permission:
      | typeof kpaasClusterReadPermission
      | typeof kpaasClusterRegisterPermission,
  ) {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Missing permission ${permission.name}`);
    }
    return credentials;
  }

  const lockedResponse = (res: express.Response, holder: TerraformLockInfo) => {
    // Terraform decodes the body as the holder's lock info and prints it.
    res.status(423).json(holder);
  };

  router.post(
    '/clusters/:name/terraform/credentials',
    express.json(),
    async (req, res) => {
      const cluster = clusterParam(req);
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const principal = credentials.principal as {
        type: string;
        subject?: string;
      };
      if (principal.type === 'service') {
        if (principal.subject !== SCAFFOLDER_SUBJECT) {
          throw new NotAllowedError(
            `Only the scaffolder (${SCAFFOLDER_SUBJECT}) or users with kpaas.cluster.register get Terraform state credentials`,
          );
        }
      } else {
        await requirePermission(req, kpaasClusterRegisterPermission);
      }
      const body = parseCredentialsRequest(req);
      const ttl = body.ttlMinutes ?? DEFAULT_CREDENTIAL_TTL_MINUTES;
      const issued = await store.issueCredential(cluster, ttl);
      logger.info(
        `Issued Terraform state credential ${issued.username} for cluster ${cluster} (valid ${ttl} min)`,
      );
      const response: TerraformStateCredentialsResponse = issued;
      res.status(201).json(response);
    },
  );

  router.get('/clusters/:name/terraform/state/versions', async (req, res) => {
    const cluster = clusterParam(req);
    await requirePermission(req, kpaasClusterReadPermission);
    const lock = await store.getLock(cluster);
    const response: TerraformStateVersionsResponse = {
      items: await store.listVersions(cluster),
      lock: lock ? { info: lock.info, lockedAt: lock.lockedAt } : undefined,
    };
    res.json(response);
  });

  router.get(
    '/clusters/:name/terraform/state/versions/:version',
    async (req, res) => {
      const cluster = clusterParam(req);
      await requirePermission(req, kpaasClusterRegisterPermission);
      const version = Number(req.params.version);
      if (!Number.isInteger(version) || version < 1) {
        throw new InputError(`"${req.params.version}" is not a version number`);
      }
      const state = await store.getVersion(cluster, version);
      if (state === undefined) {
        throw new NotFoundError(
          `Cluster "${cluster}" has no kept state version ${version}`,
        );
      }
      res.type('application/json').send(state);
    },
  );

  router.get('/clusters/:name/terraform/state', async (req, res) => {
    const cluster = clusterParam(req);
    await requireStateCredential(req, cluster);
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

  router.post('/clusters/:name/terraform/state', raw, async (req, res) => {
    const cluster = clusterParam(req);
    await requireStateCredential(req, cluster);
    const body = rawBody(req);
    const md5 = req.headers['content-md5'];
    if (
      Buffer.isBuffer(req.body) &&
      typeof md5 === 'string' &&
      crypto.createHash('md5').update(body).digest('base64') !== md5
    ) {
      throw new InputError('Content-MD5 does not match the state body');
    }
    const text = body.toString('utf8');
    try {
      const parsed = JSON.parse(text);
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        !('version' in parsed)
      ) {
        throw new Error('no "version" field');
      }
    } catch (e) {
      throw new InputError(`The body is not a Terraform state document: ${e}`);
    }
    const lockId = typeof req.query.ID === 'string' ? req.query.ID : undefined;
    const lock = await store.getLock(cluster);
    if (lock && lock.lockId !== lockId) {
      res.status(409).json(lock.info);
      return;
    }
    if (!lock && lockId) {
      throw new ConflictError(
        `Lock ${lockId} of cluster "${cluster}" is no longer held (force-unlocked?); state not written`,
      );
    }
    const version = await store.write(cluster, text);
    logger.info(
      `Stored Terraform state version ${version} of cluster ${cluster}`,
    );
    res.status(200).end();
  });

  router.delete('/clusters/:name/terraform/state', async (req, res) => {
    const cluster = clusterParam(req);
    await requireStateCredential(req, cluster);
    const lockId = typeof req.query.ID === 'string' ? req.query.ID : undefined;
    const lock = await store.getLock(cluster);
    if (lock && lock.lockId !== lockId) {
      lockedResponse(res, lock.info);
      return;
    }
    await store.deleteState(cluster);
    res.status(200).end();
  });

  router.all('/clusters/:name/terraform/state/lock', raw, async (req, res) => {
    const cluster = clusterParam(req);
    const method = req.method.toUpperCase();
    if (method !== 'LOCK' && method !== 'UNLOCK') {
      res.setHeader('Allow', 'LOCK, UNLOCK');
      res.status(405).json({ error: `Use LOCK or UNLOCK, not ${method}` });
      return;
    }
    const username = await requireStateCredential(req, cluster);
    const body = rawBody(req);
    let info: TerraformLockInfo | undefined;
    if (body.length > 0) {
      try {
        info = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new InputError(`The body is not Terraform lock info JSON: ${e}`);
      }
      if (!info || typeof info.ID !== 'string' || info.ID === '') {
        throw new InputError('The lock info has no "ID"');
      }
    }

    if (method === 'LOCK') {
      if (!info) throw new InputError('LOCK needs the lock info as its body');
      const result = await store.lock(cluster, info, username);
      if (!result.ok) {
        lockedResponse(res, result.holder);
        return;
      }
      res.status(200).json(info);
      return;
    }

    // UNLOCK: with the holder's lock info releases it; an empty body is `terraform force-unlock`.
    const result = await store.unlock(cluster, info?.ID);
    if (!result.ok) {
      lockedResponse(res, result.holder);
      return;
    }
    if (!info) {
      logger.warn(
        `Terraform state lock of cluster ${cluster} force-unlocked by ${username}`,
      );
    }
    res.status(200).end();
  });

  return router;
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
  })
  .strict();

function parseCredentialsRequest(
  req: express.Request,
): TerraformStateCredentialsRequest {
  const parsed = credentialsRequestSchema.safeParse(req.body ?? {});
  if (!parsed.success) {
    throw new InputError(
      `Invalid credentials request: ${parsed.error.issues
        .map(i => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
