import * as k8s from '@kubernetes/client-node';
import { WELL_KNOWN_CAPABILITIES } from '@internal/plugin-kpaas-common';
import yaml from 'yaml';
import { StepLogger } from '../ssh';
import { AddonCluster, delay } from './cluster';
import { AddonPlan, PlannedAddonInstall } from './plan';
import { AddonRunHooks } from './waves';

/*
 * Moving a cluster from an Ingress controller (ingress-nginx, retired upstream) to its Gateway
 * API implementation, as steps of the ordinary add-on change (install, then uninstall):
 *
 * 1. the Gateway implementation is installed next to the outgoing controller; its proxies do not
 *    claim the ingress address yet (MetalLB cannot give one address to two Services on the same
 *    ports), so they take a free address of the pool;
 * 2. once the Gateway is Programmed and every UI's HTTPRoute Accepted with ResolvedRefs, the
 *    platform links move to the HTTPRoutes (timeline step switch:links);
 * 3. the outgoing controller is uninstalled (the removal step), kpaas's UI Ingresses deleted;
 * 4. the Gateway's proxies take the ingress address (the manifests as planned), and the run waits
 *    until the Gateway reports it.
 */

const LB_IPS_ANNOTATION = 'metallb.io/loadBalancerIPs';

/** The Ingress controllers among the removals while the plan routes through a Gateway. */
export function outgoingIngressControllers(
  plan: AddonPlan,
  removal: AddonPlan,
): PlannedAddonInstall[] {
  if (plan.routing.via !== 'gateway-api') return [];
  return removal.addons.filter(a =>
    a.definition.provides.includes(WELL_KNOWN_CAPABILITIES.ingressController),
  );
}

/** Deletes every `metallb.io/loadBalancerIPs` annotation that asks for `address`. */
function withoutAddress(value: unknown, address: string): unknown {
  if (Array.isArray(value)) return value.map(v => withoutAddress(v, address));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === LB_IPS_ANNOTATION && v === address) continue;
    out[k] = withoutAddress(v, address);
  }
  return out;
}

/** The Gateway implementation of `plan`, if it is being installed next to an outgoing controller. */
function incoming(plan: AddonPlan): PlannedAddonInstall | undefined {
  return plan.addons.find(a => a.id === plan.routing.gateway?.addonId);
}

/** Step 1: the plan with the Gateway's proxies not asking for the ingress address. */
export function planWithoutIngressAddress(plan: AddonPlan): AddonPlan {
  const gateway = incoming(plan);
  const address = plan.ingressIp;
  if (!gateway || !address) return plan;
  const manifests = gateway.manifests.map(m => ({
    ...m,
    text: yaml.stringify(withoutAddress(yaml.parse(m.text), address)),
  }));
  return {
    ...plan,
    addons: plan.addons.map(a => (a === gateway ? { ...a, manifests } : a)),
  };
}

/** Step 2: every route ready → the links move to the HTTPRoutes. */
export async function moveLinksToRoutes(args: {
  plan: AddonPlan;
  cluster: AddonCluster;
  logger: StepLogger;
  hooks: AddonRunHooks;
  deadline: number;
}): Promise<void> {
  const { plan, cluster, logger, hooks } = args;
  const startedAt = new Date().toISOString();
  for (const addon of plan.addons.filter(a => a.gatewayApiObjects.length)) {
    await cluster.waitReady(addon, args.deadline, { routes: true });
  }
  const links = plan.routing.routes.map(
    r => `${r.url} (HTTPRoute ${r.namespace}/${r.name})`,
  );
  const summary = `Gateway ${plan.routing.gateway?.namespace}/${plan.routing.gateway?.name} Programmed, ${links.length} HTTPRoute(s) Accepted: platform links move to the HTTPRoutes`;
  logger.info(`${summary}: ${links.join(', ') || 'none'}`);
  await hooks.timeline?.({
    step: 'switch:links',
    status: 'succeeded',
    startedAt,
    finishedAt: new Date().toISOString(),
    summary,
  });
}

/**
 * Steps 3 and 4, after the outgoing controller is uninstalled, and on every later run of a
 * Gateway-routed cluster (a run that stopped half-way is finished by the next): kpaas's UI
 * Ingresses go; a Gateway not on the ingress address gets its manifests as planned again and
 * the run waits until the Gateway reports the address.
 */
export async function settleGatewayRouting(args: {
  plan: AddonPlan;
  cluster: AddonCluster;
  logger: StepLogger;
  deadline: number;
}): Promise<void> {
  const { plan, cluster, logger, deadline } = args;
  const networking = cluster.kubeConfig.makeApiClient(k8s.NetworkingV1Api);
  for (const ns of new Set(plan.addons.map(a => a.namespace))) {
    const list = await networking.listNamespacedIngress({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/managed-by=kpaas',
    });
    for (const ing of list.items) {
      await networking.deleteNamespacedIngress({
        name: ing.metadata!.name!,
        namespace: ns,
      });
      logger.info(
        `deleted Ingress ${ns}/${
          ing.metadata!.name
        } (now routed by its HTTPRoute)`,
      );
    }
  }
  const gateway = incoming(plan);
  const address = plan.ingressIp;
  const object = plan.addons
    .flatMap(a => a.gatewayApiObjects)
    .find(o => o.kind === 'Gateway');
  if (!gateway || !address || !object) return;
  const [now] = await cluster.observeGatewayApi([object]);
  if (now?.addresses.includes(address)) return;
  for (const m of gateway.manifests.filter(x => x.text.includes(address))) {
    await cluster.apply(yaml.parse(m.text), deadline);
  }
  for (;;) {
    const [observed] = await cluster.observeGatewayApi([object]);
    if (observed?.addresses.includes(address)) break;
    if (Date.now() > deadline) {
      throw new Error(
        `Gateway ${object.namespace}/${
          object.name
        } did not take the ingress address ${address} (it reports ${
          observed?.addresses.join(', ') || 'none'
        }); check that nothing else holds it in MetalLB`,
      );
    }
    await delay(250, cluster.signal);
  }
  logger.info(
    `Gateway ${object.namespace}/${object.name} serves the ingress address ${address}`,
  );
}
