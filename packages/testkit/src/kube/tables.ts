/*
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io`),
 * which is how `kubectl get` gets its columns. Columns and cell formats follow
 * the apiserver's printers for the common types; everything else gets the
 * generic Name / Created At (built-in) or Name / Age (custom resources) table.
 */
import { ResourceDefinition } from './resources';
import { KubeObject } from './types';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): unknown[];
}

function col(
  name: string,
  type = 'string',
  priority = 0,
  format = '',
): ColumnDefinition {
  return { name, type, format, description: `${name} of the object`, priority };
}

const NAME = {
  ...col('Name', 'string', 0, 'name'),
  description: 'Name must be unique within a namespace.',
};
const AGE = {
  ...col('Age'),
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** kubectl's HumanDuration, e.g. `45s`, `3m12s`, `5h`, `12d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10)
    return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8)
    return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8)
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

function age(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata?.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
}

const none = (v: unknown) =>
  v === undefined || v === null || v === '' ? '<none>' : String(v);

function nodeStatus(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find(
    (c: any) => c.type === 'Ready',
  );
  let status = 'Unknown';
  if (ready) status = ready.status === 'True' ? 'Ready' : 'NotReady';
  const parts = [status];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter(l => l.startsWith('node-role.kubernetes.io/'))
    .map(l => l.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : '<none>';
}

function address(node: KubeObject, type: string) {
  return none(
    (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address,
  );
}

function podCells(pod: KubeObject, now: number): unknown[] {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length || statuses.length;
  const ready = statuses.filter(s => s.ready).length;
  let restarts = 0;
  let lastRestart = 0;
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  for (const s of statuses) {
    restarts += s.restartCount ?? 0;
    const finished = Date.parse(s.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(finished)) lastRestart = Math.max(lastRestart, finished);
    if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
    else if (s.state?.terminated?.reason) reason = s.state.terminated.reason;
  }
  if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
  const restartCell = lastRestart
    ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
    : String(restarts);
  const gates: any[] = pod.spec?.readinessGates ?? [];
  return [
    pod.metadata?.name,
    `${ready}/${total}`,
    reason,
    restartCell,
    age(pod, now),
    none(pod.status?.podIP),
    none(pod.spec?.nodeName),
    none(pod.status?.nominatedNodeName),
    gates.length ? `0/${gates.length}` : '<none>',
  ];
}

function servicePorts(svc: KubeObject): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports
    .map(
      p =>
        `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`,
    )
    .join(',');
}

function externalIp(svc: KubeObject): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'ExternalName') return none(svc.spec?.externalName);
  if (type === 'LoadBalancer') {
    const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
    const ips = [
      ...ingress.map(i => i.ip ?? i.hostname),
      ...(svc.spec?.externalIPs ?? []),
    ].filter(Boolean);
    return ips.length ? ips.join(',') : '<pending>';
  }
  return svc.spec?.externalIPs?.length
    ? svc.spec.externalIPs.join(',')
    : '<none>';
}

function selectorString(selector: Record<string, string> | undefined): string {
  const entries = Object.entries(selector ?? {});
  return entries.length
    ? entries.map(([k, v]) => `${k}=${v}`).join(',')
    : '<none>';
}

function containerNames(obj: KubeObject) {
  return (obj.spec?.template?.spec?.containers ?? [])
    .map((c: any) => c.name)
    .join(',');
}

function containerImages(obj: KubeObject) {
  return (obj.spec?.template?.spec?.containers ?? [])
    .map((c: any) => c.image)
    .join(',');
}

const int = (v: unknown) => (typeof v === 'number' ? v : 0);

