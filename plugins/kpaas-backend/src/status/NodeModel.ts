import type * as k8s from '@kubernetes/client-node';
import type { NodeStatus } from '@internal/plugin-kpaas-common';
import { toNodeStatus } from './collectStatus';

/*
 * A cluster's nodes as the status reports them, kept current by watch events: each node is
 * derived (toNodeStatus) and serialised once per change of its resourceVersion, so the work of
 * a refresh is proportional to the nodes that changed, not to the size of the cluster.
 */

interface Entry {
  resourceVersion?: string;
  status: NodeStatus;
  json: string;
}

export class NodeModel {
  /** Nodes derived so far (one per new resourceVersion): the cost of the changes. */
  derived = 0;
  private readonly entries = new Map<string, Entry>();
  private names?: string[];
  private statusesCache?: NodeStatus[];
  private jsonCache?: string;

  get size(): number {
    return this.entries.size;
  }

  /** The whole collection after a LIST; true when anything changed. */
  replace(nodes: k8s.V1Node[]): boolean {
    let changed = false;
    const seen = new Set<string>();
    for (const node of nodes) {
      seen.add(node.metadata?.name ?? '');
      if (this.upsert(node)) changed = true;
    }
    for (const name of [...this.entries.keys()])
      if (!seen.has(name) && this.remove(name)) changed = true;
    return changed;
  }

  /** An added or modified node; true when what the status shows of it changed. */
  upsert(node: k8s.V1Node): boolean {
    const name = node.metadata?.name ?? '';
    const rv = node.metadata?.resourceVersion;
    const current = this.entries.get(name);
    if (current && rv !== undefined && current.resourceVersion === rv)
      return false;
    this.derived++;
    const status = toNodeStatus(node);
    const json = JSON.stringify(status);
    if (!current) this.names = undefined;
    else if (current.json === json) {
      // a heartbeat or a field the status does not show
      current.resourceVersion = rv;
      return false;
    }
    this.entries.set(name, { resourceVersion: rv, status, json });
    this.statusesCache = undefined;
    this.jsonCache = undefined;
    return true;
  }

  remove(name: string): boolean {
    if (!this.entries.delete(name)) return false;
    this.names = undefined;
    this.statusesCache = undefined;
    this.jsonCache = undefined;
    return true;
  }

  private sortedNames(): string[] {
    this.names ??= [...this.entries.keys()].sort();
    return this.names;
  }

  /** The nodes by name, as in the status. */
  statuses(): NodeStatus[] {
    this.statusesCache ??= this.sortedNames().map(
      n => this.entries.get(n)!.status,
    );
    return this.statusesCache;
  }

  /** `JSON.stringify(statuses())`, from the per-node strings. */
  json(): string {
    this.jsonCache ??= `[${this.sortedNames()
      .map(n => this.entries.get(n)!.json)
      .join(',')}]`;
    return this.jsonCache;
  }
}
