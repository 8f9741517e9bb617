import { startKubeApiStandIn, KubeApiStandIn } from '../kube';
import { freePort } from '../ssh';
import { KeycloakService, startKeycloakService } from './keycloakService';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error('condition not met in 10 s');
}

describe('startKeycloakService', () => {
  let api: KubeApiStandIn;
  let service: KeycloakService;

  beforeAll(async () => {
    api = await startKubeApiStandIn();
  });
  afterAll(async () => {
    await service?.stop();
    await api?.close();
  });

  it('serves the Keycloak admin API at the Service cluster IP with the admin of the Secret', async () => {
    service = startKeycloakService(api, { intervalMs: 20 });
    const port = await freePort('127.0.0.1');
    api.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'keycloak' },
    });
    api.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'keycloak-http', namespace: 'keycloak' },
      spec: { clusterIP: '127.0.0.1', ports: [{ port }] },
    });
    expect(() => service.keycloak).toThrow(
      /Secret keycloak\/keycloak-credentials/,
    );
    api.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keycloak-credentials', namespace: 'keycloak' },
      data: { username: b64('admin'), password: b64('pw-1f3a') },
    });
    expect(await waitFor(() => service.address)).toBe(`127.0.0.1:${port}`);

    const token = (password: string) =>
      fetch(
        `http://127.0.0.1:${port}/realms/master/protocol/openid-connect/token`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'password',
            client_id: 'admin-cli',
            username: 'admin',
            password,
          }),
        },
      );
    expect((await token('wrong')).status).toBe(401);
    expect((await token('pw-1f3a')).status).toBe(200);
    expect(service.keycloak.requests).toHaveLength(2);
  });
});