const PRINTERS: Record<string, Printer> = {
  '/nodes': {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: (n, now) => [
      n.metadata?.name,
      nodeStatus(n),
      nodeRoles(n),
      age(n, now),
      none(n.status?.nodeInfo?.kubeletVersion),
      address(n, 'InternalIP'),
      address(n, 'ExternalIP'),
      none(n.status?.nodeInfo?.osImage),
      none(n.status?.nodeInfo?.kernelVersion),
      none(n.status?.nodeInfo?.containerRuntimeVersion),
    ],
  },
  '/pods': {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts'),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    cells: podCells,
  },
  '/namespaces': {
    columns: [NAME, col('Status'), AGE],
    cells: (o, now) => [
      o.metadata?.name,
      o.status?.phase ?? 'Active',
      age(o, now),
    ],
  },
  '/services': {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', 1),
    ],
    cells: (s, now) => [
      s.metadata?.name,
      s.spec?.type ?? 'ClusterIP',
      none(s.spec?.clusterIP),
      externalIp(s),
      servicePorts(s),
      age(s, now),
      selectorString(s.spec?.selector),
    ],
  },
  '/configmaps': {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o, now) => [
      o.metadata?.name,
      Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
      age(o, now),
    ],
  },
  '/secrets': {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o, now) => [
      o.metadata?.name,
      o.type ?? 'Opaque',
      Object.keys(o.data ?? {}).length,
      age(o, now),
    ],
  },
  '/serviceaccounts': {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (o, now) => [
      o.metadata?.name,
      (o.secrets ?? []).length,
      age(o, now),
    ],
  },
  '/endpoints': {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (o, now) => {
      const eps: string[] = [];
      for (const subset of o.subsets ?? []) {
        for (const a of subset.addresses ?? [])
          for (const p of subset.ports ?? [{}])
            eps.push(p.port ? `${a.ip}:${p.port}` : a.ip);
      }
      return [
        o.metadata?.name,
        eps.length
          ? eps.slice(0, 3).join(',') +
            (eps.length > 3 ? ` + ${eps.length - 3} more...` : '')
          : '<none>',
        age(o, now),
      ];
    },
  },
  '/events': {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Message'),
    ],
    cells: (e, now) => {
      const last = Date.parse(
        e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '',
      );
      const io = e.involvedObject ?? {};
      return [
        Number.isNaN(last) ? '<unknown>' : humanDuration(now - last),
        e.type ?? 'Normal',
        e.reason ?? '',
        `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        e.message ?? '',
      ];
    },
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells: (d, now) => [
      d.metadata?.name,
      `${int(d.status?.readyReplicas)}/${int(d.spec?.replicas ?? 1)}`,
      int(d.status?.updatedReplicas),
      int(d.status?.availableReplicas),
      age(d, now),
      containerNames(d),
      containerImages(d),
      selectorString(d.spec?.selector?.matchLabels),
    ],
  },
  'apps/statefulsets': {
    columns: [
      NAME,
      col('Ready'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
    ],
    cells: (s, now) => [
      s.metadata?.name,
      `${int(s.status?.readyReplicas)}/${int(s.spec?.replicas ?? 1)}`,
      age(s, now),
      containerNames(s),
      containerImages(s),
    ],
  },
  'apps/daemonsets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector'),
      AGE,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
    ],
    cells: (d, now) => [
      d.metadata?.name,
      int(d.status?.desiredNumberScheduled),
      int(d.status?.currentNumberScheduled),
      int(d.status?.numberReady),
      int(d.status?.updatedNumberScheduled),
      int(d.status?.numberAvailable),
      selectorString(d.spec?.template?.spec?.nodeSelector),
      age(d, now),
      containerNames(d),
      containerImages(d),
    ],
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      AGE,
    ],
    cells: (r, now) => [
      r.metadata?.name,
      int(r.spec?.replicas ?? 1),
      int(r.status?.replicas),
      int(r.status?.readyReplicas),
      age(r, now),
    ],
  },
};

const CREATED_AT: Printer = {
  columns: [
    NAME,
    {
      ...col('Created At', 'date'),
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
    },
  ],
  cells: o => [o.metadata?.name, o.metadata?.creationTimestamp],
};

const NAME_AGE: Printer = {
  columns: [NAME, AGE],
  cells: (o, now) => [o.metadata?.name, age(o, now)],
};

function printerFor(def: ResourceDefinition): Printer {
  return (
    PRINTERS[`${def.group}/${def.plural}`] ??
    (def.custom ? NAME_AGE : CREATED_AT)
  );
}

/** Whether an Accept header asks for a meta.k8s.io Table (v1 or v1beta1). */
export function wantsTable(
  accept: string | undefined,
): { version: 'v1' | 'v1beta1' } | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = part.split(';').map(p => p.trim());
    if (!params.includes('as=Table') || !params.includes('g=meta.k8s.io'))
      continue;
    if (params.includes('v=v1')) return { version: 'v1' };
    if (params.includes('v=v1beta1')) return { version: 'v1beta1' };
  }
  return undefined;
}

function rowObject(
  obj: KubeObject,
  include: IncludeObject,
  apiVersion: string,
) {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const { managedFields: _m, ...metadata } = obj.metadata ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion, metadata };
}

export interface TableOptions {
  include: IncludeObject;
  tableVersion: 'v1' | 'v1beta1';
  /** Watch events after the first omit columns, as the apiserver does. */
  noHeaders?: boolean;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function toTable(
  def: ResourceDefinition,
  objects: KubeObject[],
  options: TableOptions,
) {
  const printer = printerFor(def);
  const now = Date.now();
  const apiVersion = `meta.k8s.io/${options.tableVersion}`;
  const metadata: Record<string, unknown> = {};
  if (options.resourceVersion)
    metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined)
    metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: options.noHeaders ? null : printer.columns,
    rows: objects.map(obj => {
      const row: Record<string, unknown> = { cells: printer.cells(obj, now) };
      const object = rowObject(obj, options.include, apiVersion);
      if (object) row.object = object;
      return row;
    }),
  };
}
