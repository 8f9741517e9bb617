import * as k8s from '@kubernetes/client-node';
import {
  ClusterOidc,
  KUBELOGIN_REDIRECT_URIS,
} from '@internal/plugin-kpaas-common';
import { request as httpRequest, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { StepLogger } from '../ssh';
import { CancelledWaitError, delay } from './cluster';

/*
 * The cluster's Keycloak realm for OIDC sign-in (spec.access, issuer
 * https://keycloak.<domain>/realms/<cluster>): the realm, a public client for kubelogin
 * (redirects http://localhost:8000 and :18000, PKCE), a protocol mapper putting the user's
 * groups (names, no path) in the groups claim, and the catalog groups spec.access names.
 * Through Keycloak's admin REST API at its Service's cluster IP, reached from the control plane
 * over SSH, with a token from the master realm's admin (the credentials Secret of the keycloak
 * add-on). Every
 * object is looked up first: a re-run creates nothing twice.
 */

/** Where the keycloak add-on runs and keeps its admin credentials. */
export interface KeycloakEndpoint {
  namespace: string;
  service: string;
  port: number;
  credentials: { secretName: string; namespace: string };
}

export interface KeycloakRealmOptions {
  oidc: ClusterOidc;
  /** Keycloak group names (catalog group names, see accessGroupNames) */
  groups: string[];
  keycloak: KeycloakEndpoint;
  kubeConfig: k8s.KubeConfig;
  /**
   * Opens a TCP connection to `host:port` from inside the cluster's network (the control
   * plane over SSH: SshNodeSession.forwardOut). The API server's service proxy cannot carry
   * Keycloak's bearer token: kube-apiserver drops the Authorization header it authenticated.
   */
  connect(host: string, port: number): Promise<NodeJS.ReadWriteStream>;
  logger: StepLogger;
  addSecret(value: string): void;
  /** Epoch ms: until when a Keycloak that does not answer yet is retried */
  deadline: number;
  signal?: AbortSignal;
  pollMinMs?: number;
}

export interface KeycloakRealmResult {
  /** What this run created, e.g. `realm demo`, `client kubernetes` */
  created: string[];
}

/** A failure naming the step and the fix. */
export class KeycloakRealmError extends Error {
  constructor(message: string) {
    super(`access: Keycloak realm: ${message}`);
    this.name = 'KeycloakRealmError';
  }
}

class RetryableError extends Error {}

interface Answer {
  status: number;
  body: any;
  text: string;
  location?: string;
}

export async function ensureKeycloakRealm(
  opts: KeycloakRealmOptions,
): Promise<KeycloakRealmResult> {
  const { oidc, keycloak, kubeConfig, logger, signal } = opts;
  const realm = oidc.realm;
  if (oidc.source !== 'keycloak' || !realm) {
    throw new KeycloakRealmError(
      `the issuer ${oidc.issuerUrl} is external; kpaas does not manage its realm`,
    );
  }
  const fix = `check the keycloak add-on (kubectl -n ${keycloak.namespace} get pods,svc ${keycloak.service}), then re-run kpaas:addons (the realm step is idempotent)`;
  // Keycloak's Service, reached from the control plane (see KeycloakRealmOptions.connect)
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let clusterIp: string;
  try {
    const svc = await core.readNamespacedService({
      name: keycloak.service,
      namespace: keycloak.namespace,
    });
    clusterIp = svc.spec?.clusterIP ?? '';
  } catch (e) {
    throw new KeycloakRealmError(
      `cannot read Service ${keycloak.namespace}/${keycloak.service} (${
        (e as { code?: number }).code ?? (e as Error).message
      }); ${fix}`,
    );
  }
  if (!clusterIp || clusterIp === 'None') {
    throw new KeycloakRealmError(
      `Service ${keycloak.namespace}/${keycloak.service} has no cluster IP; ${fix}`,
    );
  }

  const call = async (
    method: 'GET' | 'POST',
    apiPath: string,
    body?: { json?: unknown; form?: Record<string, string> },
    token?: string,
  ): Promise<Answer> => {
    const payload = body?.form
      ? new URLSearchParams(body.form).toString()
      : body?.json !== undefined
      ? JSON.stringify(body.json)
      : undefined;
    let stream: NodeJS.ReadWriteStream;
    try {
      stream = await opts.connect(clusterIp, keycloak.port);
    } catch (e) {
      if (signal?.aborted) throw new CancelledWaitError();
      throw new RetryableError((e as Error).message);
    }
    const request: RequestOptions = {
      method,
      host: clusterIp,
      port: keycloak.port,
      path: apiPath,
      createConnection: () => stream as unknown as Duplex,
      headers: {
        Accept: 'application/json',
        Connection: 'close',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(payload
          ? {
              'Content-Type': body?.form
                ? 'application/x-www-form-urlencoded'
                : 'application/json',
              'Content-Length': Buffer.byteLength(payload),
            }
          : {}),
      },
    };
    let answer: Answer;
    try {
      answer = await new Promise<Answer>((resolve, reject) => {
        const req = httpRequest({ ...request, signal }, res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', c => {
            text += c;
          });
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({
              status: res.statusCode ?? 0,
              body: parsed,
              text,
              location: res.headers.location,
            });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      });
    } catch (e) {
      if (signal?.aborted) throw new CancelledWaitError();
      throw new RetryableError((e as Error).message);
    }
    if (answer.status === 502 || answer.status === 503) {
      throw new RetryableError(
        `${method} ${apiPath} answered ${answer.status}: ${answer.text
          .trim()
          .slice(0, 200)}`,
      );
    }
    return answer;
  };

  const retrying = async <T>(what: string, fn: () => Promise<T>) => {
    let wait = opts.pollMinMs ?? 250;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof RetryableError)) throw e;
        if (Date.now() >= opts.deadline) {
          throw new KeycloakRealmError(
            `${what}: Keycloak does not answer (${e.message}); ${fix}`,
          );
        }
        await delay(
          Math.min(wait, Math.max(0, opts.deadline - Date.now())),
          signal,
        );
        wait = Math.min(2000, Math.round(wait * 1.5));
      }
    }
  };

  const expect = (a: Answer, ok: number[], what: string): Answer => {
    if (!ok.includes(a.status)) {
      const message =
        a.body?.errorMessage ??
        a.body?.error_description ??
        a.body?.error ??
        a.text.trim().slice(0, 200);
      throw new KeycloakRealmError(
        `${what} answered ${a.status}: ${message}; ${fix}`,
      );
    }
    return a;
  };

  // the master realm's admin (KC_BOOTSTRAP_ADMIN_* of the add-on's Secret)
  let secret: k8s.V1Secret;
  try {
    secret = await core.readNamespacedSecret({
      name: keycloak.credentials.secretName,
      namespace: keycloak.credentials.namespace,
    });
  } catch (e) {
    throw new KeycloakRealmError(
      `cannot read Secret ${keycloak.credentials.namespace}/${
        keycloak.credentials.secretName
      } with the Keycloak admin credentials (${
        (e as { code?: number }).code ?? (e as Error).message
      }); ${fix}`,
    );
  }
  const field = (k: string) =>
    Buffer.from(secret.data?.[k] ?? '', 'base64').toString();
  const username = field('username');
  const password = field('password');
  opts.addSecret(password);
  if (!username || !password) {
    throw new KeycloakRealmError(
      `Secret ${keycloak.credentials.namespace}/${keycloak.credentials.secretName} lacks username or password; ${fix}`,
    );
  }

  const tokenAnswer = expect(
    await retrying('admin token', () =>
      call('POST', '/realms/master/protocol/openid-connect/token', {
        form: {
          grant_type: 'password',
          client_id: 'admin-cli',
          username,
          password,
        },
      }),
    ),
    [200],
    'POST /realms/master/protocol/openid-connect/token',
  );
  const token: string = tokenAnswer.body?.access_token;
  if (!token) {
    throw new KeycloakRealmError(
      `the master realm gave no access_token; ${fix}`,
    );
  }
  opts.addSecret(token);
  const api = (
    method: 'GET' | 'POST',
    path: string,
    json?: unknown,
  ): Promise<Answer> =>
    retrying(`${method} ${path}`, () =>
      call(method, path, json === undefined ? undefined : { json }, token),
    );
  const r = encodeURIComponent(realm);
  const created: string[] = [];

  const realmAnswer = await api('GET', `/admin/realms/${r}`);
  if (realmAnswer.status === 404) {
    expect(
      await api('POST', '/admin/realms', {
        realm,
        enabled: true,
        displayName: `Kubernetes cluster ${realm}`,
      }),
      [201],
      'POST /admin/realms',
    );
    created.push(`realm ${realm}`);
  } else expect(realmAnswer, [200], `GET /admin/realms/${realm}`);

  const clientPath = `/admin/realms/${r}/clients`;
  const clientQuery = `${clientPath}?clientId=${encodeURIComponent(
    oidc.clientId,
  )}`;
  let clients = expect(
    await api('GET', clientQuery),
    [200],
    `GET ${clientQuery}`,
  ).body as Array<{ id: string; clientId: string }>;
  if (!clients.some(c => c.clientId === oidc.clientId)) {
    expect(
      await api('POST', clientPath, {
        clientId: oidc.clientId,
        name: `kubectl (kubelogin) for ${realm}`,
        enabled: true,
        protocol: 'openid-connect',
        publicClient: true,
        standardFlowEnabled: true,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: false,
        redirectUris: [...KUBELOGIN_REDIRECT_URIS],
        webOrigins: [],
        attributes: { 'pkce.code.challenge.method': 'S256' },
      }),
      [201],
      `POST ${clientPath}`,
    );
    created.push(`client ${oidc.clientId}`);
    clients = expect(
      await api('GET', clientQuery),
      [200],
      `GET ${clientQuery}`,
    ).body;
  }
  const client = clients.find(c => c.clientId === oidc.clientId);
  if (!client) {
    throw new KeycloakRealmError(
      `client ${oidc.clientId} is missing right after its creation; ${fix}`,
    );
  }

  const mappersPath = `${clientPath}/${encodeURIComponent(
    client.id,
  )}/protocol-mappers/models`;
  const mappers = expect(
    await api('GET', mappersPath),
    [200],
    `GET ${mappersPath}`,
  ).body as Array<{ name: string }>;
  if (!mappers.some(m => m.name === 'groups')) {
    expect(
      await api('POST', mappersPath, {
        name: 'groups',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-group-membership-mapper',
        config: {
          'claim.name': oidc.groupsClaim,
          'full.path': 'false',
          'id.token.claim': 'true',
          'access.token.claim': 'true',
          'userinfo.token.claim': 'true',
        },
      }),
      [201],
      `POST ${mappersPath}`,
    );
    created.push(`protocol mapper groups (claim ${oidc.groupsClaim})`);
  }

  for (const name of opts.groups) {
    const query = `/admin/realms/${r}/groups?search=${encodeURIComponent(
      name,
    )}&exact=true`;
    const found = expect(await api('GET', query), [200], `GET ${query}`)
      .body as Array<{ name: string }>;
    if (!found.some(g => g.name === name)) {
      expect(
        await api('POST', `/admin/realms/${r}/groups`, { name }),
        [201],
        `POST /admin/realms/${realm}/groups`,
      );
      created.push(`group ${name}`);
    }
  }

  logger.info(
    created.length
      ? `access: Keycloak realm ${realm}: created ${created.join(', ')}`
      : `access: Keycloak realm ${realm}: realm, client ${oidc.clientId}, groups mapper and ${opts.groups.length} group(s) already present`,
  );
  return { created };
}
