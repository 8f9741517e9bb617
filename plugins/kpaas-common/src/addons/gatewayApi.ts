import type { AddonDefinition } from './schema';

/*
 * Gateway API facts shared by the catalog check, spec validation, the route derivation and
 * readiness: the API group, the CRDs every implementation needs, and when two implementations
 * cannot share a cluster.
 */

/** @public */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** The served version kpaas writes (GA since Gateway API v1.0). @public */
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;

/** The Gateway API CRDs kpaas uses (GatewayClass, Gateway, HTTPRoute). @public */
export const GATEWAY_API_CRDS = [
  `gatewayclasses.${GATEWAY_API_GROUP}`,
  `gateways.${GATEWAY_API_GROUP}`,
  `httproutes.${GATEWAY_API_GROUP}`,
] as const;

/**
 * Why two Gateway API implementations cannot be installed together, or undefined when they can:
 * the Gateway API CRDs are cluster-wide, so implementations needing another CRD release or
 * channel would overwrite each other's (or break the other's controller).
 * @public
 */
export function gatewayApiCrdConflict(
  a: AddonDefinition,
  b: AddonDefinition,
): string | undefined {
  if (!a.gatewayApi || !b.gatewayApi) return undefined;
  const ca = a.gatewayApi.crds;
  const cb = b.gatewayApi.crds;
  if (ca.version === cb.version && ca.channel === cb.channel) return undefined;
  return `"${a.id}" needs Gateway API ${ca.version} (${ca.channel} channel) CRDs and "${b.id}" needs ${cb.version} (${cb.channel} channel); the CRDs are cluster-wide, so one would replace the other's`;
}

/** The catalog add-ons a cluster routes its platform UIs through, in install order. @public */
export function gatewayApiImplementations(
  addons: readonly AddonDefinition[],
): AddonDefinition[] {
  return addons.filter(a => a.gatewayApi !== undefined);
}
