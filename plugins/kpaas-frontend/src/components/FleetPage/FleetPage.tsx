import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Content,
  EmptyState,
  LinkButton,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import IconButton from '@material-ui/core/IconButton';
import TextField from '@material-ui/core/TextField';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import AddIcon from '@material-ui/icons/Add';
import RefreshIcon from '@material-ui/icons/Refresh';
import { useClusterList } from '../../hooks/useClusterList';
import {
  countByHealth,
  filterFleet,
  FleetFilters,
  fleetRows,
  HEALTH_ORDER,
} from './fleetRows';
import { FleetTable } from './FleetTable';
import { FleetWarnings } from './FleetWarnings';

/** @public */
export interface FleetPageProps {
  /** Where "Create cluster" goes: the scaffolder (default `/create`). */
  createPath?: string;
}

const FILTER_KEYS = {
  health: 'health',
  environment: 'environment',
  text: 'q',
} as const;

/** Filters live in the query string (`?health=Degraded&environment=production&q=web`). */
function useFleetFilters(): [
  FleetFilters,
  (change: Partial<FleetFilters>) => void,
] {
  const [params, setParams] = useSearchParams();
  const filters: FleetFilters = {
    health: params.get(FILTER_KEYS.health) ?? '',
    environment: params.get(FILTER_KEYS.environment) ?? '',
    text: params.get(FILTER_KEYS.text) ?? '',
  };
  const update = (change: Partial<FleetFilters>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(change)) {
      const name = FILTER_KEYS[key as keyof FleetFilters];
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  return [filters, update];
}

/**
 * The fleet: the Operations warnings of every cluster (one `GET /fleet/operations`), then every
 * registered cluster the user may read, from one `GET /clusters`, with health
 * and its reason, version, nodes, add-ons, owner, environment, target and last check; sortable,
 * filterable by health, environment and text, re-read every 30 s while visible.
 * @public
 */
export function FleetPage(props: FleetPageProps) {
  const { createPath = '/create' } = props;
  const list = useClusterList();
  const [filters, setFilters] = useFleetFilters();

  const rows = useMemo(() => fleetRows(list.clusters ?? []), [list.clusters]);
  const visible = useMemo(
    () => filterFleet(rows, filters),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rows, filters.health, filters.environment, filters.text],
  );
  const environments = useMemo(
    () => [...new Set(rows.map(r => r.environment).filter(Boolean))].sort(),
    [rows],
  );
  const counts = useMemo(() => countByHealth(rows), [rows]);
  const entityRefs = useMemo(
    () =>
      Object.fromEntries((list.clusters ?? []).map(c => [c.name, c.entityRef])),
    [list.clusters],
  );

  const createButton = (
    <LinkButton
      to={createPath}
      color="primary"
      variant="contained"
      startIcon={<AddIcon />}
      data-testid="fleet-create"
    >
      Create cluster
    </LinkButton>
  );

  let body;
  if (list.loading) {
    body = <Progress />;
  } else if (!list.clusters && list.error) {
    body = (
      <Box data-testid="fleet-error">
        <ResponseErrorPanel
          error={list.error}
          title="Could not load the clusters"
        />
        <Box mt={1}>
          <Button
            variant="outlined"
            color="primary"
            onClick={() => list.reload()}
          >
            Retry
          </Button>
        </Box>
      </Box>
    );
  } else if (rows.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No clusters registered yet"
        description="A cluster appears here once the kpaas-cluster template has provisioned and registered it (its bootstrap step), or when it is listed under kpaas.clusters in app-config. Clusters you may not read are not listed."
        action={createButton}
      />
    );
  } else {
    body = (
      <>
        <FleetWarnings entityRefs={entityRefs} />
        <Box
          display="flex"
          flexWrap="wrap"
          alignItems="center"
          mb={2}
          style={{ gap: 16 }}
        >
          <TextField
            label="Search"
            placeholder="name, owner, reason…"
            value={filters.text}
            onChange={e => setFilters({ text: e.target.value })}
            size="small"
            variant="outlined"
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'aria-label': 'Search clusters' }}
          />
          <TextField
            select
            label="Health"
            value={filters.health}
            onChange={e => setFilters({ health: e.target.value })}
            size="small"
            variant="outlined"
            SelectProps={{ native: true }}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'aria-label': 'Filter by health' }}
          >
            <option value="">All</option>
            {HEALTH_ORDER.map(state => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </TextField>
          <TextField
            select
            label="Environment"
            value={filters.environment}
            onChange={e => setFilters({ environment: e.target.value })}
            size="small"
            variant="outlined"
            SelectProps={{ native: true }}
            InputLabelProps={{ shrink: true }}
            inputProps={{ 'aria-label': 'Filter by environment' }}
          >
            <option value="">All</option>
            {environments.map(env => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </TextField>
          <Typography variant="body2" data-testid="fleet-counts">
            {rows.length} {rows.length === 1 ? 'cluster' : 'clusters'}
            {counts.length > 0 &&
              `: ${counts.map(c => `${c.count} ${c.state}`).join(', ')}`}
          </Typography>
          {visible.length !== rows.length && (
            <Typography
              variant="body2"
              color="textSecondary"
              data-testid="fleet-shown-count"
            >
              showing {visible.length} of {rows.length}
            </Typography>
          )}
          <Box flexGrow={1} />
          <Tooltip title="Re-read the list">
            <span>
              <IconButton
                aria-label="Reload clusters"
                onClick={() => list.reload()}
                disabled={list.reloading}
              >
                <RefreshIcon />
              </IconButton>
            </span>
          </Tooltip>
          {createButton}
        </Box>
        {list.error && (
          <Typography
            variant="body2"
            color="error"
            data-testid="fleet-stale-error"
          >
            The last reload failed ({list.error.message}); showing the previous
            list.
          </Typography>
        )}
        <FleetTable
          rows={visible}
          emptyText="No cluster matches the search and filters: clear them to see all clusters."
        />
      </>
    );
  }
  return <Content>{body}</Content>;
}
