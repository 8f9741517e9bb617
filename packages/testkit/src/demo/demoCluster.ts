/*
 * The demo cluster of `npm start` (and of the browser tests): the Kubernetes API stand-in
 * serving kpaasHaFixture with the demo's add-ons at the catalog's pinned versions, a stand-in
 * of the cluster's ingress that answers for every platform UI host (HTTPS, certificate from the
 * cluster CA), and the app-config fragment that registers the cluster and points kpaas-backend's
 * link probes at that stand-in (kpaas.refresh.linkProbeDomains / linkProbeResolve).
 */
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:https';
import type { Socket } from 'node:net';
import { derivePlatformRouting } from '@internal/plugin-kpaas-common';
import { KubeApiStandIn, startKubeApiStandIn } from '../kube';
import {
  demoClusterSpec,
  fixtureAddonDefinitions,
  kpaasHaFixture,
  shippedAddonCatalog,
} from '../fixtures';

/** `healthy` (default) or `degraded`: a NotReady worker, a drifted chart, Alertmanager down. */
export const DEMO_SCENARIOS = ['healthy', 'degraded'] as const;
export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

/** The environment variable `npm start` reads the scenario from. */
export const DEMO_SCENARIO_ENV = 'KPAAS_DEMO_SCENARIO';

/** The scenario named by `value` (e.g. process.env.KPAAS_DEMO_SCENARIO); unset is healthy. */
export function parseDemoScenario(value: string | undefined): DemoScenario {
  if (value === undefined || value === '') return 'healthy';
  if ((DEMO_SCENARIOS as readonly string[]).includes(value)) {
    return value as DemoScenario;
  }
  throw new Error(
    `${DEMO_SCENARIO_ENV}=${JSON.stringify(
      value,
    )} is not a demo scenario; use one of: ${DEMO_SCENARIOS.join(', ')}`,
  );
}

/** What the degraded scenario breaks (the cluster page names each in its reason). */
export const DEGRADED_SCENARIO = {
  notReadyNodes: ['worker-2'],
  /** Argo CD still runs the chart it was installed with a year ago. */
  runningChartVersions: { 'argo-cd': '7.8.23' },
  notReadyWorkloads: [
    'monitoring/alertmanager-kube-prometheus-stack-alertmanager',
  ],
};

export interface DemoClusterOptions {
  /** Registered name (default demo). */
  name?: string;
  scenario?: DemoScenario;
  /** Loopback address of both servers (default 127.0.0.1). */
  host?: string;
}

export interface DemoCluster {
  readonly name: string;
  readonly scenario: DemoScenario;
  readonly kubeApi: KubeApiStandIn;
  /** A read-only token, as the ServiceAccount kpaas:bootstrap creates would be. */
  readonly readerToken: string;
  /** The cluster.yaml registered with it. */
  readonly spec: ReturnType<typeof demoClusterSpec>;
  /** `https://<host>:<port>`: the ingress stand-in serving every platform UI host. */
  readonly ingressUrl: string;
  /** The platform UI hosts it answers for. */
  readonly platformHosts: string[];
  /** app-config fragment: kpaas.clusters[] and kpaas.refresh link probing. */
  readonly config: { kpaas: Record<string, unknown> };
  close(): Promise<void>;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

export async function startDemoCluster(
  options: DemoClusterOptions = {},
): Promise<DemoCluster> {
  const name = options.name ?? 'demo';
  const scenario = options.scenario ?? 'healthy';
  const host = options.host ?? '127.0.0.1';
  const spec = demoClusterSpec(name);
  const catalog = shippedAddonCatalog();
  const addonIds = spec.spec.addons.map(a => a.id);
  const degraded = scenario === 'degraded' ? DEGRADED_SCENARIO : undefined;

  const readerToken = randomBytes(24).toString('hex');
  const kubeApi = await startKubeApiStandIn({
    host,
    fixture: kpaasHaFixture({
      addons: addonIds,
      catalog,
      domain: spec.spec.network.domain,
      ingressIp: spec.spec.network.ingressIp,
      ...(degraded ?? {}),
    }),
    tokens: {
      [readerToken]: {
        user: 'system:serviceaccount:kube-system:kpaas-reader',
        groups: ['system:serviceaccounts'],
        readOnly: true,
      },
    },
  });

  // The cluster's ingress: every platform UI host over HTTPS, with a certificate for
  // *.<domain> from the cluster CA (which the registration's caData carries).
  const routes = derivePlatformRouting(
    fixtureAddonDefinitions(catalog, addonIds),
    spec.spec.network.domain,
  ).routes;
  const titles = new Map(routes.map(r => [r.host, r.title]));
  const cert = kubeApi.issueServingCert([`*.${spec.spec.network.domain}`]);
  const ingress = createServer(
    { key: cert.keyPem, cert: cert.certPem },
    (req, res) => {
      const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
      const title = titles.get(hostname);
      if (!title) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`no route for ${hostname}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>${title}</title><h1>${title}</h1><p>${hostname} of the kpaas demo cluster (a local stand-in, not the real UI).</p>\n`,
      );
    },
  );
  const sockets = new Set<Socket>();
  ingress.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  ingress.on('tlsClientError', () => undefined);
  const port = await listen(ingress, host);
  const platformHosts = routes.map(r => r.host);

  return {
    name,
    scenario,
    kubeApi,
    readerToken,
    spec,
    ingressUrl: `https://${host}:${port}`,
    platformHosts,
    config: {
      kpaas: {
        clusters: [
          {
            name,
            entityRef: `resource:default/${name}`,
            url: kubeApi.url,
            caData: kubeApi.caPem,
            serviceAccountToken: readerToken,
            spec,
          },
        ],
        refresh: {
          linkProbeDomains: [spec.spec.network.domain],
          linkProbeResolve: platformHosts.map(h => ({
            host: h,
            address: `${host}:${port}`,
          })),
        },
      },
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>(resolve => ingress.close(() => resolve())),
        kubeApi.close(),
      ]);
    },
  };
}
