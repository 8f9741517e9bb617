import * as k8s from '@kubernetes/client-node';
import type { AddonReadiness } from '@internal/plugin-kpaas-common';
import { AddonCluster } from './cluster';
import { AddonPlan } from './plan';

/** Result of {@link verifyAddons}. */
export interface AddonVerification {
  healthy: boolean;
  addons: Array<
    AddonReadiness & {
      /** LoadBalancer Services without an address (add-ons that expose one) */
      pendingLoadBalancers: string[];
    }
  >;
}

/**
 * The readiness checks of kpaas:addons as one call, for "verify" and the backend: the same
 * pure evaluation (kpaas-common's evaluateAddonReadiness) the status API uses, plus the
 * LoadBalancer address check. Reads only Deployments, StatefulSets, DaemonSets, Services and the
 * CRDs the add-ons declare in requiresCrds (a CRDs-only add-on such as istio-base is Healthy once
 * they are Established).
 */
export async function verifyAddons(
  kc: k8s.KubeConfig,
  plan: AddonPlan,
): Promise<AddonVerification> {
  const cluster = new AddonCluster(kc);
  const addons = await Promise.all(
    plan.addons.map(async addon => {
      const readiness = await cluster.readiness(addon, { routes: true });
      const pendingLoadBalancers = addon.definition.exposesLoadBalancer
        ? (await cluster.loadBalancers(addon))
            .filter(s => !s.ip)
            .map(s => s.name)
        : [];
      return { ...readiness, pendingLoadBalancers };
    }),
  );
  return {
    healthy: addons.every(
      a => a.state === 'Healthy' && a.pendingLoadBalancers.length === 0,
    ),
    addons,
  };
}
