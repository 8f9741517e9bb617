/*
 * The stand-in's Gateway API controller: the kinds are served once their CRDs exist, and the
 * Gateway / HTTPRoute conditions follow what exists in the store.
 */
import {
  ENVOY_GATEWAY_CONTROLLER,
  GATEWAY_API_CRD_FIXTURES,
  gatewayProxyName,
  startGatewayApiController,
} from './gatewayApi';
import { KubeApiStandIn, startKubeApiStandIn } from './standIn';

const GW = 'gateway.networking.k8s.io/v1';

/** Polls until `check` returns a value (conditions, never a fixed sleep). */
async function eventually<T>(
  check: () => T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise(r => setTimeout(r, 20));
  }
}

describe('startGatewayApiController', () => {
  let standIn: KubeApiStandIn;
  let stop: () => void = () => {};

  beforeEach(async () => {
    standIn = await startKubeApiStandIn();
    for (const crd of GATEWAY_API_CRD_FIXTURES) {
      const [plural, ...group] = crd.name.split('.');
      standIn.store.create({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd.name },
        spec: {
          group: group.join('.'),
          scope: crd.scope ?? 'Namespaced',
          names: { plural, singular: crd.kind.toLowerCase(), kind: crd.kind },
          versions: [{ name: crd.version, served: true, storage: true }],
        },
      } as any);
    }
    for (const name of ['edge', 'apps']) {
      standIn.store.create({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      } as any);
    }
    stop = startGatewayApiController(standIn, { intervalMs: 20 });
  });
  afterEach(async () => {
    stop();
    await standIn.close();
  });

  const get = (
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ) => standIn.store.get({ apiVersion, kind, name, namespace } as any) as any;
  const condition = (obj: any, type: string) =>
    obj?.status?.conditions?.find((c: any) => c.type === type);

  it('programs a Gateway of its class once the proxy is ready and has an address', async () => {
    standIn.store.create({
      apiVersion: GW,
      kind: 'GatewayClass',
      metadata: { name: 'eg' },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    } as any);
    standIn.store.create({
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'kpaas', namespace: 'edge' },
      spec: {
        gatewayClassName: 'eg',
        listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }],
      },
    } as any);
    await eventually(
      () =>
        condition(get(GW, 'GatewayClass', 'eg'), 'Accepted')?.status ===
          'True' || undefined,
    );
    const proxy = gatewayProxyName('edge', 'kpaas');
    const notYet = await eventually(() =>
      condition(get(GW, 'Gateway', 'kpaas', 'edge'), 'Programmed'),
    );
    expect(notYet).toMatchObject({
      status: 'False',
      reason: 'AddressNotAssigned',
    });

    // MetalLB's part: the proxy Service gets an address; the Deployment is not ready yet
    const svc = get('v1', 'Service', proxy, 'edge');
    expect(svc.spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [{ name: 'http', port: 80 }],
    });
    standIn.store.update(
      { ...svc, status: { loadBalancer: { ingress: [{ ip: '10.0.0.50' }] } } },
      { scope: 'all' } as any,
    );
    await eventually(
      () =>
        condition(get(GW, 'Gateway', 'kpaas', 'edge'), 'Programmed')?.reason ===
          'NoResources' || undefined,
    );
    standIn.setDeploymentReady('edge', proxy, true);
    const gateway = await eventually(() => {
      const gw = get(GW, 'Gateway', 'kpaas', 'edge');
      return condition(gw, 'Programmed')?.status === 'True' ? gw : undefined;
    });
    expect(gateway.status.addresses).toEqual([
      { type: 'IPAddress', value: '10.0.0.50' },
    ]);
  });

  it('ignores Gateways of other controllers', async () => {
    standIn.store.create({
      apiVersion: GW,
      kind: 'GatewayClass',
      metadata: { name: 'other' },
      spec: { controllerName: 'example.com/other' },
    } as any);
    standIn.store.create({
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'g', namespace: 'edge' },
      spec: { gatewayClassName: 'other', listeners: [] },
    } as any);
    standIn.store.create({
      apiVersion: GW,
      kind: 'GatewayClass',
      metadata: { name: 'eg' },
      spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
    } as any);
    await eventually(() =>
      condition(get(GW, 'GatewayClass', 'eg'), 'Accepted'),
    );
    expect(get(GW, 'GatewayClass', 'other').status?.conditions).toBeUndefined();
    expect(get(GW, 'Gateway', 'g', 'edge').status?.conditions).toBeUndefined();
    expect(
      get('v1', 'Service', gatewayProxyName('edge', 'g'), 'edge'),
    ).toBeUndefined();
  });

  it('reports an HTTPRoute NoMatchingParent without its Gateway and BackendNotFound without its Service', async () => {
    standIn.store.create({
      apiVersion: GW,
      kind: 'HTTPRoute',
      metadata: { name: 'ui', namespace: 'apps' },
      spec: {
        parentRefs: [{ name: 'kpaas', namespace: 'edge' }],
        rules: [{ backendRefs: [{ name: 'web', port: 80 }] }],
      },
    } as any);
    const parent = await eventually(
      () => get(GW, 'HTTPRoute', 'ui', 'apps').status?.parents?.[0],
    );
    expect(parent.parentRef).toMatchObject({
      name: 'kpaas',
      namespace: 'edge',
    });
    expect(
      parent.conditions.map((c: any) => [c.type, c.status, c.reason]),
    ).toEqual([
      ['Accepted', 'False', 'NoMatchingParent'],
      ['ResolvedRefs', 'False', 'BackendNotFound'],
    ]);
    expect(parent.conditions[1].message).toContain(
      'service apps/web not found',
    );
  });
});
