import type { ExpectedGatewayApiObject } from '../addons/routes';
import type { AddonDefinition, AddonRetirement } from '../addons/schema';
import type { AddonState } from '../api';
import {
  evaluateGatewayApiObject,
  findGatewayApiObservation,
  GatewayApiObjectReadiness,
  GatewayApiObservation,
} from './gatewayApi';

/*
 * Add-on readiness as a pure function of what the cluster reports, so the status API
 * (kpaas-backend) and the `kpaas:addons` verify step judge an add-on the same way. Callers
 * fetch the workloads (Deployments, StatefulSets, DaemonSets; never Secrets) and pass them in.
 */

/** Label Helm charts put on what a release installed. @public */
export const HELM_INSTANCE_LABEL = 'app.kubernetes.io/instance';
/** `<chart>-<version>` label of Helm charts. @public */
export const HELM_CHART_LABEL = 'helm.sh/chart';

/** The workload kinds an add-on's readiness is judged on. @public */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** What a Deployment, StatefulSet or DaemonSet reports, reduced to what readiness needs. @public */
export interface WorkloadObservation {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Desired replicas (DaemonSet: desiredNumberScheduled). */
  desired: number;
  /** Ready replicas (DaemonSet: numberReady). */
  ready: number;
  /** Replicas on the newest template (DaemonSet: updatedNumberScheduled); undefined when unknown. */
  updated?: number;
  generation?: number;
  observedGeneration?: number;
}

/** What else the cluster reports, besides workloads. @public */
export interface ReadinessObservations {
  /**
   * Names (`<plural>.<group>`) of the CRDs whose `Established` condition is True. When absent,
   * the add-ons' `requiresCrds` are not judged (callers that did not look).
   */
  establishedCrds?: ReadonlySet<string>;
  /**
   * The Gateway API objects the cluster's routing expects (expectedGatewayApiObjects) and the
   * Gateways/HTTPRoutes found. An add-on is Degraded while one of its objects is missing, its
   * Gateway is not Programmed or its HTTPRoute not Accepted with ResolvedRefs. When absent,
   * routes are not judged.
   */
  gatewayApi?: {
    expected: readonly ExpectedGatewayApiObject[];
    observed: readonly GatewayApiObservation[];
  };
}

/**
 * True for an add-on that installs CRDs (and RBAC) but runs nothing, such as istio-base: no
 * readiness checks, and `requiresCrds` naming the CRDs it installs. Its readiness is those CRDs
 * being Established, so installers wait for them after the install, not before it.
 * @public
 */
export function isCrdsOnlyAddon(addon: AddonDefinition): boolean {
  return addon.readiness.length === 0 && (addon.requiresCrds ?? []).length > 0;
}

/** Result of {@link evaluateAddonReadiness}. @public */
export interface AddonReadiness {
  id: string;
  title: string;
  namespace: string;
  declaredVersion?: string;
  runningVersion?: string;
  workloads: { ready: number; total: number };
  state: AddonState;
  reason?: string;
  /** Its Gateway API objects (the Gateway of an implementation, a UI's HTTPRoute), judged */
  routes?: GatewayApiObjectReadiness[];
  /** Set when upstream retired the project (catalog `retired`) */
  retired?: AddonRetirement;
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}

/**
 * Reduces a Deployment, StatefulSet or DaemonSet (plain JSON as the Kubernetes API returns
 * it, or a @kubernetes/client-node object) to a {@link WorkloadObservation}.
 * @public
 */
export function observeWorkload(
  kind: WorkloadKind,
  object: {
    metadata?: {
      name?: string;
      namespace?: string;
      labels?: Record<string, string>;
      generation?: number;
    };
    spec?: { replicas?: number };
    status?: Record<string, unknown>;
  },
): WorkloadObservation {
  const status = object.status ?? {};
  const base = {
    kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    labels: object.metadata?.labels ?? {},
    generation: asNumber(object.metadata?.generation),
    observedGeneration: asNumber(status.observedGeneration),
  };
  if (kind === 'DaemonSet') {
    return {
      ...base,
      desired: asNumber(status.desiredNumberScheduled) ?? 0,
      ready: asNumber(status.numberReady) ?? 0,
      updated: asNumber(status.updatedNumberScheduled),
    };
  }
  return {
    ...base,
    // a Deployment without spec.replicas defaults to one replica
    desired: asNumber(object.spec?.replicas) ?? 1,
    ready: asNumber(status.readyReplicas) ?? 0,
    updated: asNumber(status.updatedReplicas),
  };
}

