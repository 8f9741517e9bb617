import {
  ADDON_LABEL,
  CLUSTER_GATEWAY_TLS_SECRET,
  GATEWAY_API_VERSION,
  PlatformGateway,
  PlatformRoute,
} from '@internal/plugin-kpaas-common';

/*
 * The Gateway API objects kpaas:addons generates from the cluster's routing
 * (kpaas-common's derivePlatformRouting): the one Gateway of the cluster (with its wildcard
 * certificate when cert-manager is installed) and one HTTPRoute per platform UI.
 */

const managedBy = (addonId: string) => ({
  'app.kubernetes.io/managed-by': 'kpaas',
  [ADDON_LABEL]: addonId,
});

/**
 * The cluster Gateway (and, with TLS, the cert-manager Certificate its HTTPS listener uses,
 * first): HTTP on :80 and HTTPS on :443 for `*.<domain>`, routes from every namespace.
 */
export function gatewayManifests(
  gateway: PlatformGateway,
  clusterIssuer: string,
): object[] {
  const allowedRoutes = { namespaces: { from: 'All' } };
  const listeners: object[] = [
    { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes },
  ];
  const objects: object[] = [];
  if (gateway.tls) {
    objects.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: CLUSTER_GATEWAY_TLS_SECRET,
        namespace: gateway.namespace,
        labels: managedBy(gateway.addonId),
      },
      spec: {
        secretName: CLUSTER_GATEWAY_TLS_SECRET,
        dnsNames: [gateway.hostname],
        issuerRef: {
          group: 'cert-manager.io',
          kind: 'ClusterIssuer',
          name: clusterIssuer,
        },
      },
    });
    listeners.push({
      name: 'https',
      protocol: 'HTTPS',
      port: 443,
      hostname: gateway.hostname,
      tls: {
        mode: 'Terminate',
        certificateRefs: [{ kind: 'Secret', name: CLUSTER_GATEWAY_TLS_SECRET }],
      },
      allowedRoutes,
    });
  }
  objects.push({
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name: gateway.name,
      namespace: gateway.namespace,
      labels: managedBy(gateway.addonId),
    },
    spec: { gatewayClassName: gateway.gatewayClassName, listeners },
  });
  return objects;
}

/**
 * The HTTPRoute of one UI, in the UI's namespace (so its backends need no ReferenceGrant): its
 * host on the cluster Gateway, ui.extraPaths first (more specific), then ui.path to ui.service.
 */
export function httpRouteManifest(
  route: PlatformRoute,
  gateway: PlatformGateway,
): object {
  const rule = (path: string, service: string, port: number) => ({
    matches: [{ path: { type: 'PathPrefix', value: path } }],
    backendRefs: [{ kind: 'Service', name: service, port }],
  });
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: {
      name: route.name,
      namespace: route.namespace,
      labels: managedBy(route.addonId),
    },
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: gateway.name,
          namespace: gateway.namespace,
        },
      ],
      hostnames: [route.host],
      rules: [
        ...route.extraPaths.map(p => rule(p.path, p.service, p.port)),
        rule(route.path, route.service, route.port),
      ],
    },
  };
}
