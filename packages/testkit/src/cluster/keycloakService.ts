/*
 * Keycloak as the keycloak add-on runs it on a rig "cluster" (tests only): once the chart's
 * Service and the add-on's credentials Secret exist in the Kubernetes API stand-in, the Keycloak
 * admin API stand-in serves at the Service's cluster IP and port with the admin the Secret holds
 * (what the keycloakx chart's pod reads). kpaas:addons reaches that address from the first
 * control plane through SSH forwarding, so the cluster IP has to be a loopback address of this
 * machine: the rig asks for one in its chart fixture (`services[].clusterIP`). An allocated
 * 10.96.x.y leaves the machine and is answered by whatever the network has there.
 */
import http from 'node:http';
import { KeycloakAdminStandIn, startKeycloakAdminStandIn } from '../keycloak';
import { KubeApiStandIn } from '../kube';
import { assertLoopbackHost } from '../ssh';

export interface KeycloakServiceOptions {
  /** Default `keycloak` (values/addons.yaml keycloak). */
  namespace?: string;
  /** Default `keycloak-http`. */
  service?: string;
  /** The add-on's credentials Secret (keys username, password); default `keycloak-credentials`. */
  secretName?: string;
  /** Poll interval (default 100 ms). */
  intervalMs?: number;
}

export interface KeycloakService {
  /** The running stand-in; throws while the Service or Secret is missing or if serving failed. */
  readonly keycloak: KeycloakAdminStandIn;
  /** `<clusterIP>:<port>` once serving. */
  readonly address: string | undefined;
  stop(): Promise<void>;
}

const decode = (v: unknown) =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString() : undefined;

export function startKeycloakService(
  api: KubeApiStandIn,
  options: KeycloakServiceOptions = {},
): KeycloakService {
  const namespace = options.namespace ?? 'keycloak';
  const service = options.service ?? 'keycloak-http';
  const secretName = options.secretName ?? 'keycloak-credentials';
  let keycloak: KeycloakAdminStandIn | undefined;
  let server: http.Server | undefined;
  let address: string | undefined;
  let failure: unknown;
  let starting = false;

  const serve = async (host: string, port: number, secret: any) => {
    assertLoopbackHost(host);
    const standIn = await startKeycloakAdminStandIn({
      adminUser: decode(secret.data?.username) ?? '',
      adminPassword: decode(secret.data?.password) ?? '',
      listen: false,
    });
    const srv = http.createServer((req, res) => standIn.handler(req, res));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host, port, exclusive: true }, () => resolve());
    });
    server = srv;
    keycloak = standIn;
    address = `${host}:${port}`;
  };

  const timer = setInterval(() => {
    if (starting) return;
    const svc = api.store.get({
      apiVersion: 'v1',
      kind: 'Service',
      namespace,
      name: service,
    });
    const secret = api.store.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name: secretName,
    });
    const host = svc?.spec?.clusterIP;
    const port = svc?.spec?.ports?.[0]?.port;
    if (!host || !port || !secret) return;
    starting = true;
    clearInterval(timer);
    serve(host, port, secret).catch(e => {
      failure = e;
    });
  }, options.intervalMs ?? 100);

  return {
    get keycloak(): KeycloakAdminStandIn {
      if (keycloak) return keycloak;
      throw new Error(
        failure
          ? `Keycloak stand-in for Service ${namespace}/${service} failed to start: ${failure}`
          : `Keycloak stand-in not running: Service ${namespace}/${service} (with a cluster IP) or Secret ${namespace}/${secretName} does not exist yet`,
      );
    },
    get address() {
      return address;
    },
    async stop() {
      clearInterval(timer);
      const srv = server;
      if (srv) {
        srv.closeAllConnections();
        await new Promise<void>(r => srv.close(() => r()));
      }
    },
  };
}
