import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  kpaasClusterCreatePermission,
  kpaasClusterPermissions,
} from '@internal/plugin-kpaas-common';
import { loadAddonCatalog } from './addonCatalog';
import { kpaasClusterDirectoryServiceRef } from './clusterDirectory';
import { createInventoryRouter } from './inventory/router';
import { InventoryStore } from './inventory/InventoryStore';
import { ClusterNetworks } from './network/ClusterNetworks';
import {
  isClusterOwner,
  kpaasClusterResourceRef,
} from './permissions/clusterResource';
import { createRetireRouter } from './retire/router';
import { RetiredClusters } from './retire/RetiredClusters';
import { createRouter } from './service/router';
import {
  KpaasAccess,
  ServicePrincipalPolicy,
} from './service/requirePermission';
import { createStateRouter, terraformStateAuthPolicy } from './state';
import { openKpaasStores } from './stores';
import { LinkProber } from './status/LinkProber';
import { RefreshClaims } from './status/RefreshClaims';
import { claimLeaseMs, StatusService } from './status/StatusService';

/**
 * The refresh schedule: `kpaas.refresh.schedule`, default every 30 s, jittered. Its frequency is
 * each cluster's interval; the task itself runs on every replica (see {@link refreshTick}).
 */
export function readRefreshSchedule(
  config: Config,
): SchedulerServiceTaskScheduleDefinition {
  const key = 'kpaas.refresh.schedule';
  if (config.has(key)) {
    return {
      ...readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig(key),
      ),
    };
  }
  return {
    frequency: { seconds: 30 },
    timeout: { minutes: 2 },
    // Jitter: replicas (and restarts) do not all hit the clusters at the same second.
    initialDelay: { milliseconds: 5000 + Math.floor(Math.random() * 10000) },
  };
}

/**
 * The refresh task as scheduled: local (every replica) and ticking several times per interval,
 * since each tick only claims the clusters that are due (RefreshClaims), across all replicas.
 */
export function refreshTick(
  schedule: SchedulerServiceTaskScheduleDefinition,
): SchedulerServiceTaskScheduleDefinition {
  const tickMs = Math.min(
    5000,
    Math.max(250, Math.floor(intervalMsOf(schedule) / 6)),
  );
  return { ...schedule, frequency: { milliseconds: tickMs }, scope: 'local' };
}

function intervalMsOf(
  schedule: SchedulerServiceTaskScheduleDefinition,
): number {
  const frequency = schedule.frequency as unknown;
  if (frequency && typeof frequency === 'object' && !('cron' in frequency)) {
    if ('toMillis' in frequency)
      return (frequency as { toMillis(): number }).toMillis();
    return durationToMilliseconds(
      frequency as Parameters<typeof durationToMilliseconds>[0],
    );
  }
  return 30_000;
}

/**
 * `kpaas.refresh.linkProbeResolve` (like curl's --resolve): connect to a fixed address for a
 * platform host that Backstage cannot resolve, e.g. the cluster's ingress IP.
 */
function resolveFromConfig(entries: Config[] | undefined) {
  if (!entries?.length) return undefined;
  const table = new Map(
    entries.map((entry, i) => {
      const host = entry.getString('host');
      const address = entry.getString('address');
      const m = /^(.+):(\d+)$/.exec(address);
      if (!m) {
        throw new Error(
          `kpaas.refresh.linkProbeResolve[${i}].address must be "<address>:<port>", e.g. "172.16.0.201:443"`,
        );
      }
      return [host, { host: m[1], port: Number(m[2]) }] as const;
    }),
  );
  return (url: URL) => table.get(url.hostname);
}

/**
 * kpaas backend plugin: cluster registry, status, Terraform state backend and timeline.
 * @public
 */
