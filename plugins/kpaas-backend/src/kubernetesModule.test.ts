import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { kpaasPlugin } from './plugin';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import {
  createBackendPlugin,
  coreServices,
} from '@backstage/backend-plugin-api';
import {
  KubernetesClusterSupplierExtensionPoint,
  KubernetesClustersSupplier,
  kubernetesClusterSupplierExtensionPoint,
} from '@backstage/plugin-kubernetes-node';
import {
  createKpaasClusterSupplier,
  kpaasKubernetesModule,
  toClusterDetails,
} from './kubernetesModule';
import { kpaasClusterDirectoryServiceRef } from './clusterDirectory';

const credentials = mockCredentials.user();
const connection = {
  name: 'demo',
  apiServerUrl: 'https://172.16.0.100:6443',
  caData: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  token: 'sa-token',
};

describe('kpaas Kubernetes plugin interop', () => {
  it('maps a kpaas cluster to serviceAccount auth with the decrypted token', () => {
    expect(toClusterDetails(connection)).toEqual({
      name: 'demo',
      title: 'demo',
      url: 'https://172.16.0.100:6443',
      authMetadata: {
        'kubernetes.io/auth-provider': 'serviceAccount',
        serviceAccountToken: 'sa-token',
      },
      caData: Buffer.from(connection.caData).toString('base64'),
      skipTLSVerify: false,
      skipMetricsLookup: true,
    });
  });

  it('adds kpaas clusters to the default supplier; configured names win', async () => {
    const base: KubernetesClustersSupplier = {
      getClusters: async () => [
        { name: 'demo', url: 'https://configured', authMetadata: {} },
        { name: 'other', url: 'https://other', authMetadata: {} },
      ],
    };
    const supplier = createKpaasClusterSupplier(base, async () => [
      connection,
      { ...connection, name: 'second' },
    ]);
    const clusters = await supplier.getClusters({ credentials });
    expect(clusters.map(c => [c.name, c.url])).toEqual([
      ['demo', 'https://configured'],
      ['other', 'https://other'],
      ['second', 'https://172.16.0.100:6443'],
    ]);
  });

  it('registers a supplier factory that wraps getDefault and reads the shared directory', async () => {
    let factory:
      | Parameters<
          KubernetesClusterSupplierExtensionPoint['addClusterSupplier']
        >[0]
      | undefined;
    const extensionPoint: KubernetesClusterSupplierExtensionPoint = {
      addClusterSupplier: f => {
        factory = f;
      },
    };
    // Stands in for the kpaas plugin: it plugs its registry into the shared directory.
    const publisher = createBackendPlugin({
      pluginId: 'kpaas',
      register(env) {
        env.registerInit({
          deps: {
            directory: kpaasClusterDirectoryServiceRef,
            logger: coreServices.logger,
          },
          async init({ directory }) {
            directory.setSource(async () => [connection]);
          },
        });
      },
    });
    await startTestBackend({
      extensionPoints: [
        [kubernetesClusterSupplierExtensionPoint, extensionPoint],
      ],
      features: [kpaasKubernetesModule, publisher],
    });
    expect(typeof factory).toBe('function');
    const supplier = await (factory as any)({
      getDefault: async () => ({ getClusters: async () => [] }),
    });
    expect(
      (await supplier.getClusters({ credentials })).map((c: any) => c.name),
    ).toEqual(['demo']);
    const withoutDefault = await (factory as any)({
      getDefault: async () => {
        throw new Error('no clusterLocatorMethods');
      },
    });
    expect(
      (await withoutDefault.getClusters({ credentials })).map(
        (c: any) => c.name,
      ),
    ).toEqual(['demo']);
  });
});

describe('with the real Kubernetes plugin', () => {
  it('lists the kpaas clusters next to the configured ones in /api/kubernetes/clusters, only those inside kpaas.clusterNetworks', async () => {
    const { server } = await startTestBackend({
      features: [
        kubernetesPlugin,
        kpaasKubernetesModule,
        kpaasPlugin,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'configured',
                      url: 'https://10.0.0.1:6443',
                      authProvider: 'serviceAccount',
                      serviceAccountToken: 'x',
                    },
                  ],
                },
              ],
            },
            kpaas: {
              encryptionKey: Buffer.alloc(32, 1).toString('base64'),
              clusters: [
                {
                  name: 'legacy',
                  url: 'https://172.16.0.100:6443',
                  serviceAccountToken: 'canary-interop-token',
                },
                // Outside the default networks: never handed to the Kubernetes plugin.
                {
                  name: 'loopback',
                  url: 'https://127.0.0.1:6443',
                  serviceAccountToken: 'canary-interop-token',
                },
                {
                  name: 'metadata',
                  url: 'https://169.254.169.254',
                  serviceAccountToken: 'canary-interop-token',
                },
              ],
            },
          },
        }),
      ],
    });
    const res = await request(server).get('/api/kubernetes/clusters');
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: any) => [c.name, c.authProvider])).toEqual([
      ['configured', 'serviceAccount'],
      ['legacy', 'serviceAccount'],
    ]);
    expect(JSON.stringify(res.body)).not.toContain('canary-interop-token');
  });
});
