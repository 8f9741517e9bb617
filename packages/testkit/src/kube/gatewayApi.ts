/*
 * A Gateway API controller for the Kubernetes API stand-in (tests and the demo only), playing
 * what Envoy Gateway does with the gateway.networking.k8s.io objects, reduced to the status
 * conditions kpaas judges readiness on:
 *  - a GatewayClass whose spec.controllerName is ours gets Accepted;
 *  - a Gateway of such a class gets its proxy: a Deployment and a LoadBalancer Service in its
 *    namespace (the workload controllers make them ready / give them an address); it is
 *    Programmed, with the Service's address in status.addresses, once both are, and
 *    Programmed False (AddressNotAssigned / NoResources) until then;
 *  - an HTTPRoute attached to such a Gateway gets a parent status: Accepted (NoMatchingParent
 *    when the Gateway does not exist) and ResolvedRefs (BackendNotFound when a backend Service
 *    is missing).
 * The kinds are served once their CRDs exist (the helm stand-in creates them from the chart
 * fixture); before that the controller does nothing.
 */
import type { KubeApiStandIn } from './standIn';
import type { KubeObject } from './types';

export const GATEWAY_API_GROUP_VERSION = 'gateway.networking.k8s.io/v1';
/** Envoy Gateway's controller name (its chart's config.envoyGateway.gateway.controllerName). */
export const ENVOY_GATEWAY_CONTROLLER =
  'gateway.envoyproxy.io/gatewayclass-controller';

/** CRDs of the Gateway API kinds, for chart fixtures (`crds` of the helm stand-in). */
export const GATEWAY_API_CRD_FIXTURES = [
  {
    name: 'gatewayclasses.gateway.networking.k8s.io',
    kind: 'GatewayClass',
    version: 'v1',
    scope: 'Cluster',
  },
  {
    name: 'gateways.gateway.networking.k8s.io',
    kind: 'Gateway',
    version: 'v1',
  },
  {
    name: 'httproutes.gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    version: 'v1',
  },
  {
    name: 'grpcroutes.gateway.networking.k8s.io',
    kind: 'GRPCRoute',
    version: 'v1',
  },
  {
    name: 'referencegrants.gateway.networking.k8s.io',
    kind: 'ReferenceGrant',
    version: 'v1beta1',
  },
];

export interface GatewayApiControllerOptions {
  /** GatewayClasses with this controllerName are ours (default Envoy Gateway's). */
  controllerName?: string;
  /** Poll interval (default 50 ms). */
  intervalMs?: number;
}

type Condition = {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
};

function list(
  api: KubeApiStandIn,
  kind: string,
  apiVersion = GATEWAY_API_GROUP_VERSION,
): KubeObject[] {
  try {
    return api.store.list({ apiVersion, kind } as any) as KubeObject[];
  } catch {
    return []; // the kind is not served (CRD not installed)
  }
}

function get(
  api: KubeApiStandIn,
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
) {
  try {
    return api.store.get({ apiVersion, kind, name, namespace } as any) as
      | KubeObject
      | undefined;
  } catch {
    return undefined;
  }
}

/** Writes `status` when it differs from the object's (keeps lastTransitionTime of unchanged conditions). */
function setStatus(
  api: KubeApiStandIn,
  obj: KubeObject,
  status: Record<string, any>,
) {
  const strip = (v: unknown) =>
    JSON.stringify(v, (k, x) => (k === 'lastTransitionTime' ? undefined : x));
  if (strip(obj.status ?? {}) === strip(status)) return;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const stamp = (conditions?: Condition[]) =>
    conditions?.map(c => ({ ...c, lastTransitionTime: now }));
  const stamped = {
    ...status,
    ...(status.conditions ? { conditions: stamp(status.conditions) } : {}),
    ...(status.parents
      ? {
          parents: status.parents.map((p: any) => ({
            ...p,
            conditions: stamp(p.conditions),
          })),
        }
      : {}),
  };
  api.store.update({ ...obj, status: stamped } as any, { scope: 'all' } as any);
}

const cond = (
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
): Condition => ({
  type,
  status: ok ? 'True' : 'False',
  reason,
  message,
  ...(generation !== undefined ? { observedGeneration: generation } : {}),
});

/** Name of the proxy Deployment/Service Envoy Gateway creates for a Gateway. */
export function gatewayProxyName(namespace: string, name: string): string {
  return `envoy-${namespace}-${name}`.slice(0, 63);
}

