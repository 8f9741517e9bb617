import Typography from '@material-ui/core/Typography';
import type { ClusterStatus } from '@internal/plugin-kpaas-common';
import { errorReason } from '../../api';

/**
 * Why the figures on screen may be old: the last read failed (we keep the last good answer),
 * the backend's last refresh was incomplete, or a manual refresh was rate-limited.
 */
export function StatusNotices(props: {
  status: ClusterStatus;
  error?: Error;
  refreshNotice?: string;
}) {
  const { status, error, refreshNotice } = props;
  return (
    <>
      {error && (
        <Typography variant="body2" color="error" data-testid="cluster-stale-warning">
          Showing the last good check: the latest read failed ({errorReason(error)}).
        </Typography>
      )}
      {status.stale && (
        <Typography variant="body2" color="error" data-testid="cluster-status-stale">
          These figures are from the last complete check
          {status.staleReason ? `: the newest one failed (${status.staleReason})` : ''}.
        </Typography>
      )}
      {refreshNotice && (
        <Typography variant="body2" color="textSecondary" data-testid="cluster-refresh-notice">
          {refreshNotice}
        </Typography>
      )}
    </>
  );
}
