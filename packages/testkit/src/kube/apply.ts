/*
 * Server-side apply and managedFields bookkeeping for ordinary writes.
 * See managedFields.ts for the field-path model.
 */
import {
  FieldSet,
  Ownership,
  fieldSetOf,
  overlaps,
  readOwnership,
  removeAtPath,
  sameOwner,
  splitPath,
  valueAtPath,
  writeOwnership,
} from './managedFields';
import { applyStrategicMergePatch, deepClone, deepEqual } from './patch';
import { KubeApiError, failureStatus } from './status';
import { KubeObject } from './types';

export interface OwnershipContext {
  manager: string;
  apiVersion: string;
  /** `status` for writes through the status subresource. */
  subresource?: string;
  /** The type has a status subresource, so main writes don't own status. */
  hasStatusSubresource: boolean;
  now: string;
}

function fieldOptions(ctx: OwnershipContext) {
  if (ctx.subresource === 'status') return { onlyStatus: true };
  return { excludeStatus: ctx.hasStatusSubresource };
}

function leafDiff(
  before: KubeObject | undefined,
  after: KubeObject,
  ctx: OwnershipContext,
) {
  const afterSet = fieldSetOf(after, fieldOptions(ctx));
  const beforeSet = before
    ? fieldSetOf(before, fieldOptions(ctx))
    : new Set<string>();
  const changed: FieldSet = new Set();
  for (const path of afterSet) {
    if (
      !beforeSet.has(path) ||
      !deepEqual(
        valueAtPath(before, splitPath(path)),
        valueAtPath(after, splitPath(path)),
      )
    ) {
      changed.add(path);
    }
  }
  const removed = [...beforeSet].filter(p => !afterSet.has(p));
  return { changed, removed };
}

/**
 * Records an ordinary (non-apply) write: the writer takes ownership of the
 * fields it changed, other managers lose them, and removed fields disappear
 * from every manager. Returns the new managedFields list.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  ctx: OwnershipContext,
) {
  const owners = readOwnership(before);
  const { changed, removed } = leafDiff(before, after, ctx);
  for (const owner of owners) {
    for (const path of [...changed, ...removed]) owner.fields.delete(path);
  }
  if (changed.size > 0) {
    let mine = owners.find(o =>
      sameOwner(o, ctx.manager, 'Update', ctx.subresource),
    );
    if (!mine) {
      mine = {
        manager: ctx.manager,
        operation: 'Update',
        subresource: ctx.subresource,
        apiVersion: ctx.apiVersion,
        time: ctx.now,
        fields: new Set(),
      };
      owners.push(mine);
    }
    mine.time = ctx.now;
    for (const path of changed) mine.fields.add(path);
  }
  return writeOwnership(owners);
}

export interface ApplyResult {
  object: KubeObject;
}

function conflictError(
  conflicts: Array<{ manager: string; apiVersion: string; path: string }>,
): KubeApiError {
  const describe = (path: string) =>
    splitPath(path)
      .filter(s => s !== '.')
      .map(s => (s.startsWith('f:') ? `.${s.slice(2)}` : `[${s.slice(2)}]`))
      .join('');
  const causes = conflicts.map(c => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${c.manager}" using ${c.apiVersion}`,
    field: describe(c.path),
  }));
  const summary =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${causes[0].message}: ${causes[0].field}`
      : `Apply failed with ${conflicts.length} conflicts: ${causes
          .map(c => `${c.message}: ${c.field}`)
          .join('\n')}`;
  return new KubeApiError(failureStatus(409, 'Conflict', summary, { causes }));
}

/**
 * Server-side apply of `applied` onto `current` (undefined when creating).
 * Returns the merged object with its managedFields set; throws a 409 Conflict
 * Status when another manager owns a field with a different value and
 * `force` is not set.
 */
export function serverSideApply(
  current: KubeObject | undefined,
  applied: KubeObject,
  force: boolean,
  ctx: OwnershipContext,
): KubeObject {
  const owners: Ownership[] = readOwnership(current);
  const appliedFields = fieldSetOf(applied, fieldOptions(ctx));
  const mine = owners.find(o =>
    sameOwner(o, ctx.manager, 'Apply', ctx.subresource),
  );
  const previouslyApplied: FieldSet = mine?.fields ?? new Set();

  const conflicts: Array<{
    manager: string;
    apiVersion: string;
    path: string;
    owner: Ownership;
  }> = [];
  if (current) {
    for (const owner of owners) {
      if (owner === mine) continue;
      for (const path of appliedFields) {
        if (!owner.fields.has(path)) continue;
        const segments = splitPath(path);
        if (
          !deepEqual(
            valueAtPath(current, segments),
            valueAtPath(applied, segments),
          )
        ) {
          conflicts.push({
            manager: owner.manager,
            apiVersion: owner.apiVersion,
            path,
            owner,
          });
        }
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const c of conflicts) c.owner.fields.delete(c.path);

  const { managedFields: _ignored, ...appliedMeta } = applied.metadata ?? {};
  const base = current ? deepClone(current) : {};
  const merged = applyStrategicMergePatch(base, {
    ...applied,
    metadata: appliedMeta,
  }) as KubeObject;

  // Fields this manager applied before but no longer does are removed, unless
  // someone else still owns them.
  const dropped = [...previouslyApplied].filter(p => !appliedFields.has(p));
  const ownedByOthers = (path: string) =>
    owners.some(
      o => o !== mine && [...o.fields].some(f => overlaps(f, path)),
    ) || [...appliedFields].some(f => overlaps(f, path));
  const removable = dropped
    .filter(p => !ownedByOthers(p))
    .sort((a, b) => b.length - a.length);
  for (const path of removable) removeAtPath(merged, splitPath(path));

  const nextOwners = owners.filter(o => o !== mine);
  nextOwners.push({
    manager: ctx.manager,
    operation: 'Apply',
    subresource: ctx.subresource,
    apiVersion: ctx.apiVersion,
    time: ctx.now,
    fields: appliedFields,
  });
  merged.metadata = {
    ...(merged.metadata ?? {}),
    managedFields: writeOwnership(nextOwners),
  };
  return merged;
}
