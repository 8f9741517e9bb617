import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type {
  AuditorService,
  CacheService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type { PolicyDecision } from '@backstage/plugin-permission-common';
import {
  AddonCatalog,
  AddonCatalogResponse,
  ClusterRegistration,
  formatSpecErrors,
  KpaasHealthResponse,
  kpaasClusterCreatePermission,
  kpaasClusterDeletePermission,
  kpaasClusterReadPermission,
  kpaasClusterRefreshPermission,
  kpaasClusterUpdatePermission,
  ListClustersResponse,
  MAX_CLUSTER_NAME_LENGTH,
  parseClusterSpec,
  RefreshClusterResponse,
  TimelineResponse,
  normalizeRepoUrl,
} from '@internal/plugin-kpaas-common';
import { createKubeconfigRouter } from '../access/kubeconfigRouter';
import { createOperationsRouter } from '../operations/router';
import type { ClusterNetworks } from '../network/ClusterNetworks';
import type { KpaasClusterResource } from '../permissions/clusterResource';
import type { ClusterRegistry } from '../registry/ClusterRegistry';
import { toRegistration } from '../registry/ClusterRegistry';
import type { StatusService } from '../status/StatusService';
import {
  clusterFilter,
  KpaasAccess,
  requireClusterPermission,
  requireRegistrar,
  ServicePrincipalPolicy,
} from './requirePermission';

/** Dependencies of the kpaas router. */
export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  cache: CacheService;
  auditor?: AuditorService;
  registry: ClusterRegistry;
  status: StatusService;
  catalog?: AddonCatalog;
  /** What service principals may do (kpaas.servicePrincipals). */
  servicePrincipals: ServicePrincipalPolicy;
  /** Where API servers may be (kpaas.clusterNetworks), checked at registration. */
  networks: ClusterNetworks;
  /** Applies a conditional decision on kpaas-cluster to one cluster (the plugin's rules). */
  applyClusterConditions: (
    decision: PolicyDecision,
    cluster: KpaasClusterResource,
  ) => boolean;
  /**
   * Archives a deleted cluster's Terraform state and revokes its state credentials (the state
   * store); called before the registration is removed.
   */
  archiveClusterState: (name: string) => Promise<void>;
  /** Minimum time between two manual refreshes of one cluster. Default 10 s. */
  refreshIntervalMs?: number;
}

const clusterName = z
  .string()
  .max(MAX_CLUSTER_NAME_LENGTH)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS-1123 label: lowercase letters, digits and "-", e.g. "demo-prod"',
  );

const isoDate = z.iso.datetime({ offset: true });

const registerSchema = z
  .object({
    name: clusterName,
    entityRef: z
      .string()
      .regex(
        /^[a-z]+:[^/]+\/.+$/i,
        'must be an entity ref like "resource:default/demo"',
      )
      .optional(),
    apiServerUrl: z.url({
      protocol: /^https$/,
      error:
        'must be an https:// URL of the API server, e.g. "https://172.16.0.100:6443"',
    }),
    caData: z
      .string()
      .min(1)
      .refine(
        v => !/PRIVATE KEY/.test(v) && !/PRIVATE KEY/.test(safeBase64(v)),
        {
          message:
            'must be the CA certificate only; a private key is never sent to kpaas',
        },
      )
      .optional(),
    serviceAccountToken: z
      .string()
      .min(1, 'is required: the read-only ServiceAccount token'),
    spec: z.unknown().optional(),
    taskId: z.string().max(255).optional(),
    repoUrl: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        // Stored as given by the scaffolder: an https URL without credentials, never a token.
        let url: URL | undefined;
        try {
          url = new URL(value.trim());
        } catch {
          url = undefined;
        }
        if (url?.protocol !== 'https:') {
          ctx.addIssue({
            code: 'custom',
            message:
              'must be an https:// URL of the cluster repo, e.g. "https://github.com/org/demo-cluster"',
          });
          return;
        }
        if (url.username || url.password) {
          ctx.addIssue({
            code: 'custom',
            message: 'must not contain credentials',
          });
          return;
        }
        try {
          normalizeRepoUrl(value, 'repoUrl');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
  })
  .strict();

const timelineSchema = z
  .object({
    phase: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,31}$/,
        'must be e.g. "provision", "bootstrap" or "addons"',
      ),
    step: z.string().min(1).max(128),
    status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
    startedAt: isoDate.optional(),
    finishedAt: isoDate.optional(),
    summary: z.string().max(4000).optional(),
    taskId: z.string().max(255).optional(),
  })
  .strict();

