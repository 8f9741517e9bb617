import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import { errorReason, responseStatus } from '../../api';

/**
 * What to show when the status could not be read: a "what to do" empty state for the two
 * expected cases (not registered yet, not allowed), else the backend's error with a retry.
 */
export function ClusterLoadError(props: {
  clusterName: string;
  error: Error;
  onRetry: () => void;
}) {
  const { clusterName, error, onRetry } = props;
  const retry = (
    <Button variant="outlined" color="primary" onClick={onRetry}>
      Retry
    </Button>
  );
  const status = responseStatus(error);
  if (status === 404) {
    return (
      <EmptyState
        missing="data"
        title={`Cluster ${clusterName} is not registered yet`}
        description={
          <>
            kpaas has no status for this cluster because it is not registered yet: the bootstrap
            step registers it once the API server answers. If the template run is still going,
            wait for its bootstrap step; if it failed, re-run it from the task log.
          </>
        }
        action={retry}
      />
    );
  }
  if (status === 403) {
    return (
      <EmptyState
        missing="info"
        title="You are not allowed to see this cluster"
        description={`The kpaas backend refused to show ${clusterName}: ${errorReason(error)}. Ask a platform admin for the kpaas.cluster.read permission.`}
      />
    );
  }
  return (
    <Box>
      <ResponseErrorPanel error={error} title={`Could not load the status of ${clusterName}`} />
      <Box mt={1}>{retry}</Box>
    </Box>
  );
}

/** Shown by RequirePermission when the user lacks kpaas.cluster.read. */
export function ReadPermissionMissing() {
  return (
    <EmptyState
      missing="info"
      title="You are not allowed to see this cluster"
      description="Viewing kpaas clusters needs the kpaas.cluster.read permission: ask a platform admin to grant it."
    />
  );
}
