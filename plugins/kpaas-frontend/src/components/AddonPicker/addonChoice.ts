import {
  AddonCatalog,
  AddonCategory,
  AddonDefinition,
  addonCategories,
  catalogIndex,
  describeRetirement,
  resolveAddonRefs,
} from '@internal/plugin-kpaas-common';

/*
 * What the add-on picker shows for a choice of ids: the catalog grouped by category, which
 * add-ons are pulled in as dependencies (kpaas-common's resolveAddonRefs, the same closure the
 * add-ons step installs), and why an add-on cannot be added (a conflict with one already
 * chosen: the catalog's conflictsWith, or an exclusive capability both provide).
 */

/** One row of the picker. */
export interface AddonRow {
  addon: AddonDefinition;
  /** The pinned chart version, or the script's version argument. */
  version: string;
  selected: boolean;
  /** Chosen add-ons that depend on it (it cannot be removed while they are chosen). */
  neededBy: string[];
  /** Why it cannot be added, naming the chosen add-on it conflicts with. */
  blockedBy?: string;
  /** "retired upstream (…)" for retired add-ons. */
  retired?: string;
}

export interface AddonGroup {
  category: AddonCategory;
  rows: AddonRow[];
}

export function addonVersion(addon: AddonDefinition): string {
  if (addon.type === 'helm') return addon.helm.version;
  const version = (addon.script.args ?? []).find(a =>
    /^(v\d|--version=)/.test(a),
  );
  return version ? version.replace(/^--version=/, '') : 'script';
}

/** Why `a` and `b` cannot be installed together, or undefined. */
export function conflictReason(
  a: AddonDefinition,
  b: AddonDefinition,
): string | undefined {
  if (a.id === b.id) return undefined;
  if (a.conflictsWith.includes(b.id) || b.conflictsWith.includes(a.id)) {
    return `conflicts with ${b.title}`;
  }
  const shared = a.provides.filter(c => b.provides.includes(c));
  if (shared.length > 0) {
    return `${b.title} already provides ${shared.join(', ')}`;
  }
  return undefined;
}

/** The ids `chosen` plus their dependencies, in catalog order (unknown ids are dropped). */
export function withDependencies(
  catalog: AddonCatalog,
  chosen: readonly string[],
): string[] {
  const byId = catalogIndex(catalog);
  const known = chosen.filter(id => byId.has(id));
  const resolved = resolveAddonRefs(
    known.map(id => ({ id })),
    catalog,
  );
  const ids = new Set(resolved.ok ? resolved.plan.order : known);
  return catalog.addons.map(a => a.id).filter(id => ids.has(id));
}

/** Everything `id` depends on, transitively. */
function dependenciesOf(catalog: AddonCatalog, id: string): Set<string> {
  const all = new Set(withDependencies(catalog, [id]));
  all.delete(id);
  return all;
}

/** The picker's rows for the chosen ids, grouped by category in the catalog's category order. */
export function addonGroups(
  catalog: AddonCatalog,
  chosen: readonly string[],
): AddonGroup[] {
  const selected = new Set(chosen);
  const byId = catalogIndex(catalog);
  const rows = catalog.addons.map((addon): AddonRow => {
    const neededBy = [...selected].filter(
      other =>
        other !== addon.id && dependenciesOf(catalog, other).has(addon.id),
    );
    let blockedBy: string | undefined;
    if (!selected.has(addon.id)) {
      // adding it adds its dependencies too: none of them may conflict either
      const adding = [addon.id, ...dependenciesOf(catalog, addon.id)];
      for (const id of adding) {
        for (const other of selected) {
          const reason = conflictReason(byId.get(id)!, byId.get(other)!);
          if (reason) {
            blockedBy =
              id === addon.id
                ? reason
                : `needs ${byId.get(id)!.title}, which ${reason}`;
            break;
          }
        }
        if (blockedBy) break;
      }
    }
    return {
      addon,
      version: addonVersion(addon),
      selected: selected.has(addon.id),
      neededBy: neededBy.map(id => byId.get(id)?.title ?? id),
      ...(blockedBy ? { blockedBy } : {}),
      ...(addon.retired ? { retired: describeRetirement(addon.retired) } : {}),
    };
  });
  return addonCategories
    .map(category => ({
      category,
      rows: rows.filter(r => r.addon.category === category),
    }))
    .filter(group => group.rows.length > 0);
}

/** The new choice after ticking (`on`) or unticking an add-on. */
export function toggleAddon(
  catalog: AddonCatalog,
  chosen: readonly string[],
  id: string,
  on: boolean,
): string[] {
  if (on) return withDependencies(catalog, [...chosen, id]);
  return chosen.filter(x => x !== id);
}
