import type * as k8s from '@kubernetes/client-node';
import {
  AddonCatalog,
  AddonStatus,
  ApiServerStatus,
  ClusterHealthState,
  ClusterSpec,
  ClusterStatus,
  ControlPlaneStatus,
  NodeStatus,
  PlatformLinkStatus,
  VersionBom,
  WorkloadObservation,
  clusterSpecSchema,
  deriveBackupStatus,
  derivePlatformLinks,
  expiryItem,
  expiryProblems,
  derivePlatformRoutingOfSpec,
  evaluateAddonReadiness,
  expectedGatewayApiObjects,
  GatewayApiObservation,
  observeGatewayApiObject,
  HELM_INSTANCE_LABEL,
  observeWorkload,
  resolveAddonInstallSet,
} from '@internal/plugin-kpaas-common';
import type { ClusterRecord } from '../registry/ClusterRegistry';
import { KubeClusterClient, KubeRequestError } from './KubeClusterClient';
import type { LinkProber } from './LinkProber';
import { readBackupObservation } from '../operations/readOperations';

/*
 * Computes one cluster's ClusterStatus. Reads only: /version, /readyz, nodes, kube-system
 * control-plane pods, the add-ons' workloads and, when an add-on declares requiresCrds, the CRDs
 * (never Secrets). A LIST that fails part-way
 * throws IncompleteStatusError, so no partial node or add-on list is ever reported as complete.
 */

export class IncompleteStatusError extends Error {
  constructor(readonly api: ApiServerStatus, cause: KubeRequestError) {
    super(`status incomplete, ${cause.message}`);
    this.name = 'IncompleteStatusError';
  }
}

const STATIC_COMPONENTS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
] as const;
type StaticComponent = (typeof STATIC_COMPONENTS)[number];

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** One format whether the object came from a LIST (Date) or a watch event (RFC 3339 text). */
const iso = (d: Date | string | undefined) => {
  if (d instanceof Date) return d.toISOString();
  const parsed = typeof d === 'string' ? new Date(d) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : d;
};

function quantity(map: Record<string, string> | undefined) {
  return { cpu: map?.cpu, memory: map?.memory, pods: map?.pods };
}

/** A Kubernetes node as the status API reports it. */
export function toNodeStatus(node: k8s.V1Node): NodeStatus {
  const labels = node.metadata?.labels ?? {};
  const roles = Object.keys(labels)
    .filter(l => l.startsWith(ROLE_PREFIX))
    .map(l => l.slice(ROLE_PREFIX.length))
    .filter(Boolean)
    .sort();
  const conditions = (node.status?.conditions ?? []).map(c => ({
    type: c.type,
    status: c.status as 'True' | 'False' | 'Unknown',
    reason: c.reason,
    message: c.message,
    since: iso(c.lastTransitionTime as Date | string | undefined),
  }));
  const ready = conditions.find(c => c.type === 'Ready');
  const readyWords: Record<string, string> = {
    True: 'Ready',
    False: 'NotReady',
  };
  const readyWord = readyWords[ready?.status ?? ''] ?? 'Unknown';
  const unschedulable = node.spec?.unschedulable === true;
  const addresses = node.status?.addresses ?? [];
  const info = node.status?.nodeInfo;
  return {
    name: node.metadata?.name ?? '',
    roles,
    ready: readyWord === 'Ready',
    status: unschedulable ? `${readyWord},SchedulingDisabled` : readyWord,
    conditions,
    unschedulable,
    taints: (node.spec?.taints ?? []).map(t => ({
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
      effect: t.effect,
    })),
    kubeletVersion: info?.kubeletVersion,
    kubeProxyVersion: info?.kubeProxyVersion || undefined,
    containerRuntime: info?.containerRuntimeVersion,
    osImage: info?.osImage,
    kernelVersion: info?.kernelVersion,
    architecture: info?.architecture,
    internalIp: addresses.find(a => a.type === 'InternalIP')?.address,
    externalIp: addresses.find(a => a.type === 'ExternalIP')?.address,
    capacity: quantity(node.status?.capacity),
    allocatable: quantity(node.status?.allocatable),
    createdAt: iso(
      node.metadata?.creationTimestamp as Date | string | undefined,
    ),
  };
}

