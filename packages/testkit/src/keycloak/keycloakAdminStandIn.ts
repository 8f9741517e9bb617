/*
 * A stand-in for the parts of Keycloak's admin REST API kpaas calls (tests only): the master
 * realm's password grant for admin-cli, realms, clients, their protocol mappers and groups.
 * A real HTTP server (or its `handler`, e.g. behind the Kubernetes API stand-in's service
 * proxy); every request is recorded (method, path with query, parsed body) so tests can assert
 * the exact calls. `down = true` makes it answer 503 like an ingress with no Keycloak behind it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface KeycloakStandInRequest {
  method: string;
  /** Path with query, as received (below the proxy prefix when proxied). */
  path: string;
  body?: unknown;
}

export interface KeycloakStandInClient {
  id: string;
  clientId: string;
  [key: string]: unknown;
  protocolMappers: Array<
    Record<string, unknown> & { id: string; name: string }
  >;
}

export interface KeycloakStandInRealm {
  realm: string;
  enabled?: boolean;
  clients: KeycloakStandInClient[];
  groups: Array<{ id: string; name: string; path: string }>;
}

export interface KeycloakAdminStandIn {
  /** http://127.0.0.1:<port> when listening (startKeycloakAdminStandIn) */
  url: string;
  handler(req: IncomingMessage, res: ServerResponse): void;
  requests: KeycloakStandInRequest[];
  realms: Map<string, KeycloakStandInRealm>;
  /** Answer everything with 503 (Keycloak not running). */
  down: boolean;
  close(): Promise<void>;
}

export interface KeycloakAdminStandInOptions {
  adminUser: string;
  adminPassword: string;
  /** Listen on a port (default true); false gives only `handler`. */
  listen?: boolean;
}

export async function startKeycloakAdminStandIn(
  options: KeycloakAdminStandInOptions,
): Promise<KeycloakAdminStandIn> {
  const tokens = new Set<string>();
  const realms = new Map<string, KeycloakStandInRealm>();
  realms.set('master', {
    realm: 'master',
    enabled: true,
    clients: [],
    groups: [],
  });
  const requests: KeycloakStandInRequest[] = [];

  const send = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const self: KeycloakAdminStandIn = {
    url: '',
    requests,
    realms,
    down: false,
    handler(req, res) {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', c => {
        raw += c;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://keycloak');
        const method = req.method ?? 'GET';
        const form = (req.headers['content-type'] ?? '').startsWith(
          'application/x-www-form-urlencoded',
        );
        let body: any;
        try {
          body = !raw
            ? undefined
            : form
            ? Object.fromEntries(new URLSearchParams(raw))
            : JSON.parse(raw);
        } catch {
          send(res, 400, { error: 'unable to parse body' });
          return;
        }
        requests.push({
          method,
          path: `${url.pathname}${url.search}`,
          ...(body === undefined ? {} : { body }),
        });
        if (self.down) {
          send(res, 503, {
            error: 'no endpoints available for service "keycloak-http"',
          });
          return;
        }
        const p = url.pathname;
        if (
          method === 'POST' &&
          p === '/realms/master/protocol/openid-connect/token'
        ) {
          if (
            body?.grant_type !== 'password' ||
            body?.client_id !== 'admin-cli' ||
            body?.username !== options.adminUser ||
            body?.password !== options.adminPassword
          ) {
            send(res, 401, {
              error: 'invalid_grant',
              error_description: 'Invalid user credentials',
            });
            return;
          }
          const token = randomBytes(24).toString('hex');
          tokens.add(token);
          send(res, 200, {
            access_token: token,
            token_type: 'Bearer',
            expires_in: 60,
          });
          return;
        }
        if (!p.startsWith('/admin/realms')) {
          send(res, 404, {
            error: 'Unable to find matching target resource method',
          });
          return;
        }
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        if (!auth || !tokens.has(auth[1])) {
          send(res, 401, { error: 'HTTP 401 Unauthorized' });
          return;
        }
        const parts = p.split('/').slice(3).map(decodeURIComponent); // after /admin/realms
        if (parts.length === 0) {
          if (method === 'POST') {
            if (!body?.realm)
              return send(res, 400, { errorMessage: 'realm is required' });
            if (realms.has(body.realm)) {
              return send(res, 409, {
                errorMessage: `Conflict detected. See logs for details`,
              });
            }
            realms.set(body.realm, { ...body, clients: [], groups: [] });
            return send(res, 201, undefined, {
              Location: `/admin/realms/${body.realm}`,
            });
          }
          return send(res, 405);
        }
        const realm = realms.get(parts[0]);
        if (!realm) return send(res, 404, { error: 'Realm not found.' });
        if (parts.length === 1 && method === 'GET') {
          const { clients, groups, ...rep } = realm;
          return send(res, 200, rep);
        }
        if (parts[1] === 'clients' && parts.length === 2) {
          if (method === 'GET') {
            const wanted = url.searchParams.get('clientId');
            return send(
              res,
              200,
              realm.clients
                .filter(c => !wanted || c.clientId === wanted)
                .map(({ protocolMappers, ...c }) => ({
                  ...c,
                  protocolMappers,
                })),
            );
          }
          if (method === 'POST') {
            if (realm.clients.some(c => c.clientId === body?.clientId)) {
              return send(res, 409, {
                errorMessage: `Client ${body.clientId} already exists`,
              });
            }
            const id = randomUUID();
            realm.clients.push({
              ...body,
              id,
              protocolMappers: (body.protocolMappers ?? []).map((m: any) => ({
                ...m,
                id: randomUUID(),
              })),
            });
            return send(res, 201, undefined, {
              Location: `/admin/realms/${realm.realm}/clients/${id}`,
            });
          }
        }
        if (
          parts[1] === 'clients' &&
          parts[3] === 'protocol-mappers' &&
          parts[4] === 'models' &&
          parts.length === 5
        ) {
          const client = realm.clients.find(c => c.id === parts[2]);
          if (!client)
            return send(res, 404, { error: 'Could not find client' });
          if (method === 'GET') return send(res, 200, client.protocolMappers);
          if (method === 'POST') {
            if (client.protocolMappers.some(m => m.name === body?.name)) {
              return send(res, 409, {
                errorMessage: `Protocol mapper exists with same name`,
              });
            }
            client.protocolMappers.push({ ...body, id: randomUUID() });
            return send(res, 201);
          }
        }
        if (parts[1] === 'groups' && parts.length === 2) {
          if (method === 'GET') {
            const search = url.searchParams.get('search');
            const exact = url.searchParams.get('exact') === 'true';
            return send(
              res,
              200,
              realm.groups.filter(
                g =>
                  !search ||
                  (exact ? g.name === search : g.name.includes(search)),
              ),
            );
          }
          if (method === 'POST') {
            if (realm.groups.some(g => g.name === body?.name)) {
              return send(res, 409, {
                errorMessage: `Top level group named '${body.name}' already exists.`,
              });
            }
            const id = randomUUID();
            realm.groups.push({ id, name: body.name, path: `/${body.name}` });
            return send(res, 201, undefined, {
              Location: `/admin/realms/${realm.realm}/groups/${id}`,
            });
          }
        }
        return send(res, 404, {
          error: 'Unable to find matching target resource method',
        });
      });
    },
    async close() {},
  };

  if (options.listen !== false) {
    const server = http.createServer((req, res) => self.handler(req, res));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self.close = () =>
      new Promise<void>(r => {
        server.closeAllConnections();
        server.close(() => r());
      });
  }
  return self;
}
