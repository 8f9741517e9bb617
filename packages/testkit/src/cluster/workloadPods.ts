/*
 * The pods a workload's controller runs (tests and benchmarks only): for each Deployment,
 * StatefulSet and DaemonSet in the Kubernetes API stand-in, the pods its controller would create,
 * named the way Kubernetes names them (StatefulSet `<name>-<ordinal>`, Deployment
 * `<name>-<template hash>-<suffix>`, DaemonSet `<name>-<suffix>` per Node), labelled with the
 * pod template's labels, owned by the workload, scheduled on the stand-in's Nodes and Running.
 * A pod is Ready while its workload counts it ready (its ordinal below readyReplicas /
 * numberReady). Pods no workload implies any more (workload deleted, scaled down) are deleted, as
 * the controllers and the garbage collector would: only those created here, a fixture's own pods
 * are left alone.
 */
import { KubeApiStandIn, KubeObject, podRunningStatus } from '../kube';
import { fakeDigest, templateHash } from '../kube/workloadStatus';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A 5-character pod name suffix from the safe alphabet, stable for `seed`. */
function podSuffix(seed: string): string {
  const digest = fakeDigest(seed);
  let out = '';
  for (let i = 0; i < 5; i++) {
    out +=
      SUFFIX_ALPHABET[
        parseInt(digest.slice(i * 2, i * 2 + 2), 16) % SUFFIX_ALPHABET.length
      ];
  }
  return out;
}

function internalIP(node: KubeObject): string | undefined {
  return (node.status?.addresses ?? []).find(
    (a: any) => a.type === 'InternalIP',
  )?.address;
}

interface PodSlot {
  name: string;
  node: KubeObject | undefined;
  ready: boolean;
}

/** The pods `workload` implies on `nodes`, each with the readiness its workload reports. */
export function impliedPods(
  workload: KubeObject,
  nodes: KubeObject[],
): PodSlot[] {
  const name = workload.metadata!.name!;
  const status = workload.status ?? {};
  const nodeAt = (i: number) =>
    nodes.length ? nodes[i % nodes.length] : undefined;
  if (workload.kind === 'DaemonSet') {
    const ready = status.numberReady ?? 0;
    return nodes.map((node, i) => ({
      name: `${name}-${podSuffix(`${workload.metadata!.uid}/${node.metadata!.name}`)}`,
      node,
      ready: i < ready,
    }));
  }
  const replicas: number = workload.spec?.replicas ?? 1;
  const ready: number = status.readyReplicas ?? 0;
  const hash = templateHash(workload);
  return Array.from({ length: replicas }, (_, i) => ({
    name:
      workload.kind === 'StatefulSet'
        ? `${name}-${i}`
        : `${name}-${hash}-${podSuffix(`${workload.metadata!.uid}/${i}`)}`,
    node: nodeAt(i),
    ready: i < ready,
  }));
}

/**
 * A pod controller: each call of the returned function creates the missing pods of every
 * workload, flips their readiness to the workload's and deletes the pods it created for
 * workloads that no longer exist (startWorkloadControllers calls it on every tick).
 */
export function workloadPodController(api: KubeApiStandIn): () => void {
  /** `<namespace>/<pod>` of the pods created here */
  const created = new Set<string>();
  return () => syncPods(api, created);
}

function syncPods(api: KubeApiStandIn, created: Set<string>): void {
  const nodes = api.store.list({ apiVersion: 'v1', kind: 'Node' } as any);
  const implied = new Set<string>();
  for (const kind of WORKLOAD_KINDS) {
    for (const workload of api.store.list({
      apiVersion: 'apps/v1',
      kind,
    } as any)) {
      const namespace = workload.metadata!.namespace!;
      for (const slot of impliedPods(workload, nodes)) {
        implied.add(`${namespace}/${slot.name}`);
        const existing = api.store.get({
          apiVersion: 'v1',
          kind: 'Pod',
          name: slot.name,
          namespace,
        } as any);
        if (existing) {
          if (
            (existing.status?.conditions ?? []).some(
              (c: any) => c.type === 'Ready' && (c.status === 'True') !== slot.ready,
            )
          ) {
            api.setPodReady(namespace, slot.name, slot.ready);
          }
          continue;
        }
        const template = workload.spec?.template ?? {};
        const hostIP = slot.node ? internalIP(slot.node) : undefined;
        const digest = fakeDigest(`${namespace}/${slot.name}`);
        const podIP = `10.244.${parseInt(digest.slice(0, 2), 16)}.${
          (parseInt(digest.slice(2, 4), 16) % 250) + 2
        }`;
        const pod: KubeObject = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: slot.name,
            namespace,
            labels: {
              ...(template.metadata?.labels ?? {}),
              ...(kind === 'StatefulSet'
                ? { 'statefulset.kubernetes.io/pod-name': slot.name }
                : {}),
              ...(kind === 'Deployment'
                ? { 'pod-template-hash': templateHash(workload) }
                : {}),
            },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: kind === 'Deployment' ? 'ReplicaSet' : kind,
                name:
                  kind === 'Deployment'
                    ? `${workload.metadata!.name}-${templateHash(workload)}`
                    : workload.metadata!.name!,
                uid: workload.metadata!.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            ...(template.spec ?? {}),
            containers: template.spec?.containers ?? [],
            ...(slot.node ? { nodeName: slot.node.metadata!.name } : {}),
            ...(kind === 'StatefulSet'
              ? { hostname: slot.name, subdomain: workload.spec?.serviceName }
              : {}),
          },
        };
        pod.status = podRunningStatus(pod, slot.ready, hostIP, podIP);
        api.store.create(pod);
        created.add(`${namespace}/${slot.name}`);
      }
    }
  }
  for (const key of created.keys()) {
    if (implied.has(key)) continue;
    const [namespace, name] = key.split('/');
    created.delete(key);
    api.store.delete({ apiVersion: 'v1', kind: 'Pod', name, namespace } as any);
  }
}