/** Starts the controller; returns its stop function. */
export function startGatewayApiController(
  api: KubeApiStandIn,
  options: GatewayApiControllerOptions = {},
): () => void {
  const controllerName = options.controllerName ?? ENVOY_GATEWAY_CONTROLLER;

  const tick = () => {
    const ours = new Set<string>();
    for (const gc of list(api, 'GatewayClass')) {
      if (gc.spec?.controllerName !== controllerName) continue;
      ours.add(gc.metadata!.name!);
      setStatus(api, gc, {
        conditions: [
          cond(
            'Accepted',
            true,
            'Accepted',
            'Valid GatewayClass',
            gc.metadata!.generation,
          ),
        ],
      });
    }

    const gateways = new Map<string, KubeObject>();
    for (const gw of list(api, 'Gateway')) {
      if (!ours.has(gw.spec?.gatewayClassName)) continue;
      const ns = gw.metadata!.namespace!;
      const name = gw.metadata!.name!;
      gateways.set(`${ns}/${name}`, gw);
      const proxy = gatewayProxyName(ns, name);
      const labels = {
        'app.kubernetes.io/managed-by': 'envoy-gateway',
        'gateway.envoyproxy.io/owning-gateway-name': name,
        'gateway.envoyproxy.io/owning-gateway-namespace': ns,
      };
      if (!get(api, 'apps/v1', 'Deployment', proxy, ns)) {
        api.store.create({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: proxy, namespace: ns, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: 'envoy',
                    image: 'docker.io/envoyproxy/envoy:distroless',
                  },
                ],
              },
            },
          },
        } as any);
      }
      if (!get(api, 'v1', 'Service', proxy, ns)) {
        api.store.create({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: proxy, namespace: ns, labels },
          spec: {
            type: 'LoadBalancer',
            selector: labels,
            ports: (gw.spec?.listeners ?? []).map((l: any) => ({
              name: l.name,
              port: l.port,
            })),
          },
        } as any);
      }
      const deployment = get(api, 'apps/v1', 'Deployment', proxy, ns);
      const ready =
        (deployment?.status?.readyReplicas ?? 0) >=
        (deployment?.spec?.replicas ?? 1);
      const address = get(api, 'v1', 'Service', proxy, ns)?.status?.loadBalancer
        ?.ingress?.[0]?.ip;
      const generation = gw.metadata!.generation;
      let programmed: Condition;
      if (!address) {
        programmed = cond(
          'Programmed',
          false,
          'AddressNotAssigned',
          'No addresses have been assigned to the Gateway',
          generation,
        );
      } else if (!ready) {
        programmed = cond(
          'Programmed',
          false,
          'NoResources',
          'Deployment replicas unavailable',
          generation,
        );
      } else {
        programmed = cond(
          'Programmed',
          true,
          'Programmed',
          'Address assigned to the Gateway, 1/1 envoy replicas available',
          generation,
        );
      }
      setStatus(api, gw, {
        ...(address
          ? { addresses: [{ type: 'IPAddress', value: address }] }
          : {}),
        conditions: [
          cond(
            'Accepted',
            true,
            'Accepted',
            'The Gateway has been scheduled by Envoy Gateway',
            generation,
          ),
          programmed,
        ],
        listeners: (gw.spec?.listeners ?? []).map((l: any) => ({
          name: l.name,
          attachedRoutes: 0,
          supportedKinds: [
            { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
          ],
          conditions: [
            cond(
              'Programmed',
              true,
              'Programmed',
              'Sending translated listener configuration to the data plane',
              generation,
            ),
          ],
        })),
      });
    }

    for (const route of list(api, 'HTTPRoute')) {
      const ns = route.metadata!.namespace!;
      const generation = route.metadata!.generation;
      const parents = (route.spec?.parentRefs ?? [])
        .filter((ref: any) => (ref.kind ?? 'Gateway') === 'Gateway')
        .map((ref: any) => {
          const key = `${ref.namespace ?? ns}/${ref.name}`;
          const accepted = gateways.has(key);
          const missing = (route.spec?.rules ?? [])
            .flatMap((r: any) => r.backendRefs ?? [])
            .filter(
              (b: any) => !get(api, 'v1', 'Service', b.name, b.namespace ?? ns),
            )
            .map((b: any) => `${b.namespace ?? ns}/${b.name}`);
          return {
            parentRef: {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              name: ref.name,
              namespace: ref.namespace ?? ns,
            },
            controllerName,
            conditions: [
              accepted
                ? cond(
                    'Accepted',
                    true,
                    'Accepted',
                    'Route is accepted',
                    generation,
                  )
                : cond(
                    'Accepted',
                    false,
                    'NoMatchingParent',
                    `Gateway ${key} not found`,
                    generation,
                  ),
              missing.length === 0
                ? cond(
                    'ResolvedRefs',
                    true,
                    'ResolvedRefs',
                    'Resolved all the Object references for the Route',
                    generation,
                  )
                : cond(
                    'ResolvedRefs',
                    false,
                    'BackendNotFound',
                    `Failed to process route rule backendRef: service ${missing.join(
                      ', ',
                    )} not found`,
                    generation,
                  ),
            ],
          };
        });
      setStatus(api, route, { parents });
    }
  };

  const timer = setInterval(() => {
    try {
      tick();
    } catch {
      /* next tick */
    }
  }, options.intervalMs ?? 50);
  return () => clearInterval(timer);
}
