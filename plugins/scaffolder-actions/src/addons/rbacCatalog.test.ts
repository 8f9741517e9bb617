import { mockServices } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { catalogRefsLookup, checkAccessGroups } from './rbacCatalog';

/** A catalog answering POST /entities/by-refs from a fixed set of groups, recording requests. */
async function startCatalog(groups: string[]) {
  const requests: Array<{ path?: string; body: any; authorization?: string }> =
    [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      requests.push({
        path: req.url,
        body,
        authorization: req.headers.authorization,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          items: body.entityRefs.map((ref: string) => {
            const [, ns, name] = /^group:([^/]+)\/(.+)$/.exec(ref) ?? [];
            return groups.includes(ref)
              ? { kind: 'Group', metadata: { namespace: ns, name } }
              : null;
          }),
        }),
      );
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/catalog`;
  return {
    requests,
    lookup: catalogRefsLookup({
      discovery: { getBaseUrl: async () => base } as any,
      auth: mockServices.auth(),
    }),
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

function spec(groups: Array<Record<string, string>>) {
  const r = parseClusterSpec({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'demo',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: { type: 'multipass' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
      addons: [{ id: 'keycloak' }],
      access: { groups },
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('spec.access.groups against the catalog', () => {
  it('accepts groups the catalog has, asking it once with a service token', async () => {
    const catalog = await startCatalog([
      'group:default/dev-team',
      'group:ops/sre',
    ]);
    try {
      await checkAccessGroups(
        spec([
          { group: 'dev-team', clusterRole: 'edit' },
          {
            group: 'group:ops/sre',
            clusterRole: 'view',
            namespace: 'monitoring',
          },
        ]),
        catalog.lookup,
      );
      expect(catalog.requests).toEqual([
        {
          path: '/api/catalog/entities/by-refs',
          body: {
            entityRefs: ['group:default/dev-team', 'group:ops/sre'],
            fields: ['kind', 'metadata.namespace', 'metadata.name'],
          },
          authorization: expect.stringMatching(/^Bearer .+/),
        },
      ]);
    } finally {
      await catalog.close();
    }
  });

  it('refuses a group the catalog does not know, naming the field and the fix', async () => {
    const catalog = await startCatalog(['group:default/dev-team']);
    try {
      const err = await checkAccessGroups(
        spec([
          { group: 'dev-team', clusterRole: 'edit' },
          { group: 'group:default/ghosts', clusterRole: 'view' },
        ]),
        catalog.lookup,
      ).catch(e => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe(
        'cluster.yaml refers to unknown catalog groups:\n  - spec.access.groups[1].group: "group:default/ghosts" (group:default/ghosts) is not in the catalog; create the group there (or fix the reference) and re-run',
      );
    } finally {
      await catalog.close();
    }
  });

  it('asks nothing when spec.access has no groups', async () => {
    const catalog = await startCatalog([]);
    try {
      await checkAccessGroups(spec([]), catalog.lookup);
      expect(catalog.requests).toEqual([]);
    } finally {
      await catalog.close();
    }
  });
});
