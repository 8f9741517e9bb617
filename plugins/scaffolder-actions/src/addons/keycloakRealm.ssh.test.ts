import * as k8s from '@kubernetes/client-node';
import {
  KeycloakAdminStandIn,
  KubeApiStandIn,
  SshNodeRig,
  startKeycloakAdminStandIn,
  startKubeApiStandIn,
  startSshNodes,
} from '@internal/kpaas-testkit';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import { connectNode, SecretMasker, SshNodeSession } from '../ssh';
import { applyClusterAccess } from './rbac';

jest.setTimeout(60_000);

/*
 * The path kpaas:addons takes to Keycloak: its Service's cluster IP, reached from the control
 * plane through the action's SSH session (direct-tcpip, SshNodeSession.forwardOut) on a real
 * sshd of the node rig. The Keycloak stand-in listens where the cluster IP:port points.
 */
describe('Keycloak realm through the control plane (SSH forwarding)', () => {
  let rig: SshNodeRig;
  let kube: KubeApiStandIn;
  let keycloak: KeycloakAdminStandIn;
  let session: SshNodeSession;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    rig = await startSshNodes({ count: 1, namePrefix: 'kc' });
    kube = await startKubeApiStandIn();
    kc = new k8s.KubeConfig();
    kc.loadFromString(kube.kubeconfigYaml());
    keycloak = await startKeycloakAdminStandIn({
      adminUser: 'admin',
      adminPassword: 'pw-ssh-7c1d',
    });
    const n = rig.node('kc-1');
    session = await connectNode(
      {
        name: 'kc-1',
        host: n.host,
        port: n.port,
        user: 'root',
        hostKeyFingerprint: n.hostKeyFingerprint,
      },
      {
        privateKey: rig.privateKey,
        logger: { info: () => {}, warn: () => {}, error: () => {} },
        masker: new SecretMasker(),
        connectAttempts: 1,
      },
    );
  });
  afterAll(async () => {
    session?.close();
    await keycloak?.close();
    await kube?.close();
    await rig?.stop();
  });

  it('creates the realm with requests that travelled through the node', async () => {
    const port = Number(new URL(keycloak.url).port);
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'keycloak' },
    });
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keycloak-credentials', namespace: 'keycloak' },
      data: {
        username: Buffer.from('admin').toString('base64'),
        password: Buffer.from('pw-ssh-7c1d').toString('base64'),
      },
    });
    kube.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'keycloak-http', namespace: 'keycloak' },
      spec: { clusterIP: '127.0.0.1', ports: [{ port }] },
    });
    const parsed = parseClusterSpec({
      apiVersion: 'kpaas.io/v1alpha1',
      kind: 'Cluster',
      metadata: {
        name: 'viassh',
        owner: 'group:default/platform',
        environment: 'dev',
      },
      spec: {
        target: { type: 'multipass' },
        controlPlane: { count: 1 },
        workers: { count: 1 },
        network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
        addons: [{ id: 'keycloak' }],
      },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const forwarded: string[] = [];
    const result = await applyClusterAccess({
      spec: parsed.spec,
      plan: {
        addons: [
          {
            id: 'keycloak',
            namespace: 'keycloak',
            ui: {
              host: 'keycloak.k.test',
              service: 'keycloak-http',
              port,
              path: '/',
            },
            credentialsRef: {
              secretName: 'keycloak-credentials',
              namespace: 'keycloak',
              keys: ['username', 'password'],
            },
          },
        ] as any,
      },
      kubeConfig: kc,
      connect: (host, p) => {
        forwarded.push(`${host}:${p}`);
        return session.forwardOut(host, p);
      },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      addSecret: () => {},
      deadline: Date.now() + 10_000,
    });
    expect(result.keycloak!.created).toEqual([
      'realm viassh',
      'client kubernetes',
      'protocol mapper groups (claim groups)',
      'group platform',
    ]);
    expect(keycloak.realms.get('viassh')!.clients[0]).toMatchObject({
      clientId: 'kubernetes',
      publicClient: true,
    });
    // one SSH channel per request, all to the Service's cluster IP and port
    expect(new Set(forwarded)).toEqual(new Set([`127.0.0.1:${port}`]));
    expect(forwarded).toHaveLength(keycloak.requests.length);
  });
});
