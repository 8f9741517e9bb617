import { catalogIndex } from '../addons/catalog';
import { orderByDependencies } from '../addons/graph';
import { AddonCatalog } from '../addons/schema';
import { kubernetesUpgradeProblem } from '../operations/versionPolicy';
import { resolveAddonRefs } from '../spec/addonPlan';
import { deriveInventory } from '../spec/derive';
import { SpecValidationError } from '../spec/errors';
import { ClusterSpec } from '../spec/schema';
import { parseClusterSpec } from '../spec/validate';
import { supportedKubernetesVersions } from '../spec/versions';
import {
  AddonReleaseState,
  AddonUpgrade,
  addonRemovalProblems,
  planAddonChanges,
} from './addonChanges';

/*
 * A day-2 change of a cluster: what the change template asks for, applied to the parsed
 * cluster.yaml, refused with the field and the fix, and the plan of what the change means for
 * the machines, the add-ons and the Kubernetes version. Pure; the action writes the file.
 */

/**
 * One requested change; every field is optional and absent means "leave as is". The field names
 * are the change template's form fields and the kpaas:cluster-change inputs.
 * @public
 */
export interface ClusterChangeRequest {
  /** New spec.workers.count */
  workers?: number;
  /** Catalog ids to add to spec.addons (their dependencies come along) */
  addAddons?: ReadonlyArray<string>;
  /** Ids to remove from spec.addons */
  removeAddons?: ReadonlyArray<string>;
  /** New spec.kubernetes.version (one minor at a time, never lower) */
  kubernetesVersion?: string;
  /**
   * New spec.addons[].values by add-on id (listed or added by this change); `{}` clears them.
   * On apply kpaas:addons runs `helm upgrade --atomic` for each add-on whose values changed.
   */
  addonValues?: Readonly<Record<string, Record<string, unknown>>>;
}

/** What the change does, for the pull request body. @public */
export interface ClusterChangePlan {
  workers?: {
    from: number;
    to: number;
    /** Node names Terraform and the bootstrap add */
    add: string[];
    /**
     * Node names that leave, newest first: on apply kpaas:remove-nodes cordons and drains each
     * (PodDisruptionBudgets honoured), resets it, deletes it from the API and takes it out of
     * the inventory; only then does Terraform destroy its machine.
     */
    remove: string[];
  };
  addons: {
    /** Ids to install, dependencies first (including dependencies added with them) */
    install: string[];
    /** Of `install`: the ones added only as dependencies */
    addedAsDependency: string[];
    /** Ids to uninstall, in reverse dependency order */
    uninstall: string[];
    /** Add-ons whose values (or pinned chart) change, with the values diff (addonChanges.ts) */
    upgrade: AddonUpgrade[];
  };
  kubernetes?: { from: string; to: string };
  /** Nothing in cluster.yaml changes */
  unchanged: boolean;
}

/** @public */
export type ClusterChangeResult =
  | { ok: true; spec: ClusterSpec; plan: ClusterChangePlan }
  | { ok: false; errors: SpecValidationError[] };

function uniq(ids: ReadonlyArray<string>): string[] {
  return [...new Set(ids.map(id => id.trim()).filter(Boolean))];
}

/**
 * Applies `request` to `spec` and checks it: the request's own rules (one Kubernetes minor at a
 * time and no downgrade, add-ons in the catalog and not yet listed, no removal of an add-on a
 * remaining one depends on, workers only by count on machine-creating targets), then the whole
 * changed spec again with {@link parseClusterSpec} (conflicts, installer pins, address plan, …).
 * Errors name the request field (`workers`, `addAddons`, `removeAddons`, `kubernetesVersion`)
 * or, for the re-check, the cluster.yaml path.
 * @public
 */