function isControlPlane(node: NodeStatus) {
  return node.roles.includes('control-plane') || node.roles.includes('master');
}

/** Control-plane readiness, etcd quorum and kubeadm static pods. */
export function summarizeControlPlane(
  nodes: NodeStatus[],
  staticPods: k8s.V1Pod[],
  readyzChecks: ApiServerStatus['checks'],
): ControlPlaneStatus {
  const cps = nodes.filter(isControlPlane);
  const pods = staticPods
    .map(pod => {
      const component = pod.metadata?.labels?.component as StaticComponent;
      if (!STATIC_COMPONENTS.includes(component)) return undefined;
      const ready =
        pod.status?.conditions?.some(
          c => c.type === 'Ready' && c.status === 'True',
        ) ?? false;
      return { node: pod.spec?.nodeName ?? '', component, ready };
    })
    .filter((p): p is NonNullable<typeof p> => p !== undefined)
    .sort(
      (a, b) =>
        a.node.localeCompare(b.node) || a.component.localeCompare(b.component),
    );
  const etcdPods = pods.filter(p => p.component === 'etcd');
  let etcd: ControlPlaneStatus['etcd'];
  if (etcdPods.length > 0) {
    const healthy = etcdPods.filter(p => p.ready).length;
    etcd = {
      members: etcdPods.length,
      healthyMembers: healthy,
      quorum: healthy >= Math.floor(etcdPods.length / 2) + 1,
    };
  } else {
    // External etcd (no static pods): trust the apiserver's own etcd check.
    const check = readyzChecks.find(c => c.name === 'etcd');
    etcd = {
      members: 0,
      healthyMembers: 0,
      quorum: check ? check.ok : false,
    };
  }
  return {
    ready: cps.filter(n => n.ready).length,
    total: cps.length,
    etcd,
    staticPods: pods,
  };
}

function parseSpec(spec: unknown): ClusterSpec | undefined {
  if (!spec) return undefined;
  const parsed = clusterSpecSchema.safeParse(spec);
  return parsed.success ? parsed.data : undefined;
}

function detectCni(daemonSets: k8s.V1DaemonSet[]): string | undefined {
  for (const ds of daemonSets) {
    const name = ds.metadata?.name ?? '';
    const match = /^(calico-node|cilium|kube-flannel-ds|weave-net|canal)$/.exec(
      name,
    );
    if (!match) continue;
    const image = ds.spec?.template?.spec?.containers?.[0]?.image ?? '';
    const tag = image.includes(':')
      ? image.slice(image.lastIndexOf(':') + 1)
      : '';
    const product = match[1]
      .replace(/-node$|-ds$|-net$/, '')
      .replace('kube-', '');
    return tag ? `${product} ${tag}` : product;
  }
  return undefined;
}

/** Overall state and reason from the parts; `Provisioning` is decided by the caller. */
export function deriveState(
  status: Omit<ClusterStatus, 'state' | 'reason' | 'name' | 'checkedAt'>,
): {
  state: ClusterHealthState;
  reason?: string;
} {
  if (!status.api.reachable) {
    return { state: 'Unreachable', reason: status.api.error };
  }
  const problems: string[] = [];
  const failing = status.api.checks.filter(c => !c.ok).map(c => c.name);
  if (failing.length)
    problems.push(`API server checks failing: ${failing.join(', ')}`);
  const cp = status.controlPlane;
  if (cp.ready < cp.total)
    problems.push(
      `${cp.total - cp.ready}/${cp.total} control-plane nodes not ready`,
    );
  if (cp.etcd.members > 0 && !cp.etcd.quorum)
    problems.push(
      `etcd has no quorum (${cp.etcd.healthyMembers}/${cp.etcd.members} healthy)`,
    );
  else if (cp.etcd.healthyMembers < cp.etcd.members)
    problems.push(
      `etcd ${cp.etcd.healthyMembers}/${cp.etcd.members} members healthy`,
    );
  const badPods = cp.staticPods.filter(p => !p.ready);
  if (badPods.length)
    problems.push(
      `static pods not ready: ${badPods
        .map(p => `${p.component} on ${p.node}`)
        .join(', ')}`,
    );
  const notReady = status.nodes.filter(n => !n.ready);
  if (notReady.length)
    problems.push(
      `${notReady.length}/${status.nodes.length} nodes not ready (${notReady
        .slice(0, 5)
        .map(n => n.name)
        .join(', ')}${notReady.length > 5 ? ', …' : ''})`,
    );
  problems.push(...expiryProblems(status.expiries ?? []));
  if (status.backup?.state === 'stale') problems.push(status.backup.message);
  const badAddons = status.addons.filter(a => a.state !== 'Healthy');
  if (badAddons.length)
    problems.push(
      `add-ons not healthy: ${badAddons
        .map(a => `${a.id} (${a.state})`)
        .join(', ')}`,
    );
  return problems.length
    ? { state: 'Degraded', reason: problems.join('; ') }
    : { state: 'Healthy' };
}

