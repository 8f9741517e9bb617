import { stringify } from 'yaml';
import { orderByDependencies } from '../addons/graph';
import { unifiedDiff } from './unifiedDiff';

/*
 * What an add-on change means, as one pure function of "what is there" and "what cluster.yaml
 * wants": install the new ones (dependencies first), upgrade those whose pinned chart version or
 * values changed (with the values diff), uninstall the ones no longer wanted (dependants first).
 * The change plan (before/after cluster.yaml) and kpaas:addons (the cluster's Helm releases
 * against the plan) both call it, so the pull request shows what the apply will do.
 */

/** One add-on as installed or as wanted. @public */
export interface AddonReleaseState {
  id: string;
  /** Chart name (Helm add-ons) */
  chart?: string;
  /** Pinned chart version (or a script add-on's tag) */
  version: string;
  /**
   * The values given to Helm (merged user values, what `helm get values` prints). Undefined:
   * not compared (a script add-on, or values that could not be read).
   */
  values?: Record<string, unknown>;
}

/** An add-on whose chart version or values change. @public */
export interface AddonUpgrade {
  id: string;
  chart?: string;
  from: string;
  to: string;
  /** Unified diff of the values (`--- a/<id> values`), empty when only the version moves */
  valuesDiff: string;
}

/** @public */
export interface AddonChanges {
  /** Wanted and not there, in the wanted (install) order */
  install: string[];
  /** There and wanted, with another chart version or other values */
  upgrade: AddonUpgrade[];
  /** There and no longer wanted, dependants first (reverse dependency order) */
  uninstall: string[];
  /** There and unchanged */
  current: string[];
}

/** A removal that another add-on that stays depends on. @public */
export interface AddonRemovalProblem {
  id: string;
  dependents: string[];
  message: string;
}

/** Values as YAML with sorted keys, so key order never shows as a change. */
function canonicalYaml(values: Record<string, unknown> | undefined): string {
  return values && Object.keys(values).length > 0
    ? stringify(values, { sortMapEntries: true, lineWidth: 0 })
    : '';
}

/** The unified diff of an add-on's values (empty when equal). @public */
export function addonValuesDiff(
  id: string,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string {
  return unifiedDiff(canonicalYaml(before), canonicalYaml(after), {
    file: `${id} values`,
  });
}

/**
 * Compares `installed` with `desired` (in install order). `dependenciesOf` is the catalog's
 * dependsOn, used to order the uninstalls (an add-on after everything that depends on it).
 * Values are compared only when both sides carry them.
 * @public
 */
export function planAddonChanges(
  installed: ReadonlyArray<AddonReleaseState>,
  desired: ReadonlyArray<AddonReleaseState>,
  dependenciesOf: (id: string) => ReadonlyArray<string>,
): AddonChanges {
  const there = new Map(installed.map(s => [s.id, s]));
  const wanted = new Set(desired.map(s => s.id));
  const changes: AddonChanges = {
    install: [],
    upgrade: [],
    uninstall: [],
    current: [],
  };
  for (const want of desired) {
    const have = there.get(want.id);
    if (!have) {
      changes.install.push(want.id);
      continue;
    }
    const valuesDiff =
      have.values !== undefined && want.values !== undefined
        ? addonValuesDiff(want.id, have.values, want.values)
        : '';
    if (have.version !== want.version || valuesDiff !== '') {
      changes.upgrade.push({
        id: want.id,
        chart: want.chart,
        from: have.version,
        to: want.version,
        valuesDiff,
      });
    } else {
      changes.current.push(want.id);
    }
  }
  const removed = installed.map(s => s.id).filter(id => !wanted.has(id));
  const ordered = orderByDependencies(removed, dependenciesOf);
  changes.uninstall = ordered.ok ? [...ordered.value.order].reverse() : removed;
  return changes;
}

/**
 * The removals another add-on that stays depends on, each naming both and the two ways out.
 * @public
 */
export function addonRemovalProblems(
  removing: ReadonlyArray<string>,
  staying: ReadonlyArray<string>,
  dependenciesOf: (id: string) => ReadonlyArray<string>,
): AddonRemovalProblem[] {
  return removing.flatMap(id => {
    const dependents = staying.filter(
      other => other !== id && dependenciesOf(other).includes(id),
    );
    if (dependents.length === 0) return [];
    return [
      {
        id,
        dependents,
        message: `"${id}" cannot be removed: ${dependents
          .map(d => `"${d}"`)
          .join(', ')} ${
          dependents.length === 1 ? 'depends' : 'depend'
        } on it; remove ${dependents.join(', ')} as well, or keep "${id}"`,
      },
    ];
  });
}

/** Markdown lines of the upgrades: chart version change and the values diff. @public */
export function formatAddonUpgrades(
  upgrades: ReadonlyArray<AddonUpgrade>,
): string[] {
  return upgrades.flatMap(u => [
    `- \`${u.id}\`${u.chart ? ` (chart \`${u.chart}\`)` : ''}: ${
      u.from === u.to ? `${u.to}, values change` : `${u.from} → ${u.to}`
    } (\`helm upgrade --atomic\`)`,
    ...(u.valuesDiff
      ? ['', '  ```diff', ...u.valuesDiff.trimEnd().split('\n').map(l => `  ${l}`), '  ```']
      : []),
  ]);
}
