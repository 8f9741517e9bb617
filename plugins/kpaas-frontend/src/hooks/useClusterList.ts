import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type { ClusterSummary } from '@internal/plugin-kpaas-common';
import { kpaasApiRef } from '../api';
import { DEFAULT_REFRESH_INTERVAL_MS } from './useClusterStatus';

/** @public */
export interface ClusterListState {
  /** True until the first answer (or failure) arrived. */
  loading: boolean;
  /** True while a load is in flight. */
  reloading: boolean;
  clusters?: ClusterSummary[];
  /** Error of the last load; `clusters` keeps the last good answer. */
  error?: Error;
  reload: () => Promise<void>;
}

/**
 * Every registered cluster's summary from ONE request (`GET /clusters`), re-read every
 * `intervalMs` while the document is visible (and at once when it becomes visible again and the
 * list is stale). Only the newest load writes state.
 */
export function useClusterList(
  options: { intervalMs?: number } = {},
): ClusterListState {
  const { intervalMs = DEFAULT_REFRESH_INTERVAL_MS } = options;
  const api = useApi(kpaasApiRef);
  const [state, setState] = useState<Omit<ClusterListState, 'reload'>>({
    loading: true,
    reloading: true,
  });
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
    let clusters: ClusterSummary[] | undefined;
    let error: Error | undefined;
    try {
      clusters = await api.listClusters({ signal: abort.signal });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    if (mine !== generation.current) return;
    loadedAt.current = Date.now();
    setState(s => ({
      loading: false,
      reloading: false,
      clusters: clusters ?? s.clusters,
      error,
    }));
  }, [api]);

  useEffect(() => {
    reload();
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, intervalMs);
    const onVisibilityChange = () => {
      const stale =
        loadedAt.current === undefined ||
        Date.now() - loadedAt.current >= intervalMs;
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

  return { ...state, reload };
}