/** The objects of a status that grow with the cluster: nodes and kubeadm static pods. */
export interface Observed {
  nodes: NodeStatus[];
  staticPods: k8s.V1Pod[];
}

export interface CollectOptions {
  client: KubeClusterClient;
  cluster: ClusterRecord;
  catalog?: AddonCatalog;
  prober: LinkProber;
  /** Where nodes and static pods come from (a watch's model); default: LISTs now. */
  observe?: () => Promise<Observed>;
}

/**
 * A status with the nodes and static pods of `observed`: the nodes, the control plane, the
 * version BOM's node parts and the state they imply (the rest of `status` is kept).
 */
export function withObserved(
  status: ClusterStatus,
  observed: Observed,
): ClusterStatus {
  const { state: _state, reason: _reason, name, ...rest } = status;
  const { nodes, staticPods } = observed;
  const unique = (values: Array<string | undefined>) =>
    [...new Set(values.filter((v): v is string => !!v))].sort();
  const parts = {
    ...rest,
    nodes,
    controlPlane: summarizeControlPlane(nodes, staticPods, status.api.checks),
    bom: {
      ...status.bom,
      containerRuntimes: unique(nodes.map(n => n.containerRuntime)),
      kernels: unique(nodes.map(n => n.kernelVersion)),
      osImages: unique(nodes.map(n => n.osImage)),
    },
  };
  return { name, ...deriveState(parts), ...parts };
}