export function applyClusterChange(
  spec: ClusterSpec,
  request: ClusterChangeRequest,
  catalog: AddonCatalog,
): ClusterChangeResult {
  const errors: SpecValidationError[] = [];
  const byId = catalogIndex(catalog);
  const next: ClusterSpec = structuredClone(spec);

  // workers
  const workersFrom = spec.spec.workers.count;
  const workersTo = request.workers ?? workersFrom;
  if (workersTo !== workersFrom) {
    if (workersTo < 1) {
      // the control planes carry the NoSchedule taint: workloads and add-ons need a worker
      errors.push({
        path: 'workers',
        message: `${workersTo} workers would leave cluster "${spec.metadata.name}" with its control planes only, which are tainted NoSchedule, so no workload or add-on could run; keep at least 1 worker`,
      });
    } else if (spec.spec.target.type === 'existing') {
      errors.push({
        path: 'workers',
        message: `cluster "${spec.metadata.name}" runs on existing machines, whose workers are the hosts listed in spec.target.hosts; leave workers at ${workersFrom} and add or remove worker hosts in cluster.yaml instead (not offered by this template yet)`,
      });
    } else {
      next.spec.workers.count = workersTo;
    }
  }

  // add-ons
  const listed = spec.spec.addons.map(a => a.id);
  const toRemove = uniq(request.removeAddons ?? []);
  const toAdd = uniq(request.addAddons ?? []);
  for (const id of toAdd) {
    if (!byId.has(id)) {
      errors.push({
        path: 'addAddons',
        message: `"${id}" is not in the add-on catalog; use one of ${[
          ...byId.keys(),
        ].join(', ')}`,
      });
    } else if (toRemove.includes(id)) {
      errors.push({
        path: 'addAddons',
        message: `"${id}" is both added and removed; keep it in only one of addAddons and removeAddons`,
      });
    } else if (listed.includes(id)) {
      errors.push({
        path: 'addAddons',
        message: `"${id}" is already installed on cluster "${spec.metadata.name}"; remove it from addAddons`,
      });
    }
  }
  for (const id of toRemove) {
    if (!listed.includes(id)) {
      errors.push({
        path: 'removeAddons',
        message: `"${id}" is not installed on cluster "${
          spec.metadata.name
        }" (spec.addons lists ${
          listed.join(', ') || 'none'
        }); remove it from removeAddons`,
      });
    }
  }
  // what stays installed after the change: the kept add-ons plus the added ones
  const kept = listed.filter(id => !toRemove.includes(id));
  const keptAndAdded = [...kept, ...toAdd.filter(id => byId.has(id))];
  // the same refusal kpaas:addons repeats against the cluster (./addonChanges.ts)
  for (const problem of addonRemovalProblems(
    toRemove.filter(r => listed.includes(r)),
    keptAndAdded,
    id => byId.get(id)?.dependsOn ?? [],
  )) {
    errors.push({ path: 'removeAddons', message: problem.message });
  }
  let install: string[] = [];
  let addedAsDependency: string[] = [];
  let uninstall: string[] = [];
  if (toAdd.length > 0 || toRemove.length > 0) {
    // the dependency closure of what stays; new ids (requested or implied) are installed
    const resolved = resolveAddonRefs(
      keptAndAdded.map(id => ({ id })),
      catalog,
    );
    if (!resolved.ok) {
      errors.push(
        ...resolved.errors.map(e => ({
          path: 'addAddons',
          message: e.message,
        })),
      );
    } else {
      install = resolved.plan.order.filter(id => !kept.includes(id));
      addedAsDependency = install.filter(id => !toAdd.includes(id));
      // the kept entries as written (values included), then the new ones dependencies first:
      // the smallest diff of cluster.yaml
      next.spec.addons = [
        ...spec.spec.addons.filter(a => kept.includes(a.id)),
        ...install.map(id => ({ id })),
      ];
      const removed = toRemove.filter(id => listed.includes(id));
      const ordered = orderByDependencies(
        removed,
        id => byId.get(id)?.dependsOn ?? [],
      );
      uninstall = ordered.ok ? [...ordered.value.order].reverse() : removed;
    }
  }

  // add-on values: the upgrades the plan shows, compared as kpaas:addons compares releases
  for (const [id, values] of Object.entries(request.addonValues ?? {})) {
    if (!next.spec.addons.some(a => a.id === id)) {
      errors.push({
        path: 'addonValues',
        message: `"${id}" is not in spec.addons after this change; add it with addAddons, or drop it from addonValues`,
      });
      continue;
    }
    next.spec.addons = next.spec.addons.map(a => {
      if (a.id !== id) return a;
      const entry: ClusterSpec['spec']['addons'][number] = { ...a, values };
      if (Object.keys(values).length === 0) delete entry.values;
      return entry;
    });
  }
  const addonStates = (s: ClusterSpec): AddonReleaseState[] =>
    s.spec.addons.map(a => {
      const def = byId.get(a.id);
      return {
        id: a.id,
        chart: def?.type === 'helm' ? def.helm.chart : undefined,
        version: def?.type === 'helm' ? def.helm.version : 'script',
        values: a.values ?? {},
      };
    });

  // Kubernetes version
  const versionFrom = spec.spec.kubernetes.version;
  const versionTo = request.kubernetesVersion?.trim() || versionFrom;
  if (versionTo !== versionFrom) {
    const problem = kubernetesUpgradeProblem(
      versionFrom,
      versionTo,
      supportedKubernetesVersions,
    );
    if (problem) errors.push({ path: 'kubernetesVersion', message: problem });
    else next.spec.kubernetes.version = versionTo;
  }

  if (errors.length > 0) return { ok: false, errors };

  // the changed spec as a whole (schema and every cross-field rule, with the catalog)
  const rechecked = parseClusterSpec(next, { catalog });
  if (!rechecked.ok) return { ok: false, errors: rechecked.errors };

  const plan: ClusterChangePlan = {
    addons: {
      install,
      addedAsDependency,
      uninstall,
      upgrade: planAddonChanges(
        addonStates(spec),
        addonStates(rechecked.spec),
        id => byId.get(id)?.dependsOn ?? [],
      ).upgrade,
    },
    unchanged: false,
  };
  if (workersTo !== workersFrom) {
    const before = deriveInventory(spec).filter(n => n.role === 'worker');
    const after = deriveInventory(rechecked.spec).filter(
      n => n.role === 'worker',
    );
    const names = (nodes: typeof before) => nodes.map(n => n.name);
    plan.workers = {
      from: workersFrom,
      to: workersTo,
      add: names(after).filter(n => !names(before).includes(n)),
      remove: names(before)
        .filter(n => !names(after).includes(n))
        .reverse(),
    };
  }
  if (versionTo !== versionFrom) {
    plan.kubernetes = { from: versionFrom, to: versionTo };
  }
  plan.unchanged =
    !plan.workers &&
    !plan.kubernetes &&
    install.length === 0 &&
    uninstall.length === 0 &&
    plan.addons.upgrade.length === 0;
  return { ok: true, spec: rechecked.spec, plan };
}
