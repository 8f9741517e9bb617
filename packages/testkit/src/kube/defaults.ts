/*
 * The few defaults and controller side effects the real control plane applies
 * on create that clients routinely rely on (namespace phase, service
 * ClusterIP, CRD Established condition, workload replicas).
 */
import { ResourceDefinition } from './resources';
import { KubeObject } from './types';

export function kubeTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Hands out ClusterIPs from 10.96.0.0/12 the way kubeadm clusters look. */
export class ClusterIpAllocator {
  private next = 10;

  allocate(): string {
    const n = this.next++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

export function applyCreateDefaults(
  def: ResourceDefinition,
  obj: KubeObject,
  ips: ClusterIpAllocator,
): void {
  if (def.group === '' && def.plural === 'namespaces') {
    obj.metadata!.labels = {
      'kubernetes.io/metadata.name': obj.metadata!.name!,
      ...(obj.metadata!.labels ?? {}),
    };
    obj.spec ??= { finalizers: ['kubernetes'] };
    obj.status ??= { phase: 'Active' };
  }
  if (def.group === '' && def.plural === 'services') {
    obj.spec ??= {};
    obj.spec.type ??= 'ClusterIP';
    if (obj.spec.type !== 'ExternalName' && !obj.spec.clusterIP) {
      obj.spec.clusterIP = ips.allocate();
      obj.spec.clusterIPs = [obj.spec.clusterIP];
    }
    obj.spec.sessionAffinity ??= 'None';
    obj.status ??= { loadBalancer: {} };
  }
  if (def.group === '' && def.plural === 'pods') {
    obj.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
  }
  if (
    def.group === 'apps' &&
    ['deployments', 'statefulsets', 'replicasets'].includes(def.plural)
  ) {
    obj.spec ??= {};
    obj.spec.replicas ??= 1;
    if (def.plural === 'deployments') {
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.progressDeadlineSeconds ??= 600;
      obj.spec.strategy ??= {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      };
    }
    obj.status ??= {};
  }
  if (
    def.group === 'apiextensions.k8s.io' &&
    def.plural === 'customresourcedefinitions'
  ) {
    markCrdEstablished(obj);
  }
}

/** Sets the status a CRD gets once the apiextensions controllers accept it. */
export function markCrdEstablished(crd: KubeObject): void {
  const now = kubeTimestamp();
  const names = crd.spec?.names ?? {};
  crd.status = {
    ...(crd.status ?? {}),
    acceptedNames: { ...names },
    storedVersions: (crd.spec?.versions ?? [])
      .filter((v: any) => v.storage)
      .map((v: any) => v.name),
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
  };
}

/** The custom resources a CRD object declares, one per served version. */
export function customResourcesOfCrd(crd: KubeObject) {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const versions: any[] = spec.versions ?? [];
  return versions
    .filter(v => v.served !== false)
    .map(v => ({
      group: String(spec.group ?? ''),
      version: String(v.name),
      kind: String(names.kind ?? ''),
      plural: String(names.plural ?? ''),
      singular: names.singular ? String(names.singular) : undefined,
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      namespaced: spec.scope !== 'Cluster',
      statusSubresource: Boolean(v.subresources?.status),
    }))
    .filter(r => r.group && r.kind && r.plural);
}

/**
 * Normalisation the apiserver applies on every write: Secret `stringData` is
 * write-only and merged into `data` (base64).
 */
export function normalizeOnWrite(
  def: ResourceDefinition,
  obj: KubeObject,
): void {
  if (def.group === '' && def.plural === 'secrets' && obj.stringData) {
    obj.data ??= {};
    for (const [key, value] of Object.entries(
      obj.stringData as Record<string, string>,
    )) {
      obj.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    }
    delete obj.stringData;
  }
  if (def.group === '' && def.plural === 'secrets' && !obj.type)
    obj.type = 'Opaque';
}
