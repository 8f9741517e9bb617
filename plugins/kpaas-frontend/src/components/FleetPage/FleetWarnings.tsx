import { useState } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  StatusError,
  StatusWarning,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type {
  FleetOperationsResponse,
  FleetOperationsWarning,
} from '@internal/plugin-kpaas-common';
import { ResponseError } from '@backstage/errors';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { kpaasApiRef } from '../../api';

/** Rows shown before "Show all". */
export const FLEET_WARNINGS_SHOWN = 10;

const KIND: Record<FleetOperationsWarning['kind'], string> = {
  backup: 'Backup',
  expiry: 'Expiry',
  version: 'Version',
  skew: 'Version skew',
};

/** The cluster's Cluster tab (the Operations section), or its name when it has no entity. */
function ClusterLink(props: { cluster: string; entityRef?: string }) {
  const linkTo = useEntityRefLink();
  let href: string | undefined;
  try {
    href = props.entityRef ? `${linkTo(props.entityRef)}/kpaas` : undefined;
  } catch {
    href = undefined;
  }
  return href ? (
    <Link to={href} data-testid="fleet-warning-cluster">
      {props.cluster}
    </Link>
  ) : (
    <span data-testid="fleet-warning-cluster">{props.cluster}</span>
  );
}

/** Pure: the warnings as answered, and each cluster's entity ref (from the fleet list). */
export function FleetWarningsView(props: {
  ops: FleetOperationsResponse;
  entityRefs: Readonly<Record<string, string | undefined>>;
}) {
  const { ops, entityRefs } = props;
  const [all, setAll] = useState(false);
  const shown = all ? ops.items : ops.items.slice(0, FLEET_WARNINGS_SHOWN);
  const critical = ops.items.filter(w => w.severity === 'critical').length;
  return (
    <>
      <Typography
        variant="body2"
        gutterBottom
        data-testid="fleet-warnings-count"
      >
        {ops.items.length === 0
          ? 'No backup, expiry or version warnings on the clusters checked.'
          : `${ops.items.length} ${
              ops.items.length === 1 ? 'warning' : 'warnings'
            } (${critical} critical), most severe and soonest first.`}
      </Typography>
      {ops.items.length > 0 && (
        <Table size="small" aria-label="Operations warnings">
          <TableHead>
            <TableRow>
              {['Severity', 'Cluster', 'What', 'Details and action'].map(h => (
                <TableCell
                  key={h}
                  data-testid="fleet-warnings-header"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  {h}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.map(w => (
              <TableRow
                key={`${w.cluster}/${w.kind}/${w.subject}`}
                data-testid="fleet-warning"
              >
                <TableCell style={{ whiteSpace: 'nowrap' }}>
                  {w.severity === 'critical' ? (
                    <StatusError>Critical</StatusError>
                  ) : (
                    <StatusWarning>Warning</StatusWarning>
                  )}
                </TableCell>
                <TableCell style={{ whiteSpace: 'nowrap' }}>
                  <ClusterLink
                    cluster={w.cluster}
                    entityRef={entityRefs[w.cluster]}
                  />
                </TableCell>
                <TableCell>
                  <Typography variant="body2">{w.subject}</Typography>
                  <Typography variant="caption" color="textSecondary">
                    {KIND[w.kind]}
                  </Typography>
                </TableCell>
                <TableCell>
                  <Typography variant="body2">{w.message}</Typography>
                  <Typography variant="caption" color="textSecondary">
                    Action: {w.action}
                  </Typography>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {!all && ops.items.length > FLEET_WARNINGS_SHOWN && (
        <Box mt={1}>
          <Button size="small" color="primary" onClick={() => setAll(true)}>
            Show all {ops.items.length} warnings
          </Button>
        </Box>
      )}
      {ops.unavailable.length > 0 && (
        <Box mt={1} data-testid="fleet-warnings-unavailable">
          {ops.unavailable.map(u => (
            <Typography key={u.cluster} variant="caption" display="block">
              Not checked: {u.cluster} ({u.reason})
            </Typography>
          ))}
        </Box>
      )}
    </>
  );
}

/**
 * The fleet's Operations warnings (backups, expiries, version end of life) from one
 * `GET /fleet/operations`, each linking to its cluster's Operations section.
 */
export function FleetWarnings(props: {
  entityRefs: Readonly<Record<string, string | undefined>>;
}) {
  const api = useApi(kpaasApiRef);
  const state = useAsyncRetry(() => api.getFleetOperations(), [api]);
  let body;
  if (state.loading && !state.value) {
    body = <Progress />;
  } else if (state.error) {
    body = (
      <Box data-testid="fleet-warnings-error">
        <Typography variant="body2" color="error">
          The operations warnings could not be read:{' '}
          {state.error instanceof ResponseError
            ? state.error.body.error.message
            : state.error.message}
        </Typography>
        <Button size="small" color="primary" onClick={state.retry}>
          Retry
        </Button>
      </Box>
    );
  } else if (state.value) {
    body = (
      <FleetWarningsView ops={state.value} entityRefs={props.entityRefs} />
    );
  }
  return (
    <Box mb={3} data-testid="fleet-warnings">
      <InfoCard title="Operations warnings">{body}</InfoCard>
    </Box>
  );
}
