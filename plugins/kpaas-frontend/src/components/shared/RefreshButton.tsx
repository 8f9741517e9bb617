import IconButton from '@material-ui/core/IconButton';
import Tooltip from '@material-ui/core/Tooltip';
import RefreshIcon from '@material-ui/icons/Refresh';
import { usePermission } from '@backstage/plugin-permission-react';
import { kpaasClusterRefreshPermission } from '@internal/plugin-kpaas-common';

/**
 * Manual refresh. With kpaas.cluster.refresh it asks the backend to check the cluster now;
 * without it, it only re-reads the last check.
 */
export function RefreshButton(props: {
  /** The cluster, the resource the refresh permission is checked on. */
  clusterName: string;
  busy: boolean;
  onRefresh: (askBackend: boolean) => void;
}) {
  const { allowed, loading } = usePermission({
    permission: kpaasClusterRefreshPermission,
    resourceRef: props.clusterName,
  });
  const title = allowed
    ? 'Check the cluster now'
    : 'Reload the last check (checking now needs kpaas.cluster.refresh)';
  return (
    <Tooltip title={title}>
      <span>
        <IconButton
          aria-label="Refresh cluster status"
          disabled={props.busy || loading}
          onClick={() => props.onRefresh(allowed)}
        >
          <RefreshIcon />
        </IconButton>
      </span>
    </Tooltip>
  );
}
