/*
 * Test rig: the kpaas plugin in startTestBackend against the Kubernetes API stand-in, with
 * permissions per test, a captured logger and the scheduler mocked (tests run the refresh).
 */
import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import knexFactory, { Knex } from 'knex';
import { kpaasPlugin } from '../plugin';

export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** A catalog whose pinned versions match what kpaasHaFixture runs (the values pack's pins). */
export function writeFixtureCatalog(): string {
  const dir = mkdtempSync(
    join(process.env.TMPDIR ?? tmpdir(), 'kpaas-catalog-'),
  );
  const path = join(dir, 'addons.yaml');
  writeFileSync(
    path,
    `apiVersion: kpaas.io/v1alpha1
kind: AddonCatalog
addons:
  - id: metallb
    title: MetalLB
    category: networking
    type: helm
    helm: { repo: https://metallb.github.io/metallb, chart: metallb, version: 0.16.1, releaseName: metallb, namespace: metallb-system }
    provides: [load-balancer]
    readiness:
      - { kind: Deployment, name: metallb-controller }
      - { kind: DaemonSet, name: metallb-speaker }
  - id: ingress-nginx
    title: Ingress NGINX
    category: networking
    type: helm
    helm: { repo: https://kubernetes.github.io/ingress-nginx, chart: ingress-nginx, version: 4.15.1, releaseName: ingress-nginx, namespace: ingress-nginx }
    dependsOn: [metallb]
    provides: [ingress-controller]
    exposesLoadBalancer: true
    readiness:
      - { kind: Deployment, name: ingress-nginx-controller }
  - id: argo-cd
    title: Argo CD
    category: gitops
    type: helm
    helm: { repo: https://argoproj.github.io/argo-helm, chart: argo-cd, version: 10.1.1, releaseName: argocd, namespace: argocd }
    readiness:
      - { kind: Deployment, name: argocd-server }
      - { kind: StatefulSet, name: argocd-application-controller }
    ui: { title: Argo CD, hostPrefix: argocd, service: argocd-server, port: 80, path: / }
`,
  );
  return path;
}

/** A valid cluster.yaml for `name` with the fixture catalog's add-ons. */
export function clusterSpec(name: string) {
  return {
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name,
      owner: 'group:default/platform-team',
      environment: 'dev',
    },
    spec: {
      target: { type: 'kakao-cloud', keyPair: 'KPAAS_KEYPAIR' },
      kubernetes: { installer: 'kpaas-cp', containerRuntime: 'cri-o' },
      controlPlane: { count: 3 },
      workers: { count: 3 },
      network: {
        nodeCidr: '172.16.0.0/24',
        metallbRange: '172.16.0.210-172.16.0.250',
        ingressIp: '172.16.0.201',
        domain: 'demo.test',
      },
      addons: [{ id: 'metallb' }, { id: 'ingress-nginx' }, { id: 'argo-cd' }],
    },
  };
}

export interface RigOptions {
  /** Permission names allowed; default all. */
  allow?: string[] | 'all';
  config?: Record<string, unknown>;
  knex?: Knex;
  catalogPath?: string;
  /** Per Kubernetes request (default 10). */
  requestTimeoutSeconds?: number;
  /** kpaas.refresh.watch (default true: nodes and static pods by LIST+WATCH). */
  watch?: boolean;
  /** Where platform link probes connect for argocd.demo.test ("address:port"). */
  argocdAddress?: string;
}

export async function startKpaas(options: RigOptions = {}) {
  const lines: string[] = [];
  const capture = (level: string) => (message: string, meta?: unknown) => {
    lines.push(
      `${level} ${message} ${
        meta === undefined
          ? ''
          : JSON.stringify(meta, Object.getOwnPropertyNames(meta ?? {}))
      }`,
    );
  };
  const logger: LoggerService = {
    error: capture('error'),
    warn: capture('warn'),
    info: capture('info'),
    debug: capture('debug'),
    child: () => logger,
  };
  const allow = options.allow ?? 'all';
  const decide = (requests: Array<{ permission: { name: string } }>) =>
    requests.map(r => ({
      result:
        allow === 'all' || allow.includes(r.permission.name)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })) as any;
  const permissions = mockServices.permissions.mock({
    authorize: async requests => decide(requests),
    authorizeConditional: async requests => decide(requests),
  });
  const scheduler = mockServices.scheduler.mock();
  // A knex the rig can reach (in-memory SQLite unless given), to let "an interval pass".
  const knex =
    options.knex ??
    knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
  const backend = await startTestBackend({
    features: [
      kpaasPlugin,
      permissions.factory,
      scheduler.factory,
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => logger,
      }),
      mockServices.rootConfig.factory({
        data: {
          kpaas: {
            encryptionKey: ENCRYPTION_KEY,
            addonCatalogPath: options.catalogPath ?? writeFixtureCatalog(),
            // The stand-in listens on loopback, which the default networks refuse.
            clusterNetworks: ['127.0.0.0/8'],
            refresh: {
              linkProbeDomains: ['demo.test'],
              // Generous: a loaded CI machine must not turn a 1000-node LIST into a timeout.
              requestTimeoutSeconds: options.requestTimeoutSeconds ?? 10,
              clusterTimeoutSeconds: (options.requestTimeoutSeconds ?? 10) * 3,
              linkProbeTimeoutSeconds: 1,
              provisioningGraceMinutes: 0,
              ...(options.watch === undefined ? {} : { watch: options.watch }),
              // Hermetic: platform hosts never go to DNS; by default they hit a closed port.
              linkProbeResolve: [
                {
                  host: 'argocd.demo.test',
                  address: options.argocdAddress ?? '127.0.0.1:9',
                },
              ],
            },
            ...(options.config ?? {}),
          },
        },
      }),
      mockServices.database.factory({ knex }),
    ],
  });
  const task = scheduler.scheduleTask.mock.calls[0]?.[0];
  return {
    server: backend.server,
    stop: async () => {
      await backend.stop();
      if (!options.knex) await knex.destroy();
    },
    lines,
    scheduleDefinition: task,
    /**
     * Runs the scheduled refresh once, as the scheduler would one interval later: clusters that
     * are not backing off are due again (their refresh claims in kpaas_status_refresh).
     */
    runRefresh: async () => {
      await knex('kpaas_status_refresh')
        .where({ failures: 0 })
        .update({ next_due_ms: 0 });
      await (task!.fn as () => Promise<void>)();
    },
  };
}
