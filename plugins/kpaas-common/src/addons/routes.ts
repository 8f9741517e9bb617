import {
  AddonDefinition,
  AddonRetirement,
  WELL_KNOWN_CAPABILITIES,
} from './schema';

/*
 * How a cluster exposes its platform UIs, as a pure function of the add-ons it installs: through
 * a Gateway API implementation (one Gateway per cluster, an HTTPRoute per UI) or through an
 * Ingress controller (the ui-ingress templates). kpaas:addons generates the objects from this,
 * the links and their probes follow it, and readiness expects exactly these objects.
 */

/** Label on every object kpaas generates for an add-on (Gateway, HTTPRoute, Ingress). @public */
export const ADDON_LABEL = 'kpaas.io/addon';
/** Name of the one Gateway per cluster. @public */
export const CLUSTER_GATEWAY_NAME = 'kpaas';
/** Secret of the Gateway's wildcard certificate (cert-manager). @public */
export const CLUSTER_GATEWAY_TLS_SECRET = 'kpaas-gateway-tls';

/** One platform UI and how it is reached. @public */
export interface PlatformRoute {
  addonId: string;
  title: string;
  icon?: string;
  /** `<ui.hostPrefix>.<domain>` */
  host: string;
  path: string;
  url: string;
  /** The object that routes it: a generated HTTPRoute, or the add-on's Ingress */
  kind: 'HTTPRoute' | 'Ingress';
  /** Name and namespace of that object (the HTTPRoute kpaas generates: `<id>-ui`) */
  name: string;
  namespace: string;
  /** Backend Service and port (ui.service/ui.port), and further paths (ui.extraPaths) */
  service: string;
  port: number;
  extraPaths: Array<{ path: string; service: string; port: number }>;
}

/** The cluster's one Gateway. @public */
export interface PlatformGateway {
  /** The Gateway API implementation add-on that programs it */
  addonId: string;
  name: string;
  namespace: string;
  gatewayClassName: string;
  /** An HTTPS listener with a cert-manager certificate for `*.<domain>` */
  tls: boolean;
  /** `*.<domain>` */
  hostname: string;
}

/** @public */
export interface PlatformRouting {
  via: 'gateway-api' | 'ingress' | 'none';
  gateway?: PlatformGateway;
  routes: PlatformRoute[];
}

/**
 * The routing of the given add-ons (the cluster's install set, in install order):
 *
 * - a Gateway API implementation (catalog `gatewayApi`) is installed → one Gateway `kpaas` in its
 *   namespace, class `gatewayApi.gatewayClassName`, listeners HTTP :80 and, when an add-on
 *   provides `certificate-issuer` (cert-manager), HTTPS :443 for `*.<domain>`; every UI gets an
 *   HTTPRoute `<id>-ui` in its own namespace; links are https:// with TLS, else http://;
 * - otherwise an `ingress-controller` provider → the UIs' Ingress objects (postInstall), https://
 *   links (the controller serves its default certificate without cert-manager);
 * - otherwise `none`: links as for an Ingress, nothing routes them yet.
 * @public
 */
export function derivePlatformRouting(
  installed: readonly AddonDefinition[],
  domain: string,
): PlatformRouting {
  const implementation = installed.find(a => a.gatewayApi !== undefined);
  const tls = installed.some(a =>
    a.provides.includes(WELL_KNOWN_CAPABILITIES.certificateIssuer),
  );
  const gateway: PlatformGateway | undefined =
    implementation?.gatewayApi && implementation.type === 'helm'
      ? {
          addonId: implementation.id,
          name: CLUSTER_GATEWAY_NAME,
          namespace: implementation.helm.namespace,
          gatewayClassName: implementation.gatewayApi.gatewayClassName,
          tls,
          hostname: `*.${domain}`,
        }
      : undefined;
  let via: PlatformRouting['via'] = 'none';
  if (gateway) via = 'gateway-api';
  else if (
    installed.some(a =>
      a.provides.includes(WELL_KNOWN_CAPABILITIES.ingressController),
    )
  )
    via = 'ingress';
  const scheme = gateway && !gateway.tls ? 'http' : 'https';

  const routes = installed.flatMap((addon): PlatformRoute[] => {
    if (!addon.ui) return [];
    const host = `${addon.ui.hostPrefix}.${domain}`;
    const namespace =
      addon.type === 'helm'
        ? addon.helm.namespace
        : addon.script.namespace ?? 'default';
    return [
      {
        addonId: addon.id,
        title: addon.ui.title,
        icon: addon.ui.icon,
        host,
        path: addon.ui.path,
        url: `${scheme}://${host}${addon.ui.path === '/' ? '' : addon.ui.path}`,
        kind: gateway ? 'HTTPRoute' : 'Ingress',
        name: `${addon.id}-ui`,
        namespace,
        service: addon.ui.service,
        port: addon.ui.port,
        extraPaths: addon.ui.extraPaths ?? [],
      },
    ];
  });
  return { via, gateway, routes };
}

/** A Gateway API object readiness expects for an add-on. @public */
export interface ExpectedGatewayApiObject {
  addonId: string;
  kind: 'Gateway' | 'HTTPRoute';
  namespace: string;
  name: string;
}

/**
 * The Gateway API objects kpaas generates for this routing (none unless `via` is gateway-api):
 * the Gateway belongs to the implementation add-on, each HTTPRoute to its UI's add-on.
 * @public
 */
export function expectedGatewayApiObjects(
  routing: PlatformRouting,
): ExpectedGatewayApiObject[] {
  if (!routing.gateway) return [];
  return [
    {
      addonId: routing.gateway.addonId,
      kind: 'Gateway',
      namespace: routing.gateway.namespace,
      name: routing.gateway.name,
    },
    ...routing.routes
      .filter(r => r.kind === 'HTTPRoute')
      .map(r => ({
        addonId: r.addonId,
        kind: 'HTTPRoute' as const,
        namespace: r.namespace,
        name: r.name,
      })),
  ];
}

/** "retired upstream <date>" text of a retired add-on, for forms and pages. @public */
export function describeRetirement(retired: AddonRetirement): string {
  return `retired upstream (announced ${retired.announced}${
    retired.maintenanceEnded
      ? `, maintenance ended ${retired.maintenanceEnded}`
      : ''
  })`;
}
