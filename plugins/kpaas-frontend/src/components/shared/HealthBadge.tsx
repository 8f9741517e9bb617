import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import type { ClusterHealthState } from '@internal/plugin-kpaas-common';

const STATUS_COMPONENT = {
  Healthy: StatusOK,
  Degraded: StatusWarning,
  Unreachable: StatusError,
  Provisioning: StatusPending,
} as const;

/** Health of a cluster with the backend's reason. Test id `cluster-health` holds the state. */
export function HealthBadge(props: { state: ClusterHealthState; reason?: string }) {
  const { state, reason } = props;
  const Status = STATUS_COMPONENT[state] ?? StatusWarning;
  return (
    <div>
      <Typography component="span" variant="subtitle1">
        <span data-testid="cluster-health" aria-label={`Cluster health: ${state}`}>
          <Status>{state}</Status>
        </span>
      </Typography>
      {reason && (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="cluster-health-reason"
        >
          {reason}
        </Typography>
      )}
    </div>
  );
}
