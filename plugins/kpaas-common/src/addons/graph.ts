import { isCrdsOnlyAddon } from '../readiness/addonReadiness';
import { GATEWAY_API_CRDS } from './gatewayApi';
import { derivePlatformRouting } from './routes';
import { AddonDefinition, WELL_KNOWN_CAPABILITIES } from './schema';

/*
 * Dependency-graph helpers shared by the catalog check and the install plan. Nodes are add-on
 * ids; an edge a → b means "a depends on b", so b installs first.
 */

/** Ordered ids, grouped into waves whose members only depend on earlier waves. @public */
export interface DependencyOrder {
  order: string[];
  waves: string[][];
}

/**
 * Finds one dependency cycle among `ids`, returned as a closed path (`a → b → a` is
 * `['a', 'b', 'a']`), or undefined when there is none. Edges to ids outside `ids` are ignored.
 * @public
 */
export function findDependencyCycle(
  ids: ReadonlyArray<string>,
  dependenciesOf: (id: string) => ReadonlyArray<string>,
): string[] | undefined {
  const known = new Set(ids);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of dependenciesOf(id)) {
      if (!known.has(dep)) continue;
      const depState = state.get(dep);
      if (depState === 'visiting') {
        return [...stack.slice(stack.indexOf(dep)), dep];
      }
      if (depState === undefined) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };

  for (const id of ids) {
    if (state.get(id) === undefined) {
      const cycle = visit(id);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

/**
 * Topological order of `ids` (dependencies first). Ties keep the order of `ids`, so the result is
 * stable for a given catalog. Each wave holds the ids whose dependencies all sit in earlier waves:
 * members of one wave can be installed in parallel.
 * @public
 */
export function orderByDependencies(
  ids: ReadonlyArray<string>,
  dependenciesOf: (id: string) => ReadonlyArray<string>,
): { ok: true; value: DependencyOrder } | { ok: false; cycle: string[] } {
  const cycle = findDependencyCycle(ids, dependenciesOf);
  if (cycle) return { ok: false, cycle };

  const known = new Set(ids);
  const waveOf = new Map<string, number>();
  const waveFor = (id: string): number => {
    const cached = waveOf.get(id);
    if (cached !== undefined) return cached;
    let wave = 0;
    for (const dep of dependenciesOf(id)) {
      if (known.has(dep)) wave = Math.max(wave, waveFor(dep) + 1);
    }
    waveOf.set(id, wave);
    return wave;
  };

  const waves: string[][] = [];
  for (const id of ids) {
    const wave = waveFor(id);
    while (waves.length <= wave) waves.push([]);
    waves[wave].push(id);
  }
  return { ok: true, value: { order: waves.flat(), waves } };
}

/**
 * What each add-on of an install set waits on, in the set's order: its catalog dependsOn plus
 * what it needs from another add-on while it installs (edges a → b, b installs first):
 *
 * - Gateway-routed cluster (derivePlatformRouting): every add-on with an HTTPRoute → the
 *   Gateway API implementation (its route is Accepted only once the Gateway is Programmed), and
 *   the implementation → the certificate-issuer provider when the Gateway serves HTTPS (it
 *   applies the listener's Certificate);
 * - Ingress-routed cluster: every add-on with a UI → the ingress-controller provider (its
 *   Ingress, or its chart's, passes the controller's admission webhook);
 * - an add-on whose requiresCrds another add-on installs (a CRDs-only add-on, or a Gateway API
 *   implementation bundling the Gateway API CRDs) → that add-on.
 *
 * The install plan's waves, its order and the change plan all come from this one graph. An edge
 * that would close a cycle is a real deadlock (each would wait for the other); orderByDependencies
 * reports it.
 * @public
 */
export function installDependencies(
  installed: ReadonlyArray<AddonDefinition>,
): Map<string, string[]> {
  const ids = new Set(installed.map(a => a.id));
  // hosts do not matter here, only which add-ons get which kind of route
  const routing = derivePlatformRouting(installed, 'kpaas.invalid');
  const provider = (capability: string) =>
    installed.find(a => a.provides.includes(capability))?.id;
  const ingressController = provider(WELL_KNOWN_CAPABILITIES.ingressController);
  const issuer = provider(WELL_KNOWN_CAPABILITIES.certificateIssuer);
  const crdSource = (crd: string, self: string) =>
    installed.find(
      a =>
        a.id !== self &&
        ((isCrdsOnlyAddon(a) && (a.requiresCrds ?? []).includes(crd)) ||
          (a.gatewayApi?.crds.bundled === true &&
            (GATEWAY_API_CRDS as readonly string[]).includes(crd))),
    )?.id;

  const out = new Map<string, string[]>();
  for (const addon of installed) {
    const deps = addon.dependsOn.filter(d => ids.has(d));
    const route = routing.routes.find(r => r.addonId === addon.id);
    if (route?.kind === 'HTTPRoute' && routing.gateway) {
      deps.push(routing.gateway.addonId);
    } else if (route?.kind === 'Ingress' && routing.via === 'ingress') {
      if (ingressController) deps.push(ingressController);
    }
    if (
      routing.gateway?.addonId === addon.id &&
      routing.gateway.tls &&
      issuer
    ) {
      deps.push(issuer);
    }
    if (!isCrdsOnlyAddon(addon)) {
      for (const crd of addon.requiresCrds ?? []) {
        const source = crdSource(crd, addon.id);
        if (source) deps.push(source);
      }
    }
    out.set(addon.id, [...new Set(deps.filter(d => d !== addon.id))]);
  }
  return out;
}
