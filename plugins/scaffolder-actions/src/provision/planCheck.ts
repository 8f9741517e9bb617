import { InputError } from '@backstage/errors';

/*
 * The check between `terraform plan` and `terraform apply`: the plan may destroy only the
 * machines that leave the cluster. Read from `terraform show -json <planfile>`: every resource
 * change whose actions include "delete" (a destroy, or a replacement: delete and create) must
 * be an instance keyed by one of those machine names (the targets' per-machine resources are
 * `for_each` over the nodes by name: the instance, its port, its floating IP, ...), and none
 * may be replaced, except a resource Terraform marked tainted: its creation failed or was
 * cancelled in an earlier run (a partial apply), so it never was a working part of the cluster.
 */

/** A resource change of a plan that destroys something. */
export interface DestructiveChange {
  address: string;
  action: 'delete' | 'replace';
  /** The for_each key (or count index) of the instance, if any. */
  key?: string | number;
}

interface ResourceChange {
  address?: string;
  index?: string | number;
  action_reason?: string;
  change?: { actions?: string[] };
}

/** The plan's destroys and replacements (of resources that are not tainted). */
export function destructiveChanges(planJson: string): DestructiveChange[] {
  let plan: { resource_changes?: ResourceChange[] };
  try {
    plan = JSON.parse(planJson);
  } catch (e) {
    throw new Error(`terraform show -json printed no valid JSON: ${e}`);
  }
  const out: DestructiveChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    if (!actions.includes('delete')) continue;
    // a creation that failed or was cancelled (partial apply) is finished by a replacement
    if (rc.action_reason === 'replace_because_tainted') continue;
    out.push({
      address: rc.address ?? '(unknown)',
      action: actions.includes('create') ? 'replace' : 'delete',
      key: rc.index,
    });
  }
  return out;
}

/**
 * Refuses a plan that destroys or replaces anything but the machines in `removable` (worker
 * names that leave the cluster), naming every such resource; nothing has been applied then.
 */
export function refuseUnexpectedDestroys(
  planJson: string,
  removable: ReadonlyArray<string>,
): void {
  const allowed = new Set(removable);
  const unexpected = destructiveChanges(planJson).filter(
    c =>
      c.action === 'replace' ||
      typeof c.key !== 'string' ||
      !allowed.has(c.key),
  );
  if (unexpected.length === 0) return;
  throw new InputError(
    `kpaas:provision refused the Terraform plan before apply: it would ${
      unexpected.some(c => c.action === 'replace')
        ? 'destroy or replace'
        : 'destroy'
    } ${
      unexpected.length
    } resource(s) that are not machines leaving the cluster (${
      removable.length ? removable.join(', ') : 'none leaves'
    }):\n${unexpected
      .map(c => `  - ${c.action.padEnd(7)} ${c.address}`)
      .join(
        '\n',
      )}\nNothing was applied. Find what changed them (the Terraform configuration in the cluster repository, a provider upgrade, a resource changed outside Terraform) and run again once the plan destroys only the machines you remove`,
  );
}

interface ConfigModule {
  resources?: Array<{ address?: string }>;
  module_calls?: Record<string, { module?: ConfigModule }>;
}

/** Resource addresses the configuration declares (`module.x.type.name`, without instance keys). */
function declaredResources(
  module: ConfigModule | undefined,
  prefix = '',
): Set<string> {
  const out = new Set<string>();
  for (const r of module?.resources ?? []) {
    if (r.address) out.add(`${prefix}${r.address}`);
  }
  for (const [name, call] of Object.entries(module?.module_calls ?? {})) {
    for (const a of declaredResources(
      call.module,
      `${prefix}module.${name}.`,
    )) {
      out.add(a);
    }
  }
  return out;
}

/** `module.m["k"].type.name["key"]` -> `module.m.type.name` (the configuration's address). */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, '');
}

/**
 * Refuses a destroy plan (retiring a cluster) that would destroy a resource the cluster
 * repository's Terraform configuration does not declare: the state then holds something that
 * is not this cluster's (imported, or left by another configuration), which kpaas must not
 * take down. Names each one; nothing has been destroyed then.
 */
export function refuseForeignDestroys(planJson: string, cluster: string): void {
  const plan = JSON.parse(planJson) as {
    configuration?: { root_module?: ConfigModule };
  };
  const declared = declaredResources(plan.configuration?.root_module);
  const foreign = destructiveChanges(planJson).filter(
    c => !declared.has(configAddress(c.address)),
  );
  if (foreign.length === 0) return;
  throw new InputError(
    `kpaas:provision refused to destroy cluster "${cluster}": its Terraform state holds ${
      foreign.length
    } resource(s) the cluster repository's configuration does not declare, so they may not be this cluster's:\n${foreign
      .map(c => `  - ${c.address}`)
      .join(
        '\n',
      )}\nNothing was destroyed. Move them out of the state (terraform state rm, or state mv to their own configuration), or declare them in the cluster repository if they are the cluster's, then run again`,
  );
}