/** Parses a label selector of the equality form `a=b,c=d` (the catalog's readiness selectors). */
function matchesSelector(labels: Record<string, string>, selector: string) {
  return selector
    .split(',')
    .map(part => part.trim())
    .filter(Boolean)
    .every(part => {
      const neq = part.split('!=');
      if (neq.length === 2) return labels[neq[0].trim()] !== neq[1].trim();
      const [key, value] = part.split(/==?/);
      if (value === undefined) return key.trim() in labels;
      return labels[key.trim()] === value.trim();
    });
}

/** The chart version in a `helm.sh/chart` label, when the label is `<chart>-<version>`. */
export function chartVersionFromLabel(
  label: string | undefined,
  chart: string,
): string | undefined {
  if (!label || !label.startsWith(`${chart}-`)) return undefined;
  const version = label.slice(chart.length + 1);
  return /^v?\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

function isProgressing(w: WorkloadObservation): boolean {
  if (
    w.generation !== undefined &&
    w.observedGeneration !== undefined &&
    w.observedGeneration < w.generation
  ) {
    return true;
  }
  return w.updated !== undefined && w.updated < w.desired;
}

/**
 * Judges one add-on from the workloads (and CRDs) found in the cluster:
 *
 * - the add-on's workloads are those of its Helm release (label
 *   `app.kubernetes.io/instance=<releaseName>` in the release namespace) plus those its catalog
 *   `readiness` checks name (by name or label selector);
 * - `Missing` when none exists or a readiness check finds nothing, `Progressing` while a rollout
 *   is under way, `Degraded` when replicas are not ready or the running chart version differs
 *   from the declared one, else `Healthy`;
 * - when `observations.establishedCrds` is given, an add-on's `requiresCrds` must all be
 *   Established: `Degraded` (`Missing` when none is) with a reason naming the others. A
 *   CRDs-only add-on ({@link isCrdsOnlyAddon}: no readiness checks, runs nothing) is judged on
 *   its CRDs alone when it has no workloads: `Healthy` once all are Established;
 * - when `observations.gatewayApi` is given, the add-on's expected Gateway API objects (its
 *   Gateway must be `Programmed`, its HTTPRoute `Accepted` with `ResolvedRefs`) are judged into
 *   `routes`, and a failing one makes a healthy add-on `Degraded` with the named condition;
 * - a retired add-on (catalog `retired`) carries `retired`.
 *
 * Pass every workload observed in the add-on's namespace(s); others are ignored. Without
 * `observations` the result is the workload judgement only.
 * @public
 */
export function evaluateAddonReadiness(
  addon: AddonDefinition,
  observed: readonly WorkloadObservation[],
  observations: ReadinessObservations = {},
): AddonReadiness {
  const judged = withRoutes(
    evaluateWorkloadsAndCrds(addon, observed, observations),
    addon,
    observations,
  );
  return addon.retired ? { ...judged, retired: addon.retired } : judged;
}

/** Adds the verdicts on the add-on's Gateway API objects (see ReadinessObservations.gatewayApi). */
function withRoutes(
  result: AddonReadiness,
  addon: AddonDefinition,
  { gatewayApi }: ReadinessObservations,
): AddonReadiness {
  const mine = (gatewayApi?.expected ?? []).filter(e => e.addonId === addon.id);
  if (!gatewayApi || mine.length === 0) return result;
  const routes = mine.map(e =>
    evaluateGatewayApiObject(
      e,
      findGatewayApiObservation(e, gatewayApi.observed),
    ),
  );
  const failing = routes.flatMap(r => (r.ready ? [] : [r.reason as string]));
  if (failing.length === 0) return { ...result, routes };
  if (result.state === 'Healthy') {
    return {
      ...result,
      routes,
      state: 'Degraded',
      reason: failing.join('; '),
    };
  }
  return {
    ...result,
    routes,
    reason: [result.reason, ...failing].filter(Boolean).join('; '),
  };
}

function evaluateWorkloadsAndCrds(
  addon: AddonDefinition,
  observed: readonly WorkloadObservation[],
  observations: ReadinessObservations,
): AddonReadiness {
  const byWorkloads = evaluateWorkloads(addon, observed);
  const { establishedCrds } = observations;
  const required = addon.requiresCrds ?? [];
  if (!establishedCrds || required.length === 0) return byWorkloads;

  const missing = required.filter(name => !establishedCrds.has(name));
  const crdState = missing.length === required.length ? 'Missing' : 'Degraded';
  const notEstablished = `CRDs not established (${missing.length}/${
    required.length
  }): ${missing.join(', ')}`;

  if (isCrdsOnlyAddon(addon) && byWorkloads.workloads.total === 0) {
    // Nothing to run by design (istio-base): the CRDs are the add-on.
    const rest = { ...byWorkloads };
    delete rest.reason;
    return missing.length === 0
      ? {
          ...rest,
          state: 'Healthy',
          reason: `CRDs only: all ${required.length} established`,
        }
      : {
          ...rest,
          state: crdState,
          reason: `CRDs only; ${notEstablished}`,
        };
  }
  if (missing.length === 0) return byWorkloads;
  if (byWorkloads.state === 'Missing') {
    return {
      ...byWorkloads,
      reason: `${byWorkloads.reason}; ${notEstablished}`,
    };
  }
  // the workloads may be fine, but an add-on whose API types are gone does not work
  return {
    ...byWorkloads,
    state: 'Degraded',
    reason: byWorkloads.reason
      ? `${notEstablished}; ${byWorkloads.reason}`
      : notEstablished,
  };
}

/** The workload-based judgement, before the CRDs are taken into account. */
function evaluateWorkloads(
  addon: AddonDefinition,
  observed: readonly WorkloadObservation[],
): AddonReadiness {
  const namespace =
    addon.type === 'helm'
      ? addon.helm.namespace
      : addon.script.namespace ?? 'default';
  const declaredVersion =
    addon.type === 'helm' ? addon.helm.version : undefined;
  const key = (w: WorkloadObservation) => `${w.kind}/${w.namespace}/${w.name}`;
  const selected = new Map<string, WorkloadObservation>();

  if (addon.type === 'helm') {
    for (const w of observed) {
      if (
        w.namespace === namespace &&
        w.labels[HELM_INSTANCE_LABEL] === addon.helm.releaseName
      ) {
        selected.set(key(w), w);
      }
    }
  }
  const missingChecks: string[] = [];
  for (const check of addon.readiness) {
    const ns = check.namespace ?? namespace;
    const matches = observed.filter(
      w =>
        w.kind === check.kind &&
        w.namespace === ns &&
        (check.name !== undefined
          ? w.name === check.name
          : matchesSelector(w.labels, check.labelSelector ?? '')),
    );
    if (matches.length === 0) {
      missingChecks.push(
        `${check.kind} ${
          check.name ?? `with labels ${check.labelSelector}`
        } in ${ns}`,
      );
    }
    for (const w of matches) selected.set(key(w), w);
  }

  const workloads = [...selected.values()];
  const readyCount = workloads.filter(
    w => w.ready >= w.desired && w.desired >= 0,
  ).length;
  const runningVersions = new Set<string>();
  if (addon.type === 'helm') {
    for (const w of workloads) {
      const v = chartVersionFromLabel(
        w.labels[HELM_CHART_LABEL],
        addon.helm.chart,
      );
      if (v) runningVersions.add(v);
    }
  }
  const runningVersion =
    runningVersions.size > 0
      ? [...runningVersions].sort().join(', ')
      : undefined;
  const result = {
    id: addon.id,
    title: addon.title,
    namespace,
    declaredVersion,
    runningVersion,
    workloads: { ready: readyCount, total: workloads.length },
  };

  if (workloads.length === 0) {
    return {
      ...result,
      state: 'Missing',
      reason:
        addon.type === 'helm'
          ? `no Deployment, StatefulSet or DaemonSet of release "${addon.helm.releaseName}" in namespace ${namespace}`
          : `no workload found for the readiness checks in namespace ${namespace}`,
    };
  }
  if (missingChecks.length > 0) {
    return {
      ...result,
      state: 'Missing',
      reason: `not found: ${missingChecks.join('; ')}`,
    };
  }
  const notReady = workloads.filter(w => w.ready < w.desired);
  const rollingOut = workloads.filter(isProgressing);
  if (rollingOut.length > 0) {
    return {
      ...result,
      state: 'Progressing',
      reason: `rolling out: ${rollingOut
        .map(w => `${w.kind} ${w.name} ${w.updated ?? 0}/${w.desired} updated`)
        .join('; ')}`,
    };
  }
  if (notReady.length > 0) {
    return {
      ...result,
      state: 'Degraded',
      reason: `not ready: ${notReady
        .map(w => `${w.kind} ${w.name} ${w.ready}/${w.desired}`)
        .join('; ')}`,
    };
  }
  if (
    declaredVersion !== undefined &&
    runningVersion !== undefined &&
    !runningVersions.has(declaredVersion)
  ) {
    return {
      ...result,
      state: 'Degraded',
      reason: `chart ${runningVersion} is running but ${declaredVersion} is declared; run the add-ons step again to upgrade`,
    };
  }
  return { ...result, state: 'Healthy' };
}
