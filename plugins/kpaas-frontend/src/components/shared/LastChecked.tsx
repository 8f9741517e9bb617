import { useEffect, useState } from 'react';
import { formatAgo } from './format';

/**
 * "12 s ago", re-rendered on its own every few seconds so the rest of the page (and a
 * 1000-row table) does not re-render with it.
 */
export function LastChecked(props: { at?: string; tickMs?: number }) {
  const { at, tickMs = 5_000 } = props;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  const ago = formatAgo(at, Math.max(now, Date.now()));
  return (
    <span data-testid="cluster-last-checked" title={at}>
      {ago ?? 'not checked yet'}
    </span>
  );
}
