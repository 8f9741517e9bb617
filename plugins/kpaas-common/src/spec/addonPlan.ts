import { catalogIndex } from '../addons/catalog';
import { installDependencies, orderByDependencies } from '../addons/graph';
import { derivePlatformRouting, PlatformRouting } from '../addons/routes';
import { AddonCatalog, AddonCategory, AddonDefinition } from '../addons/schema';
import { SpecValidationError } from './errors';
import { ClusterAddonRef, ClusterSpec } from './schema';

/** One add-on of the install plan. @public */
export interface PlannedAddon {
  id: string;
  /** Install wave (0 first); add-ons of one wave only depend on earlier waves */
  wave: number;
  /**
   * What it waits on in the install set (installDependencies): its catalog dependsOn and the
   * add-ons serving its route or its required CRDs
   */
  dependsOn: string[];
  /** True when listed in spec.addons, false when pulled in as a dependency */
  requested: boolean;
  /** Helm value overrides from spec.addons */
  values?: Record<string, unknown>;
  definition: AddonDefinition;
}

/** @public */
export interface AddonInstallPlan {
  /** Ids, dependencies first */
  order: string[];
  waves: string[][];
  /** Ids added by the dependency closure (not listed in spec.addons) */
  implied: string[];
  addons: PlannedAddon[];
}

/** @public */
export type AddonInstallSetResult =
  | { ok: true; plan: AddonInstallPlan }
  | { ok: false; errors: SpecValidationError[] };

/**
 * The add-ons to install: spec.addons plus everything they depend on (transitively), in
 * dependency order and grouped into waves. Ties follow catalog order, so the plan is stable.
 * Fails on ids the catalog does not know and on dependency cycles.
 *
 * Validation (`parseClusterSpec` with a catalog) already insists that dependencies are listed
 * explicitly; the closure here keeps the plan correct for callers that skip validation or a
 * catalog that gained a dependency after the spec was written.
 * @public
 */
export function resolveAddonInstallSet(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): AddonInstallSetResult {
  return resolveAddonRefs(spec.spec.addons, catalog);
}

/**
 * {@link resolveAddonInstallSet} for a list of add-on references (`spec.addons` before a whole
 * spec exists, e.g. the order form's choice); error paths are `spec.addons[i].id`.
 * @public
 */
export function resolveAddonRefs(
  refs: ReadonlyArray<ClusterAddonRef>,
  catalog: AddonCatalog,
): AddonInstallSetResult {
  const byId = catalogIndex(catalog);
  const errors: SpecValidationError[] = [];
  const requested = new Map<string, Record<string, unknown> | undefined>();

  refs.forEach((ref, i) => {
    if (!byId.has(ref.id)) {
      errors.push({
        path: `spec.addons[${i}].id`,
        message: `"${ref.id}" is not in the add-on catalog; use one of ${[
          ...byId.keys(),
        ].join(', ')}`,
      });
    } else {
      requested.set(ref.id, ref.values);
    }
  });

  // Dependency closure, breadth first from the requested ids.
  const selected = new Set(requested.keys());
  const queue = [...selected];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dep)) {
        errors.push({
          path: 'spec.addons',
          message: `catalog add-on "${id}" depends on "${dep}", which the catalog does not define; fix the catalog`,
        });
      } else if (!selected.has(dep)) {
        selected.add(dep);
        queue.push(dep);
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const ids = catalog.addons.map(a => a.id).filter(id => selected.has(id));
  const waitsOn = installDependencies(
    ids.map(id => byId.get(id) as AddonDefinition),
  );
  const ordered = orderByDependencies(ids, id => waitsOn.get(id) ?? []);
  if (!ordered.ok) {
    return {
      ok: false,
      errors: [
        {
          path: 'spec.addons',
          message: `the catalog has the dependency cycle ${ordered.cycle.join(
            ' → ',
          )} (dependsOn, or an add-on waiting for the Gateway, ingress controller, certificate issuer or CRDs another one provides); the add-ons cannot be ordered until the catalog is fixed`,
        },
      ],
    };
  }

  const { order, waves } = ordered.value;
  const waveOf = new Map<string, number>();
  waves.forEach((wave, w) => wave.forEach(id => waveOf.set(id, w)));
  return {
    ok: true,
    plan: {
      order,
      waves,
      implied: order.filter(id => !requested.has(id)),
      addons: order.map(id => ({
        id,
        wave: waveOf.get(id) as number,
        dependsOn: waitsOn.get(id) ?? [],
        requested: requested.has(id),
        values: requested.get(id),
        definition: byId.get(id) as AddonDefinition,
      })),
    },
  };
}

/** A link to a platform UI. @public */
export interface PlatformLink {
  title: string;
  url: string;
  addonId: string;
  icon: string;
  /** The object that routes it (derivePlatformRouting): a generated HTTPRoute or the UI's Ingress */
  route: { kind: 'HTTPRoute' | 'Ingress'; namespace: string; name: string };
}

/** Fallback icon names (Backstage system icons) when the catalog entry names none. */
const categoryIcons: Partial<Record<AddonCategory, string>> = {
  identity: 'group',
  registry: 'kind:resource',
  storage: 'kind:resource',
  database: 'kind:resource',
  gitops: 'scaffolder',
  portal: 'catalog',
  security: 'kind:resource',
};

/** The add-ons that will be installed (requested or implied), in install order. */
function installedAddons(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): AddonDefinition[] {
  const resolved = resolveAddonInstallSet(spec, catalog);
  const byId = catalogIndex(catalog);
  return resolved.ok
    ? resolved.plan.addons.map(a => a.definition)
    : spec.spec.addons.flatMap(ref => byId.get(ref.id) ?? []);
}

/**
 * How the cluster's platform UIs are routed (Gateway API or Ingress; see derivePlatformRouting)
 * for the add-ons it installs.
 * @public
 */
export function derivePlatformRoutingOfSpec(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): PlatformRouting {
  return derivePlatformRouting(
    installedAddons(spec, catalog),
    spec.spec.network.domain,
  );
}

/**
 * Links to the UIs of the installed add-ons (portal, Harbor, Keycloak, Grafana, …), following
 * their routes: `https://<hostPrefix>.<domain><path>` (`http://` behind a Gateway without
 * cert-manager), in install order. Only add-ons that will be installed (requested or implied)
 * and that declare a `ui` get a link.
 * @public
 */
export function derivePlatformLinks(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): PlatformLink[] {
  const byId = catalogIndex(catalog);
  return derivePlatformRoutingOfSpec(spec, catalog).routes.map(route => {
    const addon = byId.get(route.addonId) as AddonDefinition;
    return {
      title: route.title,
      url: route.url,
      addonId: route.addonId,
      icon: route.icon ?? categoryIcons[addon.category] ?? 'dashboard',
      route: { kind: route.kind, namespace: route.namespace, name: route.name },
    };
  });
}