/** Everything but the Provisioning decision. Throws IncompleteStatusError on a failed LIST. */
export async function collectClusterStatus(
  options: CollectOptions,
): Promise<ClusterStatus> {
  const { client, cluster, catalog, prober } = options;
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  const spec = parseSpec(cluster.spec);

  const [versionResult, readyzResult, certificateResult] =
    await Promise.allSettled([
      client.version(),
      client.readyz(),
      client.servingCertificate(),
    ]);
  if (versionResult.status === 'rejected') {
    const error = versionResult.reason as KubeRequestError;
    const api: ApiServerStatus = {
      reachable: false,
      checks: [],
      error: error.message,
    };
    const empty = emptyStatus(cluster.name, checkedAt, api);
    return {
      ...empty,
      ...deriveState(empty),
      durationMs: Math.round(performance.now() - started),
    };
  }
  const api: ApiServerStatus = {
    reachable: true,
    version: versionResult.value.gitVersion,
    latencyMs: versionResult.value.latencyMs,
    checks:
      readyzResult.status === 'fulfilled' ? readyzResult.value.checks : [],
    ...(readyzResult.status === 'rejected'
      ? { error: (readyzResult.reason as Error).message }
      : {}),
  };

  // The add-ons of the spec (requested and implied) and the Helm releases they are.
  const plan =
    spec && catalog ? resolveAddonInstallSet(spec, catalog) : undefined;
  const addons = plan?.ok ? plan.plan.addons.map(a => a.definition) : [];
  const releases = [
    ...new Set(
      addons.flatMap(a => (a.type === 'helm' ? [a.helm.releaseName] : [])),
    ),
  ].sort();
  const instanceSelector = releases.length
    ? `${HELM_INSTANCE_LABEL} in (${releases.join(',')})`
    : undefined;

  let observed: Observed;
  let systemDaemonSets: k8s.V1DaemonSet[];
  let observations: WorkloadObservation[] = [];
  // Only when an add-on declares requiresCrds (istio-base, istiod): one extra LIST.
  const needsCrds = addons.some(a => (a.requiresCrds ?? []).length > 0);
  let establishedCrds: ReadonlySet<string> | undefined;
  let crdReadError: string | undefined;
  // Gateway-routed clusters (issue 17): the Gateway and HTTPRoutes kpaas generated, judged by
  // their conditions (kpaas-common); a reader without the permission or the CRDs: not judged.
  const expectedRoutes =
    spec && catalog
      ? expectedGatewayApiObjects(derivePlatformRoutingOfSpec(spec, catalog))
      : [];
  let routeObjects: GatewayApiObservation[] | undefined;
  const routeList = async () => {
    if (expectedRoutes.length === 0) return;
    try {
      const [gateways, routes] = await Promise.all([
        client.listGatewayApiObjects('gateways'),
        client.listGatewayApiObjects('httproutes'),
      ]);
      routeObjects = [
        ...gateways.map(o => observeGatewayApiObject('Gateway', o)),
        ...routes.map(o => observeGatewayApiObject('HTTPRoute', o)),
      ];
    } catch (error) {
      const code = error instanceof KubeRequestError && error.statusCode;
      if (code !== 403 && code !== 404) throw error;
    }
  };
  const crdList = async () => {
    if (!needsCrds) return;
    try {
      establishedCrds = await client.listEstablishedCrds();
    } catch (error) {
      // A reader without permission on CRDs (RBAC of older bootstraps): judge workloads only,
      // and say why in the add-ons' reasons; any other failure is an incomplete status.
      if (error instanceof KubeRequestError && error.statusCode === 403) {
        crdReadError = error.message;
        return;
      }
      throw error;
    }
  };
  try {
    const workloadLists = async (): Promise<WorkloadObservation[]> => {
      if (!instanceSelector) return [];
      const [deployments, statefulSets, daemonSets] = await Promise.all([
        client.listDeployments(instanceSelector),
        client.listStatefulSets(instanceSelector),
        client.listDaemonSets(instanceSelector),
      ]);
      return [
        ...deployments.map(o => observeWorkload('Deployment', o as any)),
        ...statefulSets.map(o => observeWorkload('StatefulSet', o as any)),
        ...daemonSets.map(o => observeWorkload('DaemonSet', o as any)),
      ];
    };
    const observe =
      options.observe ??
      (async () => {
        const [nodes, staticPods] = await Promise.all([
          client.listNodes(),
          client.listPods('kube-system', 'tier=control-plane'),
        ]);
        return { nodes: nodes.map(toNodeStatus), staticPods };
      });
    [observed, systemDaemonSets, observations] = await Promise.all([
      observe(),
      client.listDaemonSets(undefined, 'kube-system'),
      workloadLists(),
      crdList(),
      routeList(),
    ]);
    // Readiness checks naming workloads outside the release's labels (e.g. operator-managed).
    const seen = new Set(
      observations.map(w => `${w.kind}/${w.namespace}/${w.name}`),
    );
    const extra: Array<Promise<WorkloadObservation[]>> = [];
    for (const addon of addons) {
      const ns =
        addon.type === 'helm'
          ? addon.helm.namespace
          : addon.script.namespace ?? 'default';
      for (const check of addon.readiness) {
        const checkNs = check.namespace ?? ns;
        if (check.name) {
          if (seen.has(`${check.kind}/${checkNs}/${check.name}`)) continue;
          extra.push(
            client
              .getWorkload(check.kind, checkNs, check.name)
              .then(o => (o ? [observeWorkload(check.kind, o as any)] : [])),
          );
        } else if (check.labelSelector) {
          const listers = {
            Deployment: () =>
              client.listDeployments(check.labelSelector!, checkNs),
            StatefulSet: () =>
              client.listStatefulSets(check.labelSelector!, checkNs),
            DaemonSet: () =>
              client.listDaemonSets(check.labelSelector!, checkNs),
          };
          const list = listers[check.kind]();
          extra.push(
            (list as Promise<any[]>).then(items =>
              items.map(o => observeWorkload(check.kind, o)),
            ),
          );
        }
      }
    }
    for (const more of await Promise.all(extra)) {
      for (const w of more) {
        const key = `${w.kind}/${w.namespace}/${w.name}`;
        if (!seen.has(key)) {
          seen.add(key);
          observations.push(w);
        }
      }
    }
  } catch (error) {
    if (error instanceof KubeRequestError) {
      throw new IncompleteStatusError(api, error);
    }
    throw error;
  }

  const platformLinks =
    spec && catalog ? derivePlatformLinks(spec, catalog) : [];
  const uiUrlByAddon = new Map(platformLinks.map(l => [l.addonId, l.url]));
  const addonStatuses: AddonStatus[] = addons.map(addon => {
    let readiness = evaluateAddonReadiness(addon, observations, {
      establishedCrds,
      gatewayApi: routeObjects && {
        expected: expectedRoutes,
        observed: routeObjects,
      },
    });
    if (
      crdReadError &&
      readiness.state !== 'Healthy' &&
      (addon.requiresCrds ?? []).length > 0
    ) {
      readiness = {
        ...readiness,
        reason: `${
          readiness.reason ?? readiness.state
        }; CRDs not checked (${crdReadError}; grant the reader list on apiextensions.k8s.io customresourcedefinitions)`,
      };
    }
    const uiUrl = uiUrlByAddon.get(addon.id);
    return { ...readiness, ...(uiUrl ? { uiUrl } : {}) };
  });

  const allowedHosts = new Set(platformLinks.map(l => new URL(l.url).hostname));
  const links: PlatformLinkStatus[] = await Promise.all(
    platformLinks.map(async link => ({
      title: link.title,
      url: link.url,
      addonId: link.addonId,
      icon: link.icon,
      route: link.route,
      probe: await prober.probe(link.url, allowedHosts, cluster.caData),
    })),
  );

  const bom: VersionBom = {
    kubernetes: api.version,
    // the node parts: withObserved
    containerRuntimes: [],
    kernels: [],
    osImages: [],
    cni: detectCni(systemDaemonSets) ?? spec?.spec.kubernetes.cni,
    addons: addons.map(addon => {
      const status = addonStatuses.find(a => a.id === addon.id);
      return {
        id: addon.id,
        ...(addon.type === 'helm' ? { chart: addon.helm.chart } : {}),
        version: status?.runningVersion ?? status?.declaredVersion,
      };
    }),
  };

  // spec.backup: the last good etcd snapshot (a failed read leaves it out, never fails the status)
  const backup = spec?.spec.backup
    ? await readBackupObservation(client).then(
        observed => {
          const b = deriveBackupStatus(
            spec.spec.backup,
            observed,
            new Date(checkedAt),
          );
          return {
            state: b.state,
            message: b.message,
            lastSuccessAt: b.lastSuccessAt,
          };
        },
        () => undefined,
      )
    : undefined;

  const partial = {
    api,
    ...(backup ? { backup } : {}),
    addons: addonStatuses,
    links,
    bom,
    // An unanswered handshake leaves the expiry unknown; /version already says why.
    ...(certificateResult.status === 'fulfilled'
      ? {
          expiries: [
            expiryItem(
              'kube-apiserver serving certificate',
              'tls-handshake',
              certificateResult.value.notAfter,
              new Date(checkedAt),
            ),
          ],
        }
      : {}),
  };
  const empty = emptyStatus(cluster.name, checkedAt, api);
  return withObserved(
    {
      ...empty,
      ...partial,
      durationMs: Math.round(performance.now() - started),
    },
    observed,
  );
}

/** A status with nothing but the API section (unreachable or incomplete clusters). */
export function emptyStatus(
  name: string,
  checkedAt: string,
  api: ApiServerStatus,
): ClusterStatus {
  return {
    name,
    state: 'Unreachable',
    checkedAt,
    api,
    controlPlane: {
      ready: 0,
      total: 0,
      etcd: { healthyMembers: 0, members: 0, quorum: false },
      staticPods: [],
    },
    nodes: [],
    addons: [],
    links: [],
    bom: { containerRuntimes: [], kernels: [], osImages: [], addons: [] },
  };
}
