import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import * as k8s from '@kubernetes/client-node';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import {
  ClusterStatus,
  expiryItem,
  FleetOperationsResponse,
} from '@internal/plugin-kpaas-common';
import express from 'express';
import request from 'supertest';
import { clusterSpec } from '../__testUtils__/rig';
import { ClusterNetworks } from '../network/ClusterNetworks';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { ServicePrincipalPolicy } from '../service/requirePermission';
import type { ServedBody } from '../status/StatusService';
import { createOperationsRouter } from './router';

/*
 * GET /fleet/operations against two API stand-ins (one with a stale backup and a kubeadm
 * certificate 5 days from expiry, one healthy), a cluster whose stored status is unreachable,
 * one never checked, and one the caller may not read.
 */

const OWNER = 'user:default/dev';
const now = new Date();
const inDays = (d: number) => new Date(now.getTime() + d * 86400_000);
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3600_000).toISOString();

describe('GET /fleet/operations', () => {
  let bravo: KubeApiStandIn;
  let alpha: KubeApiStandIn;
  beforeAll(async () => {
    [alpha, bravo] = await Promise.all([
      startKubeApiStandIn({ fixture: kpaasHaFixture({ addons: false }) }),
      startKubeApiStandIn({ fixture: kpaasHaFixture({ addons: false }) }),
    ]);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(bravo.kubeconfigYaml());
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kpaas-etcd-backup-result' },
        data: { lastSuccessAt: hoursAgo(30), object: 's3://etcd/bravo/a.db' },
      },
    });
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'kpaas-cert-expiry' },
        data: {
          'check-expiration.json': JSON.stringify({
            certificates: [
              { name: 'apiserver', expirationDate: inDays(5).toISOString() },
            ],
          }),
        },
      },
    });
  });
  afterAll(() => Promise.all([alpha.close(), bravo.close()]));

  const BACKUP = {
    target: {
      endpoint: 'http://minio.minio:9000',
      bucket: 'etcd',
      credentialsSecret: 's3',
    },
  };

  function record(name: string, owner: string, backup = true): ClusterRecord {
    const spec = clusterSpec(name);
    return {
      name,
      owner,
      apiServerUrl: 'https://127.0.0.1:1',
      source: 'registered',
      spec: {
        ...spec,
        spec: {
          ...spec.spec,
          addons: [],
          ...(backup ? { backup: BACKUP } : {}),
        },
      },
    } as unknown as ClusterRecord;
  }

  function status(version: string, reachable = true): ServedBody {
    return {
      status: {
        api: reachable
          ? { reachable: true, version, checks: [] }
          : {
              reachable: false,
              error: 'connect ECONNREFUSED 10.0.0.5:6443',
              checks: [],
            },
        nodes: [],
        expiries: [
          expiryItem(
            'kube-apiserver serving certificate',
            'tls-handshake',
            inDays(300),
            now,
          ),
        ],
      } as unknown as ClusterStatus,
    } as ServedBody;
  }

  function app() {
    const records = [
      record('alpha', OWNER),
      record('bravo', OWNER),
      record('charlie', OWNER),
      record('delta', OWNER),
      record('secret', 'group:default/other'),
    ];
    const standIns: Record<string, KubeApiStandIn> = { alpha, bravo };
    const served: Record<string, ServedBody> = {
      alpha: status('v1.36.1'),
      // past end of life
      bravo: status('v1.33.5'),
      charlie: status('v1.36.1', false),
      secret: status('v1.30.1'),
    };
    // users may read their own clusters (a conditional decision, applied per cluster)
    const permissions = {
      authorizeConditional: async (requests: any[]) =>
        requests.map(() => ({
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'kpaas',
          resourceType: 'kpaas-cluster',
          conditions: { rule: 'IS_CLUSTER_OWNER', params: {} },
        })),
    } as unknown as PermissionsService;
    const a = express();
    a.use(
      createOperationsRouter({
        registry: {
          list: async () => records,
          get: async name => records.find(r => r.name === name),
          getConnection: async name =>
            standIns[name] && {
              name,
              apiServerUrl: standIns[name].url,
              caData: standIns[name].caPem,
              token: standIns[name].adminToken,
            },
        },
        status: {
          peek: async name => served[name],
          get: async () => {
            throw new Error('the fleet route never computes a status');
          },
        },
        access: {
          permissions,
          httpAuth: mockServices.httpAuth({
            pluginId: 'kpaas',
            defaultCredentials: mockCredentials.none(),
          }),
          servicePrincipals: ServicePrincipalPolicy.fromConfig(),
        },
        applyClusterConditions: (_decision, cluster) =>
          (cluster as { owner?: string }).owner === OWNER,
        networks: new ClusterNetworks(['127.0.0.0/8']),
        logger: mockServices.logger.mock(),
      }),
    );
    a.use(mockErrorHandler());
    return a;
  }

  it('lists every readable cluster’s warnings, most severe and soonest first', async () => {
    const res = await request(app())
      .get('/fleet/operations')
      .set('Authorization', mockCredentials.user.header(OWNER));
    expect(res.status).toBe(200);
    const body = res.body as FleetOperationsResponse;
    expect(
      body.items.map(w => [w.cluster, w.kind, w.severity, w.subject]),
    ).toEqual([
      // critical ones by date: Kubernetes 1.33 (end of life 2026-06-28), the backup overdue
      // since 4 h ago (30 h old, maxAgeHours 26), the certificate 5 days out
      ['bravo', 'version', 'critical', 'Kubernetes 1.33'],
      ['bravo', 'backup', 'critical', 'etcd backup stale'],
      ['bravo', 'expiry', 'critical', 'apiserver'],
      // alpha has spec.backup but no result yet
      ['alpha', 'backup', 'warning', 'no etcd backup yet'],
    ]);
    expect(body.items.every(w => w.action.length > 0)).toBe(true);
    expect(body.unavailable).toEqual([
      {
        cluster: 'charlie',
        reason: 'unreachable: connect ECONNREFUSED 10.0.0.5:6443',
      },
      {
        cluster: 'delta',
        reason: 'not checked yet; the next refresh checks it',
      },
    ]);
    // the cluster the caller may not read appears nowhere
    expect(JSON.stringify(body)).not.toContain('secret');
  });

  it('refuses a caller without credentials', async () => {
    const res = await request(app()).get('/fleet/operations');
    expect(res.status).toBe(401);
  });
});
