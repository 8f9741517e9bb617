/*
 * A small collection kept current by watch events (e.g. the control-plane static pods), keyed by
 * namespace and name; changes are detected by resourceVersion.
 */

interface Named {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

const keyOf = (o: Named) =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class ObjectSet<T extends Named> {
  private readonly objects = new Map<string, T>();

  /** The whole collection after a LIST; true when anything changed. */
  replace(items: T[]): boolean {
    let changed = items.length !== this.objects.size;
    const next = new Map(items.map(o => [keyOf(o), o]));
    for (const [key, o] of next) {
      const current = this.objects.get(key);
      if (current?.metadata?.resourceVersion !== o.metadata?.resourceVersion)
        changed = true;
    }
    for (const key of this.objects.keys()) if (!next.has(key)) changed = true;
    this.objects.clear();
    for (const [key, o] of next) this.objects.set(key, o);
    return changed;
  }

  upsert(o: T): boolean {
    const current = this.objects.get(keyOf(o));
    if (
      current &&
      current.metadata?.resourceVersion === o.metadata?.resourceVersion
    )
      return false;
    this.objects.set(keyOf(o), o);
    return true;
  }

  remove(o: T): boolean {
    return this.objects.delete(keyOf(o));
  }

  list(): T[] {
    return [...this.objects.values()];
  }
}
