/*
 * Fault injection and request accounting, so tests can simulate a sick API
 * server and benchmarks can count e.g. how many LIST calls a client made.
 */
import { KubeStatus } from './types';

export interface FaultSpec {
  /**
   * Which request paths (no query string) the fault applies to. A string
   * matches the path itself and anything below it (`/api/v1/nodes` matches
   * `/api/v1/nodes/cp-1`); a RegExp is tested against the path.
   */
  match: string | RegExp;
  /** Only this HTTP method (case-insensitive); default any. */
  method?: string;
  /** Answer with this status and a Kubernetes Status body (e.g. 500, 503, 429). */
  status?: number;
  /** Custom Status body for `status`. */
  body?: Partial<KubeStatus>;
  /** Delay before handling (or before answering `status`). */
  latencyMs?: number;
  /** Never answer; the connection is held until the client gives up or close(). */
  hang?: boolean;
  /** Answer 401 Unauthorized as if the credentials were rejected. */
  unauthorized?: boolean;
  /** How many matching requests it affects before removing itself (default: unlimited). */
  times?: number;
}

export interface Fault extends FaultSpec {
  readonly id: number;
  /** How many requests this fault has affected so far. */
  hits: number;
  remove(): void;
}

export class FaultInjector {
  private readonly faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      ...spec,
      id: this.nextId++,
      hits: 0,
      remove: () => {
        const i = this.faults.indexOf(fault);
        if (i >= 0) this.faults.splice(i, 1);
      },
    };
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults.length = 0;
  }

  list(): readonly Fault[] {
    return [...this.faults];
  }

  /** The first fault matching a request, consuming one of its `times`. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(f => {
      if (f.method && f.method.toUpperCase() !== method.toUpperCase())
        return false;
      if (typeof f.match === 'string')
        return (
          path === f.match ||
          path.startsWith(f.match.endsWith('/') ? f.match : `${f.match}/`)
        );
      f.match.lastIndex = 0;
      return f.match.test(path);
    });
    if (!fault) return undefined;
    fault.hits++;
    if (fault.times !== undefined && fault.hits >= fault.times) fault.remove();
    return fault;
  }
}

export interface RequestLogEntry {
  time: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Kubernetes verb: list, watch, get, create, update, patch, delete, deletecollection, or a non-resource kind (discovery, openapi, health, version). */
  verb: string;
  /** `pods`, `deployments.apps`, … for resource requests. */
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Path with names replaced by placeholders, e.g. `/api/v1/namespaces/{namespace}/pods`. */
  pattern: string;
  user?: string;
  status: number;
  durationMs: number;
}

export interface RequestCountFilter {
  verb?: string;
  resource?: string;
  method?: string;
  namespace?: string;
  pattern?: string;
  user?: string;
}

/** Keeps the requests the stand-in served (bounded), for assertions and stats. */
export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  constructor(private readonly capacity = 100000) {}

  record(entry: RequestLogEntry) {
    this.entries.push(entry);
    if (this.entries.length > this.capacity)
      this.entries.splice(0, this.entries.length - this.capacity);
  }

  clear() {
    this.entries.length = 0;
  }

  count(filter: RequestCountFilter = {}): number {
    return this.entries.filter(e =>
      Object.entries(filter).every(
        ([k, v]) =>
          v === undefined ||
          (e as any)[k] === (k === 'method' ? String(v).toUpperCase() : v),
      ),
    ).length;
  }

  /** Counts per `"<VERB> <pattern>"`, e.g. `"list /api/v1/nodes": 3`. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) {
      const key = `${e.verb} ${e.pattern}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }
}
