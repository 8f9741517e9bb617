import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sendLargeBody } from './__testUtils__/largeBody';
import { CredentialCipher } from '../crypto/CredentialCipher';
import {
  createStateRouter,
  createTerraformStateStore,
  terraformStateAuthPolicy,
} from '.';

/*
 * The state router inside a real backend: a test-only `kpaas` plugin mounts it the way
 * plugin.ts does, so the default auth barrier, the auth policy and the httpRouter's error
 * handler are the production ones.
 */
const stateTestPlugin = createBackendPlugin({
  pluginId: 'kpaas',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({
        httpRouter,
        database,
        httpAuth,
        permissions,
        logger,
        config,
      }) {
        const store = await createTerraformStateStore({
          database,
          cipher: CredentialCipher.fromConfig(config, logger),
          logger,
          config,
        });
        httpRouter.use(
          await createStateRouter({
            store,
            httpAuth,
            permissions,
            logger,
            config,
          }),
        );
        httpRouter.addAuthPolicy(terraformStateAuthPolicy);
      },
    });
  },
});

describe('state router mounted in a backend plugin', () => {
  it('lets Terraform in with basic auth while credential issuance needs a Backstage token', async () => {
    const backend = await startTestBackend({ features: [stateTestPlugin] });
    const { server } = backend;
    const base = '/api/kpaas/clusters/demo/terraform';

    // The barrier lets basic-auth requests through to our own check (401, not the barrier's).
    const anonymous = await request(server).get(`${base}/state`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toContain('state credential');

    const badToken = await request(server)
      .post(`${base}/credentials`)
      .set('Authorization', mockCredentials.service.invalidHeader());
    expect(badToken.status).toBe(401);

    const issued = await request(server)
      .post(`${base}/credentials`)
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('plugin:scaffolder'),
          targetPluginId: 'kpaas',
        }),
      )
      .send({});
    expect(issued.status).toBe(201);
    const auth = `Basic ${Buffer.from(
      `${issued.body.username}:${issued.body.password}`,
    ).toString('base64')}`;

    expect(
      (await request(server).get(`${base}/state`).set('Authorization', auth))
        .status,
    ).toBe(204);
    const lock = await request(server)
      .lock(`${base}/state/lock`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({
          ID: 'a',
          Who: 'ci@runner',
          Created: '2026-11-21T10:00:00Z',
        }),
      );
    expect(lock.status).toBe(200);
    const second = await request(server)
      .lock(`${base}/state/lock`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ID: 'b', Who: 'other@runner' }));
    expect(second.status).toBe(423);
    expect(second.body).toMatchObject({ ID: 'a', Who: 'ci@runner' });

    const write = await request(server)
      .post(`${base}/state?ID=a`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(
        JSON.stringify({ version: 4, serial: 1, lineage: 'l', resources: [] }),
      );
    expect(write.status).toBe(200);

    const versions = await request(server)
      .get(`${base}/state/versions`)
      .set('Authorization', mockCredentials.user.header());
    expect(versions.status).toBe(200);
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.lock.info.Who).toBe('ci@runner');
    await backend.stop();
  });

  it('answers anonymous callers of the state routes 401 under the production auth barrier, before reading a 60 MB body', async () => {
    const backend = await startTestBackend({ features: [stateTestPlugin] });
    const { server } = backend;
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/api/kpaas/clusters/demo/terraform/state`;
    // No Authorization header (the test backend would read that as its default user):
    // `none` is a request without any credentials.
    const none = mockCredentials.none.header();
    for (const [method, url, authorization] of [
      ['POST', base, undefined],
      ['LOCK', `${base}/lock`, undefined],
      ['POST', `${base}/push`, none],
    ]) {
      const result = await sendLargeBody(
        url!,
        method!,
        60 * 1024 * 1024,
        authorization,
      );
      expect({ method, url, status: result.status }).toEqual({
        method,
        url,
        status: 401,
      });
      expect(result.sentAtResponse).toBeLessThan(30 * 1024 * 1024);
    }
    // The admin routes under the unauthenticated path still need a Backstage principal.
    for (const call of [
      () =>
        request(server)
          .get('/api/kpaas/clusters/demo/terraform/state/versions')
          .set('Authorization', none),
      () =>
        request(server)
          .delete('/api/kpaas/clusters/demo/terraform/state/lock')
          .set('Authorization', none),
      () =>
        request(server)
          .post('/api/kpaas/clusters/demo/terraform/state/restore/1')
          .set('Authorization', none),
      () =>
        request(server)
          .post('/api/kpaas/clusters/demo/terraform/state/purge')
          .set('Authorization', none),
      () =>
        request(server)
          .get('/api/kpaas/clusters/demo/terraform/state/versions/1')
          .set('Authorization', mockCredentials.user.invalidHeader()),
    ]) {
      expect((await call()).status).toBe(401);
    }
    await backend.stop();
  });
});
