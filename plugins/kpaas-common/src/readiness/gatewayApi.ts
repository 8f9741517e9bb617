import type { ExpectedGatewayApiObject } from '../addons/routes';

/*
 * Readiness of Gateway API objects by the Gateway API's own conditions: a Gateway is ready when
 * its `Programmed` condition is True for its current generation; an HTTPRoute when every parent
 * (Gateway) reports `Accepted` and `ResolvedRefs` True. Pure functions, so kpaas:addons and the
 * cluster page judge the same way.
 */

/** A status condition as the Gateway API reports it. @public */
export interface GatewayApiCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** A Gateway or HTTPRoute, reduced to what readiness needs. @public */
export interface GatewayApiObservation {
  kind: 'Gateway' | 'HTTPRoute';
  namespace: string;
  name: string;
  generation?: number;
  /** Gateway: status.conditions */
  conditions: GatewayApiCondition[];
  /** HTTPRoute: status.parents (one entry per Gateway that considered it) */
  parents: Array<{
    parentRef: { name: string; namespace?: string };
    conditions: GatewayApiCondition[];
  }>;
  /** Gateway: status.addresses values */
  addresses: string[];
}

/** The verdict on one expected object. @public */
export interface GatewayApiObjectReadiness {
  kind: 'Gateway' | 'HTTPRoute';
  namespace: string;
  name: string;
  ready: boolean;
  /** Why not (names the condition, its reason and message) */
  reason?: string;
  /** Gateway: its addresses */
  addresses?: string[];
}

function conditionsOf(value: unknown): GatewayApiCondition[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (c): c is Record<string, unknown> =>
        typeof c === 'object' && c !== null && typeof c.type === 'string',
    )
    .map(c => ({
      type: String(c.type),
      status: String(c.status ?? 'Unknown'),
      reason: typeof c.reason === 'string' ? c.reason : undefined,
      message: typeof c.message === 'string' ? c.message : undefined,
      observedGeneration:
        typeof c.observedGeneration === 'number'
          ? c.observedGeneration
          : undefined,
    }));
}

/**
 * Reduces a Gateway or HTTPRoute (plain JSON as the API returns it) to a
 * {@link GatewayApiObservation}.
 * @public
 */
export function observeGatewayApiObject(
  kind: 'Gateway' | 'HTTPRoute',
  object: {
    metadata?: { name?: string; namespace?: string; generation?: number };
    status?: Record<string, any>;
  },
): GatewayApiObservation {
  const status = object.status ?? {};
  return {
    kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    generation:
      typeof object.metadata?.generation === 'number'
        ? object.metadata.generation
        : undefined,
    conditions: conditionsOf(status.conditions),
    parents: Array.isArray(status.parents)
      ? status.parents.map((p: any) => ({
          parentRef: {
            name: String(p?.parentRef?.name ?? ''),
            namespace:
              typeof p?.parentRef?.namespace === 'string'
                ? p.parentRef.namespace
                : undefined,
          },
          conditions: conditionsOf(p?.conditions),
        }))
      : [],
    addresses: Array.isArray(status.addresses)
      ? status.addresses
          .map((a: any) => a?.value)
          .filter((v: unknown): v is string => typeof v === 'string')
      : [],
  };
}

function describe(c: GatewayApiCondition | undefined, type: string): string {
  if (!c) return `no ${type} condition yet`;
  const detail = [c.reason, c.message].filter(Boolean).join(': ');
  return `${type} is ${c.status}${detail ? ` (${detail})` : ''}`;
}

/** True when condition `type` is True and not older than the object's generation. */
function holds(
  conditions: GatewayApiCondition[],
  type: string,
  generation: number | undefined,
): { ok: boolean; condition?: GatewayApiCondition } {
  const condition = conditions.find(c => c.type === type);
  const current =
    generation === undefined ||
    condition?.observedGeneration === undefined ||
    condition.observedGeneration >= generation;
  return { ok: condition?.status === 'True' && current, condition };
}

/**
 * Judges one expected Gateway or HTTPRoute against what the cluster reports (`undefined`: not
 * found). Reasons name the object, the condition and the controller's reason and message, e.g.
 * `Gateway envoy-gateway-system/kpaas: Programmed is False (AddressNotAssigned: …)`.
 * @public
 */
export function evaluateGatewayApiObject(
  expected: Pick<ExpectedGatewayApiObject, 'kind' | 'namespace' | 'name'>,
  observed: GatewayApiObservation | undefined,
): GatewayApiObjectReadiness {
  const id = `${expected.kind} ${expected.namespace}/${expected.name}`;
  const base = {
    kind: expected.kind,
    namespace: expected.namespace,
    name: expected.name,
  };
  if (!observed) {
    return { ...base, ready: false, reason: `${id} not found` };
  }
  if (expected.kind === 'Gateway') {
    const programmed = holds(
      observed.conditions,
      'Programmed',
      observed.generation,
    );
    return programmed.ok
      ? { ...base, ready: true, addresses: observed.addresses }
      : {
          ...base,
          ready: false,
          addresses: observed.addresses,
          reason: `${id}: ${
            programmed.condition?.status === 'True'
              ? 'Programmed is for an older generation'
              : describe(programmed.condition, 'Programmed')
          }`,
        };
  }
  if (observed.parents.length === 0) {
    return {
      ...base,
      ready: false,
      reason: `${id}: no Gateway has accepted it yet (no parent status)`,
    };
  }
  for (const parent of observed.parents) {
    for (const type of ['Accepted', 'ResolvedRefs']) {
      const check = holds(parent.conditions, type, observed.generation);
      if (!check.ok) {
        const gateway = `${parent.parentRef.namespace ?? expected.namespace}/${
          parent.parentRef.name
        }`;
        return {
          ...base,
          ready: false,
          reason: `${id} on Gateway ${gateway}: ${
            check.condition?.status === 'True'
              ? `${type} is for an older generation`
              : describe(check.condition, type)
          }`,
        };
      }
    }
  }
  return { ...base, ready: true };
}

/** Finds the observation of an expected object. @public */
export function findGatewayApiObservation(
  expected: Pick<ExpectedGatewayApiObject, 'kind' | 'namespace' | 'name'>,
  observed: readonly GatewayApiObservation[],
): GatewayApiObservation | undefined {
  return observed.find(
    o =>
      o.kind === expected.kind &&
      o.namespace === expected.namespace &&
      o.name === expected.name,
  );
}