export const kpaasPlugin = createBackendPlugin({
  pluginId: 'kpaas',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        cache: coreServices.cache,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        directory: kpaasClusterDirectoryServiceRef,
      },
      async init({
        config,
        logger,
        database,
        cache,
        scheduler,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        auditor,
        lifecycle,
        directory,
      }) {
        permissionsRegistry.addPermissions([kpaasClusterCreatePermission]);

        // Fails fast (production without kpaas.encryptionKey) before anything is served.
        const { registry, stateStore } = await openKpaasStores({
          config,
          database,
          logger,
          migrate: !database.migrations?.skip,
        });
        permissionsRegistry.addResourceType({
          resourceRef: kpaasClusterResourceRef,
          permissions: kpaasClusterPermissions,
          rules: [isClusterOwner],
          getResources: names => Promise.all(names.map(n => registry.get(n))),
        });
        const applyClusterConditions = createConditionAuthorizer(
          permissionsRegistry.getPermissionRuleset(kpaasClusterResourceRef),
        );

        const networks = ClusterNetworks.fromConfig(config);
        // The Kubernetes plugin connects on its own: it only gets clusters whose API server
        // resolves into kpaas.clusterNetworks now.
        directory.setSource(async () => {
          const connections = await registry.listConnections();
          const allowed = await Promise.all(
            connections.map(c =>
              networks
                .assertHostAllowed(new URL(c.apiServerUrl).hostname, c.name)
                .then(
                  () => true,
                  error => {
                    logger.warn(
                      `kpaas: not supplying cluster ${c.name} to the Kubernetes plugin: ${error.message}`,
                    );
                    return false;
                  },
                ),
            ),
          );
          return connections.filter((_, i) => allowed[i]);
        });

        const catalog = await loadAddonCatalog(config, logger);
        const schedule = readRefreshSchedule(config);
        const refreshConfig = config.getOptionalConfig('kpaas.refresh');
        const clusterTimeoutMs =
          (refreshConfig?.getOptionalNumber('clusterTimeoutSeconds') ?? 15) *
          1000;
        const status = new StatusService({
          registry,
          cache: cache.withOptions({ defaultTtl: 3_600_000 }),
          // each cluster refreshed by one replica per interval; a dead replica's claim expires
          claims: new RefreshClaims(await database.getClient(), {
            claimMs: claimLeaseMs(intervalMsOf(schedule), clusterTimeoutMs),
          }),
          logger,
          catalog,
          networks,
          prober: new LinkProber({
            networks,
            cache,
            domains: refreshConfig?.getOptionalStringArray('linkProbeDomains'),
            timeoutMs:
              (refreshConfig?.getOptionalNumber('linkProbeTimeoutSeconds') ??
                3) * 1000,
            resolveTarget: resolveFromConfig(
              refreshConfig?.getOptionalConfigArray('linkProbeResolve'),
            ),
          }),
          intervalMs: intervalMsOf(schedule),
          requestTimeoutMs:
            (refreshConfig?.getOptionalNumber('requestTimeoutSeconds') ?? 5) *
            1000,
          clusterTimeoutMs,
          concurrency: refreshConfig?.getOptionalNumber('concurrency') ?? 10,
          watch: refreshConfig?.getOptionalBoolean('watch') ?? false,
          provisioningGraceMs:
            (refreshConfig?.getOptionalNumber('provisioningGraceMinutes') ??
              15) * 60_000,
        });

        // the clusters this replica watches: watches end, claims go back to the other replicas
        lifecycle.addShutdownHook(() => status.close());

        await scheduler.scheduleTask({
          id: 'kpaas-cluster-status-refresh',
          ...refreshTick(schedule),
          fn: async signal => {
            const { refreshed, skipped } = await status.refreshAll(signal);
            logger.debug(
              `kpaas: refreshed ${refreshed} cluster status(es), ${skipped} backing off`,
            );
          },
        });

        // Terraform's http backend (src/state) first: the main router's JSON body parser would
        // consume the raw state bodies it checks against Content-MD5.
        httpRouter.use(
          await createStateRouter({
            store: stateStore,
            httpAuth,
            permissions,
            logger,
            config,
            isRegistered: async name =>
              (await registry.get(name)) !== undefined,
          }),
        );
        // Terraform authenticates with the per-run basic-auth credential, checked by the router.
        httpRouter.addAuthPolicy(terraformStateAuthPolicy);

        // The machines of each cluster (src/inventory), read by cluster name by the actions.
        const inventory = new InventoryStore(await database.getClient());
        const access: KpaasAccess = {
          permissions,
          httpAuth,
          servicePrincipals: ServicePrincipalPolicy.fromConfig(config),
        };
        httpRouter.use(
          createInventoryRouter({
            store: inventory,
            access,
            isRegistered: async name =>
              (await registry.get(name)) !== undefined,
          }),
        );

        // Retiring a cluster (src/retire): its registration kept, state and timeline archived.
        httpRouter.use(
          createRetireRouter({
            access,
            registry,
            inventory,
            retired: new RetiredClusters(await database.getClient()),
            archiveState: async name =>
              (await stateStore.archiveCluster(name)).archivedVersions,
            forgetStatus: name => status.forget(name),
          }),
        );

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth,
            permissions,
            cache,
            auditor,
            registry,
            status,
            catalog,
            networks,
            servicePrincipals: ServicePrincipalPolicy.fromConfig(config),
            applyClusterConditions,
            archiveClusterState: async name => {
              await stateStore.archiveCluster(name);
              await inventory.delete(name);
            },
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
