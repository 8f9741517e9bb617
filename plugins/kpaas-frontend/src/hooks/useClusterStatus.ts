import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type { ClusterStatus, TimelineEntry } from '@internal/plugin-kpaas-common';
import { errorReason, kpaasApiRef, retryAfterSeconds } from '../api';

/** How often the page re-reads the status while it is visible. */
export const DEFAULT_REFRESH_INTERVAL_MS = 30_000;

/** @public */
export interface ClusterStatusState {
  /** True until the first answer (or failure) arrived. */
  loading: boolean;
  /** True while a load (poll, retry or manual refresh) is in flight. */
  reloading: boolean;
  status?: ClusterStatus;
  /** Error of the last status load; `status` keeps the last good answer. */
  error?: Error;
  timeline?: TimelineEntry[];
  timelineError?: Error;
  /** When the last load finished (epoch ms). */
  loadedAt?: number;
  /** Message about the last manual refresh, e.g. that the backend rate-limited it. */
  refreshNotice?: string;
  /** Re-read status (and timeline) now. */
  reload: () => Promise<void>;
  /**
   * Manual refresh: when `askBackend` (the user holds kpaas.cluster.refresh), first asks the
   * backend to check the cluster now, then re-reads.
   */
  refresh: (askBackend: boolean) => Promise<void>;
}

/**
 * Status (and optionally the provisioning timeline) of one cluster, re-read every
 * `intervalMs` while the document is visible; polling pauses while the tab is hidden and
 * resumes with an immediate load when it becomes visible again and the data is stale.
 */
export function useClusterStatus(
  name: string,
  options: { timeline?: boolean; intervalMs?: number } = {},
): ClusterStatusState {
  const { timeline: withTimeline = false, intervalMs = DEFAULT_REFRESH_INTERVAL_MS } =
    options;
  const api = useApi(kpaasApiRef);
  const [state, setState] = useState<
    Omit<ClusterStatusState, 'reload' | 'refresh'>
  >({ loading: true, reloading: true });
  // Only the newest load may write state: an older, slower answer must not overwrite it.
  const generation = useRef(0);
  const controller = useRef<AbortController>();
  const loadedAt = useRef<number>();

  const reload = useCallback(async () => {
    generation.current += 1;
    const mine = generation.current;
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setState(s => ({ ...s, reloading: true }));
    const [status, timeline] = await Promise.allSettled([
      api.getClusterStatus(name, { signal: abort.signal }),
      withTimeline
        ? api.getClusterTimeline(name, { signal: abort.signal })
        : Promise.resolve(undefined),
    ]);
    if (mine !== generation.current) return;
    loadedAt.current = Date.now();
    setState(s => ({
      ...s,
      loading: false,
      reloading: false,
      loadedAt: loadedAt.current,
      status: status.status === 'fulfilled' ? status.value : s.status,
      error: status.status === 'rejected' ? toError(status.reason) : undefined,
      timeline: timeline.status === 'fulfilled' ? timeline.value : s.timeline,
      timelineError:
        timeline.status === 'rejected' ? toError(timeline.reason) : undefined,
    }));
  }, [api, name, withTimeline]);

  const refresh = useCallback(
    async (askBackend: boolean) => {
      let refreshNotice: string | undefined;
      if (askBackend) {
        try {
          const status = await api.refreshCluster(name);
          // Shown at once; the reload below picks up the timeline too.
          setState(s => ({ ...s, status, error: undefined }));
        } catch (e) {
          const wait = retryAfterSeconds(e);
          refreshNotice =
            wait !== undefined
              ? `The backend limits refreshes: try again in ${wait} s. Showing the last check.`
              : `The backend could not start a refresh: ${errorReason(toError(e))}`;
        }
      }
      setState(s => ({ ...s, refreshNotice }));
      await reload();
    },
    [api, name, reload],
  );

  useEffect(() => {
    reload();
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, intervalMs);
    const onVisibilityChange = () => {
      const stale =
        loadedAt.current === undefined || Date.now() - loadedAt.current >= intervalMs;
      if (!document.hidden && stale) reload();
    };
    document.addEventListener('visibilitychange', onVisibilityChange);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibilityChange);
      generation.current += 1;
      controller.current?.abort();
    };
  }, [reload, intervalMs]);

  return { ...state, reload, refresh };
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
