import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  ClusterDetails,
  KubernetesClustersSupplier,
  kubernetesClusterSupplierExtensionPoint,
} from '@backstage/plugin-kubernetes-node';
import type { ClusterConnection } from './registry/ClusterRegistry';
import { kpaasClusterDirectoryServiceRef } from './clusterDirectory';

/** A kpaas cluster as the Kubernetes plugin wants it: serviceAccount auth with the token. */
export function toClusterDetails(
  connection: ClusterConnection,
): ClusterDetails {
  return {
    name: connection.name,
    title: connection.name,
    url: connection.apiServerUrl,
    authMetadata: {
      'kubernetes.io/auth-provider': 'serviceAccount',
      serviceAccountToken: connection.token,
    },
    ...(connection.caData
      ? { caData: Buffer.from(connection.caData).toString('base64') }
      : {}),
    skipTLSVerify: false,
    // metrics-server is an optional add-on; without it every pod lookup would log an error.
    skipMetricsLookup: true,
  };
}

/**
 * Wraps the Kubernetes plugin's cluster supplier (whatever `kubernetes.clusterLocatorMethods`
 * configures) and adds the kpaas clusters. A name configured there wins over a kpaas cluster.
 */
export function createKpaasClusterSupplier(
  base: KubernetesClustersSupplier | undefined,
  listKpaasClusters: () => Promise<ClusterConnection[]>,
): KubernetesClustersSupplier {
  return {
    async getClusters(options) {
      const [configured, kpaas] = await Promise.all([
        base ? base.getClusters(options) : Promise.resolve([]),
        listKpaasClusters(),
      ]);
      const names = new Set(configured.map(c => c.name));
      return [
        ...configured,
        ...kpaas.filter(c => !names.has(c.name)).map(toClusterDetails),
      ];
    },
  };
}

/**
 * Backend module of the Kubernetes plugin that supplies the kpaas clusters to it.
 * @public
 */
export const kpaasKubernetesModule = createBackendModule({
  pluginId: 'kubernetes',
  moduleId: 'kpaas-clusters',
  register(env) {
    env.registerInit({
      deps: {
        clusterSupplier: kubernetesClusterSupplierExtensionPoint,
        directory: kpaasClusterDirectoryServiceRef,
        logger: coreServices.logger,
      },
      async init({ clusterSupplier, directory, logger }) {
        clusterSupplier.addClusterSupplier(async ({ getDefault }) => {
          let base: KubernetesClustersSupplier | undefined;
          try {
            base = await getDefault();
          } catch (error) {
            // No clusterLocatorMethods configured: kpaas clusters only.
            logger.info(
              `kpaas: no default Kubernetes cluster supplier (${
                (error as Error).message
              }); supplying kpaas clusters only`,
            );
          }
          return createKpaasClusterSupplier(base, () => directory.list());
        });
      },
    });
  },
});
