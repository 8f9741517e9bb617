/*
 * The first concrete reason an add-on is not ready, from its pods and the namespace's events
 * (pure; the caller lists them). Order: image pulls, crash loops, other waiting reasons,
 * unschedulable pods (with the scheduler's message), failed pods.
 */

interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  spec?: { containers?: Array<{ name: string; image?: string }> };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Array<{
      type?: string;
      status?: string;
      reason?: string;
      message?: string;
    }>;
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  };
}

interface ContainerStatusLike {
  name: string;
  image?: string;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
}

interface EventLike {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  type?: string;
}

const PULL_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

export function diagnosePods(
  pods: PodLike[],
  events: EventLike[] = [],
): string | undefined {
  const statuses = (p: PodLike) => [
    ...(p.status?.initContainerStatuses ?? []),
    ...(p.status?.containerStatuses ?? []),
  ];
  const podName = (p: PodLike) => p.metadata?.name ?? '?';
  for (const p of pods) {
    for (const c of statuses(p)) {
      const w = c.state?.waiting;
      if (w?.reason && PULL_REASONS.has(w.reason)) {
        const image =
          c.image ?? p.spec?.containers?.find(x => x.name === c.name)?.image;
        return `pod ${podName(p)}: image ${image ?? '?'} cannot be pulled (${
          w.reason
        }${w.message ? `: ${w.message}` : ''})`;
      }
    }
  }
  for (const p of pods) {
    for (const c of statuses(p)) {
      if (c.state?.waiting?.reason === 'CrashLoopBackOff') {
        return `pod ${podName(p)}: container ${
          c.name
        } is in CrashLoopBackOff (${c.restartCount ?? 0} restarts)${
          c.state.waiting.message ? `: ${c.state.waiting.message}` : ''
        }`;
      }
    }
  }
  for (const p of pods) {
    for (const c of statuses(p)) {
      const w = c.state?.waiting;
      if (
        w?.reason &&
        w.reason !== 'ContainerCreating' &&
        w.reason !== 'PodInitializing'
      ) {
        return `pod ${podName(p)}: container ${c.name} is waiting (${w.reason}${
          w.message ? `: ${w.message}` : ''
        })`;
      }
    }
  }
  for (const p of pods) {
    if (p.status?.phase !== 'Pending') continue;
    const scheduled = p.status.conditions?.find(c => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' || !statuses(p).length) {
      const event = [...events]
        .reverse()
        .find(
          e =>
            e.involvedObject?.name === podName(p) &&
            e.reason === 'FailedScheduling',
        );
      const message = event?.message ?? scheduled?.message;
      if (message) return `pod ${podName(p)} is Pending: ${message}`;
    }
  }
  for (const p of pods) {
    if (p.status?.phase === 'Failed') {
      return `pod ${podName(p)} failed${
        p.status.reason ? ` (${p.status.reason})` : ''
      }${p.status.message ? `: ${p.status.message}` : ''}`;
    }
  }
  return undefined;
}
