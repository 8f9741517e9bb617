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
