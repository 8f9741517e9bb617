import {
  AddonCatalog,
  AddonChanges,
  AddonReleaseState,
  AddonRemovalProblem,
  addonRemovalProblems,
  catalogIndex,
  formatAddonUpgrades,
  orderByDependencies,
  planAddonChanges,
} from '@internal/plugin-kpaas-common';
import yaml from 'yaml';
import { AddonCluster } from './cluster';
import {
  HelmReleaseInfo,
  helmGetValues,
  helmList,
  releaseVersion,
} from './helm';
import { AddonPlan, PlanRow, PlannedAddonInstall, planRows } from './plan';
import { AddonRecord, readAddonRecord } from './record';
import { RemoteShell } from './remoteShell';
import { findSecretTokens } from './tokens';
import { deepMerge } from './valuesKeys';

/*
 * The add-on change of a run: the cluster's Helm releases (version and `helm get values`)
 * against the plan from cluster.yaml, compared by kpaas-common's planAddonChanges (the function
 * the change template's plan uses): install, upgrade (chart version or values), uninstall (no
 * longer in cluster.yaml, dependants first), and the removals refused because an add-on that
 * stays depends on them.
 */

export interface AddonChangePlan {
  changes: AddonChanges;
  /** The add-ons to uninstall as a plan of their own (catalog entries, dependency waves) */
  removal: AddonPlan;
  /** Removals refused (each names the add-on and its dependants); nothing runs when any */
  problems: AddonRemovalProblem[];
  /** The add-ons found installed (that kpaas:addons installed) */
  installed: string[];
  /** Catalog add-ons installed by other means: never uninstalled */
  foreign: string[];
  record?: AddonRecord;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The values a planned Helm add-on gives Helm: its values files merged in order. */
export function plannedValues(
  addon: PlannedAddonInstall,
): Record<string, unknown> {
  return addon.valuesFiles.reduce<Record<string, unknown>>((merged, f) => {
    const doc = yaml.parse(f.content);
    return isMap(doc) ? deepMerge(merged, doc) : merged;
  }, {});
}

/**
 * `installed` with every value the plan fills from a Secret (a `${KPAAS_SECRET…}` token in
 * `desired`) replaced by that token: a secret is neither compared nor shown in a diff, and a
 * generated one (kept in its Secret) is not a change.
 */
export function maskSecretValues(
  installed: unknown,
  desired: unknown,
): unknown {
  if (typeof desired === 'string' && findSecretTokens(desired).length > 0) {
    return installed === undefined ? installed : desired;
  }
  if (isMap(desired) && isMap(installed)) {
    const out: Record<string, unknown> = { ...installed };
    for (const key of Object.keys(desired)) {
      if (key in installed)
        out[key] = maskSecretValues(installed[key], desired[key]);
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(installed)) {
    return installed.map((v, i) =>
      i < desired.length ? maskSecretValues(v, desired[i]) : v,
    );
  }
  return installed;
}

/** The add-on's release: its own (Helm), or the one in its namespace (a script that runs Helm). */
function releaseOf(
  def: AddonCatalog['addons'][number],
  releases: HelmReleaseInfo[],
): HelmReleaseInfo | undefined {
  if (def.type === 'helm') {
    return releases.find(
      r =>
        r.name === def.helm.releaseName && r.namespace === def.helm.namespace,
    );
  }
  const ns = def.script.namespace;
  return ns ? releases.find(r => r.namespace === ns) : undefined;
}

/** The add-ons to uninstall as a plan: catalog entries in dependency waves. */
function removalPlan(
  plan: AddonPlan,
  catalog: AddonCatalog,
  ids: string[],
  versions: Map<string, string>,
): AddonPlan {
  const byId = catalogIndex(catalog);
  const deps = (id: string) =>
    (byId.get(id)?.dependsOn ?? []).filter(d => ids.includes(d));
  const ordered = orderByDependencies(ids, deps);
  const waves = ordered.ok ? ordered.value.waves : [ids];
  const addons = waves.flatMap((wave, w) =>
    wave.map((id): PlannedAddonInstall => {
      const def = byId.get(id)!;
      return {
        id,
        title: def.title,
        wave: w,
        dependsOn: deps(id),
        type: def.type,
        definition: def,
        namespace:
          def.type === 'helm'
            ? def.helm.namespace
            : def.script.namespace ?? 'default',
        release: def.type === 'helm' ? def.helm.releaseName : undefined,
        version: versions.get(id) ?? '?',
        valuesFiles: [],
        manifests: [],
        instructions: [],
        requiresCrds: [],
        gatewayApiObjects: [],
      };
    }),
  );
  return { ...plan, waves, addons };
}

/**
 * Reads what is installed and compares it with the plan. An add-on counts as installed when its
 * release exists; one kpaas:addons did not install (not in the record; before the first record,
 * not in a namespace it created) is left alone unless the plan wants it. Refused (in
 * `problems`): uninstalling an add-on another installed add-on that stays depends on.
 */
export async function readAddonChanges(args: {
  plan: AddonPlan;
  catalog: AddonCatalog;
  shell: RemoteShell;
  cluster: AddonCluster;
}): Promise<AddonChangePlan> {
  const { plan, catalog, shell } = args;
  const [releases, record] = await Promise.all([
    helmList(shell),
    readAddonRecord(args.cluster),
  ]);
  const byId = catalogIndex(catalog);
  const deps = (id: string) => byId.get(id)?.dependsOn ?? [];
  const planned = new Map(plan.addons.map(a => [a.id, a]));

  const installed: AddonReleaseState[] = [];
  const foreign: string[] = [];
  for (const def of catalog.addons) {
    const release = releaseOf(def, releases);
    if (!release) continue;
    const want = planned.get(def.id);
    // ours: in the record; before the first record, in a namespace kpaas:addons created
    const ours = record
      ? record.installed.includes(def.id)
      : await args.cluster.isNamespaceCreatedByKpaas(release.namespace);
    if (!want && !ours) {
      foreign.push(def.id);
      continue;
    }
    if (def.type === 'script') {
      installed.push({ id: def.id, version: want?.version ?? 'script' });
      continue;
    }
    installed.push({
      id: def.id,
      chart: def.helm.chart,
      // a release Helm left failed or pending is redone: shown as an upgrade from that state
      version: `${releaseVersion(release, def.helm.chart) ?? release.chart}${
        release.status === 'deployed' ? '' : ` (${release.status})`
      }`,
      values: want
        ? (maskSecretValues(
            await helmGetValues(shell, release.name, release.namespace),
            plannedValues(want),
          ) as Record<string, unknown>)
        : undefined,
    });
  }
  const desired: AddonReleaseState[] = plan.addons.map(a => ({
    id: a.id,
    chart: a.chart?.name,
    version: a.version,
    values: a.type === 'helm' ? plannedValues(a) : undefined,
  }));
  const changes = planAddonChanges(installed, desired, deps);

  // cluster.yaml lists every dependency of a listed add-on (spec rule addon-dependencies);
  // what is left: an installed add-on kpaas:addons did not install that depends on a removal
  const staying = [
    ...plan.addons.map(a => a.id),
    ...foreign,
    ...installed.map(s => s.id).filter(id => !changes.uninstall.includes(id)),
  ];
  const problems = addonRemovalProblems(
    changes.uninstall,
    [...new Set(staying)],
    deps,
  );
  const versions = new Map(installed.map(s => [s.id, s.version]));
  return {
    changes,
    removal: removalPlan(plan, catalog, changes.uninstall, versions),
    problems,
    installed: installed.map(s => s.id),
    foreign,
    record,
  };
}

/** The plan rows with what the run does to each add-on, the uninstalls last (dependants first). */
export function changeRows(
  plan: AddonPlan,
  change: AddonChangePlan,
): PlanRow[] {
  const { changes } = change;
  const upgrade = new Map(changes.upgrade.map(u => [u.id, u]));
  const action = (id: string): PlanRow['action'] => {
    if (upgrade.has(id)) return 'upgrade';
    return changes.install.includes(id) ? 'install' : 'current';
  };
  return [
    ...planRows(plan).map(r => ({
      ...r,
      action: action(r.id),
      ...(upgrade.has(r.id) ? { from: upgrade.get(r.id)!.from } : {}),
    })),
    ...planRows(change.removal)
      .reverse()
      .map(r => ({ ...r, action: 'uninstall' as const })),
  ];
}

/** The change in Markdown: what is installed, upgraded (version, values diff), uninstalled. */
export function describeAddonChanges(change: AddonChangePlan): string {
  const { changes } = change;
  const list = (ids: string[]) => ids.map(id => `\`${id}\``).join(', ');
  const out: string[] = [];
  if (changes.install.length > 0)
    out.push(`- **Install** (dependencies first): ${list(changes.install)}`);
  if (changes.upgrade.length > 0)
    out.push(
      '- **Upgrade**:',
      ...formatAddonUpgrades(changes.upgrade).map(l => `  ${l}`),
    );
  if (changes.uninstall.length > 0)
    out.push(`- **Uninstall** (dependants first): ${list(changes.uninstall)}`);
  if (changes.current.length > 0)
    out.push(`- **Unchanged**: ${list(changes.current)}`);
  if (change.foreign.length > 0)
    out.push(
      `- **Left as they are** (not installed by kpaas:addons): ${list(
        change.foreign,
      )}`,
    );
  for (const p of change.problems) out.push(`- **Refused**: ${p.message}`);
  return out.join('\n') || '- nothing to change';
}