function safeBase64(value: string): string {
  try {
    return Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return '';
  }
}

/** Parses with zod; the InputError names each field and what to fix. */
function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      const field = issue.path.length ? issue.path.join('.') : what;
      return `${field}: ${issue.message}`;
    });
    throw new InputError(`invalid ${what}: ${problems.join('; ')}`);
  }
  return result.data;
}

function describePrincipal(principal: unknown): string {
  const p = principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  return p.type === 'user'
    ? p.userEntityRef ?? 'a user'
    : p.subject ?? 'a service';
}

/** Creates the `/api/kpaas` router. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { registry, status, cache, auditor, catalog, logger, networks } =
    options;
  const auth: KpaasAccess = {
    permissions: options.permissions,
    httpAuth: options.httpAuth,
    servicePrincipals: options.servicePrincipals,
  };
  const nameOf = (raw: string) => parseInput(clusterName, raw, 'cluster name');
  const refreshIntervalMs = options.refreshIntervalMs ?? 10_000;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const findCluster = async (rawName: string) => {
    const name = parseInput(clusterName, rawName, 'cluster name');
    const record = await registry.get(name);
    if (!record) throw new NotFoundError(`no cluster named "${name}"`);
    return record;
  };

  // GET /clusters/:name/kubeconfig (src/access): OIDC kubeconfig, kpaas.cluster.access
  router.use(createKubeconfigRouter({ registry, access: auth, logger }));
  // GET /clusters/:name/operations (src/operations): backups, expiries, versions; kpaas.cluster.read
  // GET /fleet/operations: the same warnings across the clusters the caller may read
  router.use(
    createOperationsRouter({
      registry,
      status,
      access: auth,
      applyClusterConditions: options.applyClusterConditions,
      networks,
      logger,
    }),
  );

  router.get('/health', (_req, res) => {
    const body: KpaasHealthResponse = { status: 'ok' };
    res.json(body);
  });

  // The add-on catalog for the order form's picker: not secret, any signed-in user or service.
  router.get('/addons', async (req, res) => {
    await options.httpAuth.credentials(req, { allow: ['user', 'service'] });
    if (!catalog) {
      throw new ServiceUnavailableError(
        'the add-on catalog is not loaded (see the kpaas-backend log; kpaas.addonCatalogPath)',
      );
    }
    const body: AddonCatalogResponse = { catalog };
    res.json(body);
  });

  router.get('/clusters', async (req, res) => {
    const mayRead = await clusterFilter(
      auth,
      req,
      kpaasClusterReadPermission,
      options.applyClusterConditions,
    );
    const clusters = (await registry.list()).filter(mayRead);
    const body: ListClustersResponse = {
      items: await Promise.all(clusters.map(c => status.summary(c))),
    };
    res.json(body);
  });

  router.get('/clusters/:name', async (req, res) => {
    await requireClusterPermission(
      auth,
      req,
      kpaasClusterReadPermission,
      nameOf(req.params.name),
    );
    const body: ClusterRegistration = toRegistration(
      await findCluster(req.params.name),
    );
    res.json(body);
  });

  router.get('/clusters/:name/status', async (req, res) => {
    await requireClusterPermission(
      auth,
      req,
      kpaasClusterReadPermission,
      nameOf(req.params.name),
    );
    const served = await status.get(await findCluster(req.params.name));
    // Serialised, tagged and gzipped once per status change: a 1000-node status is ~1 MB.
    res.set('ETag', served.etag);
    res.set('Cache-Control', 'private, no-cache');
    res.vary('Accept-Encoding');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.type('application/json');
    if (req.acceptsEncodings('gzip') === 'gzip') {
      // Already compressed: the root router's compression middleware leaves it alone.
      res.set('Content-Encoding', 'gzip').send(served.gzip());
    } else {
      res.send(served.body);
    }
  });

  router.get('/clusters/:name/timeline', async (req, res) => {
    const name = nameOf(req.params.name);
    await requireClusterPermission(auth, req, kpaasClusterReadPermission, name);
    const items = await registry.listTimeline(name);
    if (items.length === 0 && !(await registry.get(name))) {
      throw new NotFoundError(
        `no cluster named "${name}" and no timeline for it`,
      );
    }
    const body: TimelineResponse = { items };
    res.json(body);
  });

  router.post('/clusters', async (req, res) => {
    // Who may register depends on whether the name exists: re-registering changes a cluster
    // (update on it), a new name is an order (create).
    const named = clusterName.safeParse(req.body?.name);
    // Without a valid name there is nothing to authorize against: report every bad field.
    if (!named.success) parseInput(registerSchema, req.body, 'registration');
    const name = nameOf(req.body?.name);
    const existing = await registry.get(name);
    const credentials = existing
      ? await requireRegistrar(auth, req, kpaasClusterUpdatePermission, name)
      : await requireRegistrar(auth, req, kpaasClusterCreatePermission);
    const input = parseInput(registerSchema, req.body, 'registration');
    await networks.assertHostAllowed(
      new URL(input.apiServerUrl).hostname,
      'apiServerUrl',
    );
    if (input.spec !== undefined) {
      const parsed = parseClusterSpec(input.spec, { catalog });
      if (!parsed.ok) {
        throw new InputError(formatSpecErrors(parsed.errors, 'spec'));
      }
      if (parsed.spec.metadata.name !== input.name) {
        throw new InputError(
          `spec.metadata.name: is "${parsed.spec.metadata.name}" but the cluster is registered as "${input.name}"; use the same name`,
        );
      }
      input.spec = parsed.spec;
    }
    const event = await auditor?.createEvent({
      eventId: 'cluster-register',
      severityLevel: 'medium',
      request: req,
      meta: { cluster: input.name, taskId: input.taskId },
    });
    try {
      const { record, created } = await registry.register(input);
      await event?.success();
      logger.info(
        `kpaas: cluster ${record.name} ${
          created ? 'registered' : 're-registered'
        } by ${describePrincipal(credentials.principal)}`,
      );
      // First status in the background, so the portal shows it without waiting for the interval.
      status.refresh(record).catch(() => undefined);
      res.status(created ? 201 : 200).json(toRegistration(record));
    } catch (error) {
      await event?.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/clusters/:name/timeline', async (req, res) => {
    const name = nameOf(req.params.name);
    await requireRegistrar(auth, req, kpaasClusterUpdatePermission, name);
    const input = parseInput(timelineSchema, req.body, 'timeline event');
    const entry = await registry.addTimelineEntry(name, input);
    const record = await registry.get(name);
    if (record) await status.timelineChanged(record);
    res.status(201).json(entry);
  });

  router.post('/clusters/:name/refresh', async (req, res) => {
    await requireClusterPermission(
      auth,
      req,
      kpaasClusterRefreshPermission,
      nameOf(req.params.name),
    );
    const record = await findCluster(req.params.name);
    // Shared across replicas through the cache: one manual refresh per cluster per interval.
    const key = `refresh-at:${record.name}`;
    const last = await cache.get<number>(key);
    const now = Date.now();
    if (typeof last === 'number' && now - last < refreshIntervalMs) {
      const retryAfter = Math.ceil((refreshIntervalMs - (now - last)) / 1000);
      res
        .status(429)
        .set('Retry-After', String(retryAfter))
        .json({
          error: {
            name: 'TooManyRequestsError',
            message: `cluster "${record.name}" was refreshed less than ${
              refreshIntervalMs / 1000
            } s ago; try again in ${retryAfter} s`,
          },
        });
      return;
    }
    await cache.set(key, now, { ttl: refreshIntervalMs });
    const served = await status.refresh(record);
    const body: RefreshClusterResponse = { status: served.status };
    res.json(body);
  });

  router.delete('/clusters/:name', async (req, res) => {
    const name = nameOf(req.params.name);
    await requireClusterPermission(
      auth,
      req,
      kpaasClusterDeletePermission,
      name,
    );
    if ((await findCluster(name)).source === 'config') {
      throw new ConflictError(
        `cluster "${name}" is defined in app-config (kpaas.clusters); remove it there`,
      );
    }
    const event = await auditor?.createEvent({
      eventId: 'cluster-delete',
      severityLevel: 'high',
      request: req,
      meta: { cluster: name },
    });
    try {
      // State archived and its credentials revoked first: a new order of the same name never
      // inherits them. The timeline is archived, the status forgotten.
      await options.archiveClusterState(name);
      await registry.delete(name);
      await status.forget(name);
      await event?.success();
    } catch (error) {
      await event?.fail({ error: error as Error });
      throw error;
    }
    res.status(204).end();
  });

  return router;
}
