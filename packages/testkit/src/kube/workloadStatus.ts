/*
 * Status blocks as the kubelet and the workload controllers write them. Used
 * by the fixtures (everything starts healthy) and by the stand-in's helpers
 * that flip readiness during a test.
 */
import { kubeTimestamp } from './defaults';
import { KubeObject } from './types';

type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
};

/**
 * Replaces or adds a condition; lastTransitionTime only moves when the status
 * actually changes, as controllers do.
 */
export function upsertCondition(
  conditions: Condition[] | undefined,
  next: Condition,
  now = kubeTimestamp(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex(c => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  const merged: Condition = {
    ...previous,
    ...next,
    lastTransitionTime:
      previous && previous.status === next.status
        ? previous.lastTransitionTime ?? now
        : now,
  };
  if (index >= 0) list[index] = merged;
  else list.push(merged);
  return list;
}

export function nodeConditions(
  ready: boolean,
  since: string,
  reason?: string,
): Condition[] {
  const pressure = (
    type: string,
    okReason: string,
    okMessage: string,
  ): Condition => ({
    type,
    status: 'False',
    lastHeartbeatTime: since,
    lastTransitionTime: since,
    reason: okReason,
    message: okMessage,
  });
  return [
    {
      type: 'NetworkUnavailable',
      status: 'False',
      lastHeartbeatTime: since,
      lastTransitionTime: since,
      reason: 'CalicoIsUp',
      message: 'Calico is running on this node',
    },
    pressure(
      'MemoryPressure',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ),
    pressure(
      'DiskPressure',
      'KubeletHasNoDiskPressure',
      'kubelet has no disk pressure',
    ),
    pressure(
      'PIDPressure',
      'KubeletHasSufficientPID',
      'kubelet has sufficient PID available',
    ),
    readyCondition(ready, since, reason),
  ];
}

function readyCondition(
  ready: boolean,
  now: string,
  reason?: string,
): Condition {
  return ready
    ? {
        type: 'Ready',
        status: 'True',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
        reason: reason ?? 'KubeletReady',
        message: 'kubelet is posting ready status',
      }
    : {
        type: 'Ready',
        status: reason === 'NodeStatusUnknown' ? 'Unknown' : 'False',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
        reason: reason ?? 'KubeletNotReady',
        message:
          reason === 'NodeStatusUnknown'
            ? 'Kubelet stopped posting node status.'
            : 'container runtime network not ready: NetworkReady=false',
      };
}

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/** The node with its Ready condition (and the lifecycle controller's taints) changed. */
export function withNodeReady(
  node: KubeObject,
  ready: boolean,
  reason?: string,
): KubeObject {
  const now = kubeTimestamp();
  const next = { ...readyCondition(ready, now, reason) };
  const conditions = upsertCondition(node.status?.conditions, next, now);
  const taintKey =
    reason === 'NodeStatusUnknown' ? UNREACHABLE_TAINT : NOT_READY_TAINT;
  const taints = (node.spec?.taints ?? []).filter(
    (t: any) => t.key !== NOT_READY_TAINT && t.key !== UNREACHABLE_TAINT,
  );
  if (!ready) {
    taints.push({ key: taintKey, effect: 'NoSchedule', timeAdded: now });
    taints.push({ key: taintKey, effect: 'NoExecute', timeAdded: now });
  }
  const spec = { ...(node.spec ?? {}) };
  if (taints.length) spec.taints = taints;
  else delete spec.taints;
  return { ...node, spec, status: { ...(node.status ?? {}), conditions } };
}

function podTemplateContainers(workload: KubeObject): any[] {
  return workload.spec?.template?.spec?.containers ?? [];
}

export function deploymentStatus(
  deployment: KubeObject,
  ready: boolean,
  now = kubeTimestamp(),
): Record<string, unknown> {
  const replicas = deployment.spec?.replicas ?? 1;
  const readyCount = ready ? replicas : 0;
  const status: Record<string, any> = {
    observedGeneration: deployment.metadata?.generation ?? 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: readyCount,
    availableReplicas: readyCount,
  };
  if (!ready) status.unavailableReplicas = replicas;
  if (!readyCount) delete status.readyReplicas;
  if (!readyCount) delete status.availableReplicas;
  const name = deployment.metadata?.name ?? 'deployment';
  status.conditions = upsertCondition(
    upsertCondition(
      deployment.status?.conditions,
      ready
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
            lastUpdateTime: now,
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
            lastUpdateTime: now,
          },
      now,
    ),
    {
      type: 'Progressing',
      status: 'True',
      reason: ready ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
      message: ready
        ? `ReplicaSet "${name}-${templateHash(
            deployment,
          )}" has successfully progressed.`
        : `ReplicaSet "${name}-${templateHash(deployment)}" is progressing.`,
      lastUpdateTime: now,
    },
    now,
  );
  return status;
}

export function statefulSetStatus(
  sts: KubeObject,
  ready: boolean,
): Record<string, unknown> {
  const replicas = sts.spec?.replicas ?? 1;
  const revision = `${sts.metadata?.name}-${templateHash(sts)}`;
  return {
    observedGeneration: sts.metadata?.generation ?? 1,
    replicas,
    readyReplicas: ready ? replicas : 0,
    currentReplicas: replicas,
    updatedReplicas: replicas,
    availableReplicas: ready ? replicas : 0,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  };
}

export function daemonSetStatus(
  ds: KubeObject,
  desired: number,
  ready: boolean,
): Record<string, unknown> {
  const status: Record<string, unknown> = {
    observedGeneration: ds.metadata?.generation ?? 1,
    desiredNumberScheduled: desired,
    currentNumberScheduled: desired,
    numberMisscheduled: 0,
    numberReady: ready ? desired : 0,
    updatedNumberScheduled: desired,
    numberAvailable: ready ? desired : 0,
  };
  if (!ready) status.numberUnavailable = desired;
  return status;
}

/** A Running pod status with one ready (or not ready) status per container. */
export function podRunningStatus(
  pod: KubeObject,
  ready: boolean,
  hostIP?: string,
  podIP?: string,
  since = kubeTimestamp(),
): Record<string, unknown> {
  const containers: any[] = pod.spec?.containers ?? [];
  const readyStatus = ready ? 'True' : 'False';
  const status: Record<string, unknown> = {
    phase: 'Running',
    conditions: [
      {
        type: 'PodReadyToStartContainers',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: since,
      },
      {
        type: 'Initialized',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: since,
      },
      {
        type: 'Ready',
        status: readyStatus,
        lastProbeTime: null,
        lastTransitionTime: since,
        ...(ready
          ? {}
          : {
              reason: 'ContainersNotReady',
              message: `containers with unready status: [${containers
                .map(c => c.name)
                .join(' ')}]`,
            }),
      },
      {
        type: 'ContainersReady',
        status: readyStatus,
        lastProbeTime: null,
        lastTransitionTime: since,
        ...(ready ? {} : { reason: 'ContainersNotReady' }),
      },
      {
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: since,
      },
    ],
    startTime: since,
    qosClass: containers.some(c => c.resources?.requests)
      ? 'Burstable'
      : 'BestEffort',
    containerStatuses: containers.map(c => ({
      name: c.name,
      image: c.image,
      imageID: `${String(c.image).split(':')[0]}@sha256:${fakeDigest(
        String(c.image),
      )}`,
      containerID: `containerd://${fakeDigest(
        `${pod.metadata?.name}/${c.name}`,
      )}`,
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: since } },
      lastState: {},
    })),
  };
  if (hostIP) {
    status.hostIP = hostIP;
    status.hostIPs = [{ ip: hostIP }];
  }
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  return status;
}

/** Deterministic 64-hex digest, so fixtures are stable across runs. */
export function fakeDigest(seed: string): string {
  let h1 = 0x811c9dc5;
  let out = '';
  for (let round = 0; round < 8; round++) {
    for (const ch of `${seed}#${round}`) {
      h1 ^= ch.charCodeAt(0);
      h1 = Math.imul(h1, 0x01000193) >>> 0;
    }
    out += h1.toString(16).padStart(8, '0');
  }
  return out;
}

/** A pod-template-hash-like suffix (10 chars from the safe alphabet). */
export function templateHash(workload: KubeObject): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = fakeDigest(
    JSON.stringify(podTemplateContainers(workload)) +
      (workload.metadata?.name ?? ''),
  );
  let out = '';
  for (let i = 0; i < 10; i++)
    out +=
      alphabet[parseInt(digest.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}
