/*
 * Tests only: a small HTTP server standing in for the parts of kpaas-backend the actions call
 * (GET/POST /api/kpaas/clusters[/:name], POST .../timeline, GET/PUT .../inventory and POST
 * .../inventory/host-keys), recording every request so a test can prove a refused run touched
 * nothing.
 */
import type { InventoryNode } from '@internal/plugin-kpaas-common';
import { mockServices } from '@backstage/backend-test-utils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KpaasBackendStandIn {
  /** Registrations `GET /api/kpaas/clusters/:name` answers with (others: 404). */
  registrations: Map<string, Record<string, unknown>>;
  /** Every request received: `METHOD /path`. */
  requests: string[];
  /** Bodies of `POST /api/kpaas/clusters`. */
  registered: Array<Record<string, unknown>>;
  /** Machines per cluster: `GET .../inventory` answers with them (others: 404), PUT sets them. */
  inventories: Map<string, InventoryNode[]>;
  discovery: {
    getBaseUrl(id: string): Promise<string>;
    getExternalBaseUrl(id: string): Promise<string>;
  };
  auth: ReturnType<typeof mockServices.auth>;
  close(): Promise<void>;
}

export async function startKpaasBackendStandIn(): Promise<KpaasBackendStandIn> {
  const registrations = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const registered: Array<Record<string, unknown>> = [];
  const inventories = new Map<string, InventoryNode[]>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => (body += d));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const inv =
        /^\/api\/kpaas\/clusters\/([^/]+)\/inventory(\/host-keys)?(\?.*)?$/.exec(
          req.url ?? '',
        );
      if (inv) {
        const cluster = decodeURIComponent(inv[1]);
        if (req.method === 'PUT')
          inventories.set(cluster, JSON.parse(body).nodes);
        const nodes = inventories.get(cluster);
        if (!nodes) {
          json(404, {
            error: { name: 'NotFoundError', message: 'no inventory' },
          });
          return;
        }
        if (req.method === 'POST') {
          const { hostKeys } = JSON.parse(body) as {
            hostKeys: Array<{ name: string; fingerprint: string }>;
          };
          inventories.set(
            cluster,
            nodes.map(n => ({
              ...n,
              hostKeyFingerprint:
                hostKeys.find(k => k.name === n.name)?.fingerprint ??
                n.hostKeyFingerprint,
            })),
          );
        }
        json(200, { cluster, nodes: inventories.get(cluster) });
        return;
      }
      const one = /^\/api\/kpaas\/clusters\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && one) {
        const found = registrations.get(decodeURIComponent(one[1]));
        if (found) json(200, found);
        else
          json(404, {
            error: { name: 'NotFoundError', message: 'no such cluster' },
          });
        return;
      }
      if (req.method === 'POST' && req.url === '/api/kpaas/clusters') {
        registered.push(JSON.parse(body));
        json(201, { name: JSON.parse(body).name });
        return;
      }
      if (req.method === 'POST' && /\/timeline$/.test(req.url ?? '')) {
        json(201, { id: requests.length });
        return;
      }
      json(404, { error: { name: 'NotFoundError', message: 'not served' } });
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const base = (id: string) => `http://127.0.0.1:${port}/api/${id}`;
  return {
    registrations,
    requests,
    registered,
    inventories,
    discovery: {
      getBaseUrl: async id => base(id),
      getExternalBaseUrl: async id => base(id),
    },
    auth: mockServices.auth({ pluginId: 'scaffolder' }),
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
