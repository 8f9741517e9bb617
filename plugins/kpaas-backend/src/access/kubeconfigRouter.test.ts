import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { kubectlAvailable, runKubectl } from '@internal/kpaas-testkit';
import express from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { clusterSpec } from '../__testUtils__/rig';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { ServicePrincipalPolicy } from '../service/requirePermission';
import { createKubeconfigRouter } from './kubeconfigRouter';

const CA = `-----BEGIN CERTIFICATE-----\n${'MIIBkTCB+wIJAKpaasTestCA'.repeat(
  3,
)}\n-----END CERTIFICATE-----\n`;
const OWNER = 'user:default/dev';

function record(name: string, addons: Array<{ id: string }>): ClusterRecord {
  const spec = clusterSpec(name);
  return {
    name,
    apiServerUrl: 'https://172.16.0.200:6443',
    caData: CA,
    spec: {
      ...spec,
      spec: {
        ...spec.spec,
        kubernetes: { installer: 'kubeadm', containerRuntime: 'cri-o' },
        addons,
      },
    },
    source: 'registered',
    createdAt: '2026-12-03T00:00:00Z',
    updatedAt: '2026-12-03T00:00:00Z',
  } as ClusterRecord;
}

function app() {
  const records = new Map<string, ClusterRecord>([
    ['demo', record('demo', [{ id: 'ingress-nginx' }, { id: 'keycloak' }])],
    ['plain', record('plain', [{ id: 'ingress-nginx' }])],
  ]);
  // only the owner holds kpaas.cluster.access (the sample policy's decision is in routeAccess)
  const permissions = {
    authorize: async (requests: any[], { credentials }: any) =>
      requests.map(() => ({
        result:
          credentials.principal.userEntityRef === OWNER
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      })),
  } as unknown as PermissionsService;
  const a = express();
  a.use(
    createKubeconfigRouter({
      registry: { get: async name => records.get(name) },
      access: {
        permissions,
        httpAuth: mockServices.httpAuth({
          pluginId: 'kpaas',
          defaultCredentials: mockCredentials.none(),
        }),
        servicePrincipals: ServicePrincipalPolicy.fromConfig(),
      },
      logger: mockServices.logger.mock(),
    }),
  );
  a.use(mockErrorHandler());
  return a;
}

describe('GET /clusters/:name/kubeconfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-kubeconfig-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hands the owner a kubelogin kubeconfig that kubectl reads: endpoint, CA, exec args, no token or key', async () => {
    const res = await request(app())
      .get('/clusters/demo/kubeconfig')
      .set('Authorization', mockCredentials.user.header(OWNER));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="demo-kubeconfig.yaml"',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const file = path.join(dir, 'demo-kubeconfig.yaml');
    fs.writeFileSync(file, res.text);

    expect(kubectlAvailable()).toBe(true);
    const raw = await runKubectl(['config', 'view', '--raw', '-o', 'json'], {
      kubeconfig: file,
      workDir: dir,
    });
    expect(raw.stderr).toBe('');
    const view = JSON.parse(raw.stdout);
    expect(view['current-context']).toBe('demo');
    expect(view.clusters).toEqual([
      {
        name: 'demo',
        cluster: {
          server: 'https://172.16.0.200:6443',
          'certificate-authority-data': Buffer.from(CA).toString('base64'),
        },
      },
    ]);
    expect(view.users).toEqual([
      {
        name: 'oidc@demo',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'kubectl',
            args: [
              'oidc-login',
              'get-token',
              '--oidc-issuer-url=https://keycloak.demo.test/realms/demo',
              '--oidc-client-id=kubernetes',
            ],
            env: null,
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ]);
    // the view kubectl shows by default redacts secrets: there are none to redact
    const shown = await runKubectl(['config', 'view', '-o', 'json'], {
      kubeconfig: file,
      workDir: dir,
    });
    const user = JSON.parse(shown.stdout).users[0].user;
    expect(Object.keys(user)).toEqual(['exec']);
    for (const text of [raw.stdout, shown.stdout, res.text]) {
      expect(text).not.toMatch(
        /"token"|token:|client-key|client-certificate|password|REDACTED/,
      );
    }
  });

  it('refuses users without kpaas.cluster.access and services without a grant (403), anonymous (401)', async () => {
    const a = app();
    const eve = await request(a)
      .get('/clusters/demo/kubeconfig')
      .set('Authorization', mockCredentials.user.header('user:default/eve'));
    expect(eve.status).toBe(403);
    expect(eve.body.error.message).toContain('kpaas.cluster.access');
    const scaffolder = await request(a)
      .get('/clusters/demo/kubeconfig')
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('plugin:scaffolder'),
          targetPluginId: 'kpaas',
        }),
      );
    expect(scaffolder.status).toBe(403);
    expect((await request(a).get('/clusters/demo/kubeconfig')).status).toBe(
      401,
    );
  });

  it('says why a cluster without OIDC has no kubeconfig (409), and 404 for an unknown one', async () => {
    const a = app();
    const plain = await request(a)
      .get('/clusters/plain/kubeconfig')
      .set('Authorization', mockCredentials.user.header(OWNER));
    expect(plain.status).toBe(409);
    expect(plain.body.error.message).toContain(
      'it needs the kubeadm installer and the keycloak add-on or spec.access.oidc.issuerUrl',
    );
    const none = await request(a)
      .get('/clusters/nope/kubeconfig')
      .set('Authorization', mockCredentials.user.header(OWNER));
    expect(none.status).toBe(404);
  });
});
