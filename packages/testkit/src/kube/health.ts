/*
 * /livez, /readyz and /healthz with the apiserver's check names and output
 * format (`[+]ping ok` … `readyz check passed`). Tests can fail any check.
 */

export type HealthEndpoint = 'livez' | 'readyz' | 'healthz';

const COMMON_CHECKS = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiserver-admission-initializer',
  'poststarthook/generic-apiserver-start-informers',
  'poststarthook/priority-and-fairness-config-consumer',
  'poststarthook/priority-and-fairness-filter',
  'poststarthook/storage-object-count-tracker-hook',
  'poststarthook/start-apiextensions-informers',
  'poststarthook/start-apiextensions-controllers',
  'poststarthook/crd-informer-synced',
  'poststarthook/start-system-namespaces-controller',
  'poststarthook/start-service-ip-repair-controllers',
  'poststarthook/rbac/bootstrap-roles',
  'poststarthook/scheduling/bootstrap-system-priority-classes',
  'poststarthook/priority-and-fairness-config-producer',
  'poststarthook/bootstrap-controller',
  'poststarthook/start-kube-aggregator-informers',
  'poststarthook/apiservice-status-local-available-controller',
  'poststarthook/apiservice-status-remote-available-controller',
  'poststarthook/apiservice-registration-controller',
  'poststarthook/apiservice-discovery-controller',
  'poststarthook/kube-apiserver-autoregistration',
  'autoregister-completion',
  'poststarthook/apiservice-openapi-controller',
  'poststarthook/apiservice-openapiv3-controller',
];

const CHECKS: Record<HealthEndpoint, string[]> = {
  healthz: COMMON_CHECKS,
  livez: COMMON_CHECKS,
  readyz: [
    ...COMMON_CHECKS.slice(0, 3),
    'etcd-readiness',
    'informer-sync',
    ...COMMON_CHECKS.slice(3),
    'shutdown',
  ],
};

export interface HealthResponse {
  status: number;
  body: string;
}

export interface InjectedFailure {
  check: string;
  reason: string;
  endpoints: HealthEndpoint[];
}

/** Health checks of the stand-in; failures can be injected per check. */
export class HealthChecks {
  private readonly failures = new Map<string, InjectedFailure>();

  /** Makes a check fail (on all three endpoints unless narrowed). */
  fail(
    check: string,
    reason = 'injected failure',
    endpoints: HealthEndpoint[] = ['livez', 'readyz', 'healthz'],
  ): void {
    this.failures.set(check, { check, reason, endpoints });
  }

  recover(check: string): void {
    this.failures.delete(check);
  }

  reset(): void {
    this.failures.clear();
  }

  checkNames(endpoint: HealthEndpoint): string[] {
    return [...CHECKS[endpoint]];
  }

  /**
   * `GET /<endpoint>` or `/<endpoint>/<check>`. The query supports `verbose`
   * and repeated `exclude=<check>`, as on the real apiserver.
   */
  respond(
    endpoint: HealthEndpoint,
    single: string | undefined,
    query: URLSearchParams,
  ): HealthResponse | undefined {
    const names = CHECKS[endpoint];
    const failing = (name: string) => {
      const f = this.failures.get(name);
      return f && f.endpoints.includes(endpoint) ? f : undefined;
    };
    if (single) {
      if (!names.includes(single)) return undefined;
      const failure = failing(single);
      // The reason is withheld from clients, as the apiserver does.
      return failure
        ? {
            status: 500,
            body: `internal server error: ${single} failed: reason withheld\n`,
          }
        : { status: 200, body: 'ok' };
    }
    const excluded = new Set(query.getAll('exclude'));
    const lines: string[] = [];
    let ok = true;
    for (const name of names) {
      if (excluded.has(name)) {
        lines.push(`[+]${name} excluded: ok`);
        continue;
      }
      if (failing(name)) {
        ok = false;
        lines.push(`[-]${name} failed: reason withheld`);
      } else {
        lines.push(`[+]${name} ok`);
      }
    }
    const verbose = query.has('verbose');
    if (ok && !verbose) return { status: 200, body: 'ok' };
    lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
    return { status: ok ? 200 : 500, body: `${lines.join('\n')}\n` };
  }
}
