/*
 * The pods/eviction subresource (policy/v1 Eviction), the way kube-apiserver answers it: the
 * pod's PodDisruptionBudget decides. The stand-in has no disruption controller, so a budget's
 * allowed disruptions are computed at the request from its spec and the healthy pods it selects
 * (what the controller would have written into its status): minAvailable or maxUnavailable, as
 * a number or a percentage of the selected pods. A pod that already finished is evicted freely;
 * a pod under two budgets is refused (500), as kube-apiserver does.
 */
import { ResourceRegistry } from './resources';
import { KubeApiError, failureStatus, notFound } from './status';
import { KubeStore } from './store';
import { KubeObject } from './types';

interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
}

/** Whether a metav1.LabelSelector (matchLabels and matchExpressions) selects `labels`. */
export function selectorMatches(
  selector: LabelSelectorObject | undefined,
  labels: Record<string, string> = {},
): boolean {
  // an empty selector of a policy/v1 budget selects every pod of the namespace
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key])))
      return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key]))
      return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function isFinished(pod: KubeObject): boolean {
  const phase = (pod as any).status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function isHealthy(pod: KubeObject): boolean {
  const status = (pod as any).status ?? {};
  if (status.phase !== 'Running') return false;
  const ready = (status.conditions ?? []).find((c: any) => c.type === 'Ready');
  return !ready || ready.status === 'True';
}

/** int or "N%" of `total` (minAvailable rounds up, maxUnavailable too, as the controller does). */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/** What the disruption controller would compute for a budget now. */
export function budgetStatus(
  pdb: KubeObject,
  pods: KubeObject[],
): {
  expected: number;
  healthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
} {
  const spec = (pdb as any).spec ?? {};
  const selected = pods.filter(
    p =>
      !isFinished(p) &&
      !p.metadata?.deletionTimestamp &&
      selectorMatches(spec.selector, p.metadata?.labels),
  );
  const expected = selected.length;
  const healthy = selected.filter(isHealthy).length;
  let desiredHealthy = 0;
  if (spec.minAvailable !== undefined) {
    desiredHealthy = scaled(spec.minAvailable, expected);
  } else if (spec.maxUnavailable !== undefined) {
    desiredHealthy = Math.max(
      0,
      expected - scaled(spec.maxUnavailable, expected),
    );
  }
  return {
    expected,
    healthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, healthy - desiredHealthy),
  };
}

/**
 * POST pods/{name}/eviction: deletes the pod when its budget allows a disruption, else answers
 * 429 TooManyRequests with the budget named in the causes (kube-apiserver's words).
 */
export function evictPod(
  registry: ResourceRegistry,
  store: KubeStore,
  namespace: string,
  name: string,
): { kind: 'Status'; apiVersion: 'v1'; status: 'Success'; code: 201 } {
  const podDef = registry.find('', 'v1', 'pods')!;
  const pdbDef = registry.find('policy', 'v1', 'poddisruptionbudgets')!;
  const pod = store.getIn(podDef, namespace, name);
  if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
  if (!isFinished(pod)) {
    const budgets = store
      .listIn(pdbDef, { namespace })
      .items.filter(b =>
        selectorMatches((b as any).spec?.selector, pod.metadata?.labels),
      );
    if (budgets.length > 1) {
      throw new KubeApiError(
        failureStatus(
          500,
          'InternalError',
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        ),
      );
    }
    if (budgets.length === 1) {
      const pods = store.listIn(podDef, { namespace }).items;
      const s = budgetStatus(budgets[0], pods);
      if (s.disruptionsAllowed <= 0) {
        throw new KubeApiError(
          failureStatus(
            429,
            'TooManyRequests',
            "Cannot evict pod as it would violate the pod's disruption budget.",
            {
              causes: [
                {
                  reason: 'DisruptionBudget',
                  message: `The disruption budget ${budgets[0].metadata?.name} needs ${s.desiredHealthy} healthy pods and has ${s.healthy} currently`,
                },
              ],
            } as any,
          ),
        );
      }
    }
  }
  store.deleteIn(podDef, namespace, name);
  return { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 };
}
