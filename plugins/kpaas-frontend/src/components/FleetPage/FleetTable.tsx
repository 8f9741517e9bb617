import { useMemo } from 'react';
import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useEntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import type { ClusterSummary } from '@internal/plugin-kpaas-common';
import { compactColumns } from '../shared/compactColumns';
import { LastChecked } from '../shared/LastChecked';
import { compareNumbers, FleetRow } from './fleetRows';

const STATUS_COMPONENT = {
  Healthy: StatusOK,
  Degraded: StatusWarning,
  Unreachable: StatusError,
  Provisioning: StatusPending,
} as const;

const nowrap = { whiteSpace: 'nowrap' } as const;
/**
 * Fills the cell without asking for room: a truncated text (reason, owner) neither widens its
 * column nor the table; the column gets its width from the other cells and the space left.
 */
const fillCell = { width: 0, minWidth: '100%' } as const;

function EntityLink(props: {
  entityRef?: string;
  children: string;
  testId: string;
}) {
  const { entityRef, children, testId } = props;
  const linkTo = useEntityRefLink();
  let href: string | undefined;
  try {
    href = entityRef ? linkTo(entityRef) : undefined;
  } catch {
    href = undefined; // not an entity ref: shown as text
  }
  return href ? (
    <Link to={href} data-testid={testId} style={nowrap}>
      {children}
    </Link>
  ) : (
    <span data-testid={testId} style={nowrap}>
      {children}
    </span>
  );
}

function HealthCell(props: { summary: ClusterSummary }) {
  const { state, reason, stale } = props.summary;
  const Status = STATUS_COMPONENT[state] ?? StatusWarning;
  return (
    <Box minWidth={150}>
      <span
        data-testid="fleet-health"
        aria-label={`Cluster health: ${state}`}
        style={nowrap}
      >
        <Status>{state}</Status>
      </span>
      {stale && (
        <Typography variant="caption" color="textSecondary">
          {' '}
          (last check incomplete)
        </Typography>
      )}
      {reason && (
        <Tooltip title={reason}>
          <Typography
            variant="body2"
            color="textSecondary"
            noWrap
            data-testid="fleet-health-reason"
            style={fillCell}
          >
            {reason}
          </Typography>
        </Tooltip>
      )}
    </Box>
  );
}

function Ratio(props: { part: number; total: number; word: string }) {
  const { part, total, word } = props;
  if (total === 0) {
    return (
      <Typography variant="body2" color="textSecondary" style={nowrap}>
        none
      </Typography>
    );
  }
  return (
    <Typography
      variant="body2"
      color={part < total ? 'error' : 'textPrimary'}
      style={nowrap}
    >
      {part}/{total} {word}
    </Typography>
  );
}

/** What does not need a column: API server, control planes, source, full reason. */
function FleetRowDetails(props: { summary: ClusterSummary }) {
  const s = props.summary;
  const items: Array<[string, string]> = [
    ['API server', s.apiServerUrl],
    [
      'Control planes ready',
      `${s.controlPlanes.ready}/${s.controlPlanes.total}`,
    ],
    [
      'Registered by',
      s.source === 'config'
        ? 'app-config (kpaas.clusters)'
        : 'the kpaas-cluster template',
    ],
    ['Owner', s.owner ?? 'unknown'],
    ['Last check', s.checkedAt ?? 'not checked yet'],
    ['Reason', s.reason ?? '–'],
  ];
  return (
    <Box px={7} py={1} data-testid="fleet-row-details">
      {items.map(([label, value]) => (
        <Typography key={label} variant="body2">
          <strong>{label}:</strong> {value}
        </Typography>
      ))}
    </Box>
  );
}

/** The fleet's table (paginated, so 500 clusters render 50 rows at a time). */
export function FleetTable(props: { rows: FleetRow[]; emptyText: string }) {
  const { rows, emptyText } = props;
  const columns = useMemo<TableColumn<FleetRow>[]>(
    () =>
      compactColumns<FleetRow>([
        {
          title: 'Cluster',
          field: 'name',
          highlight: true,
          render: row => (
            <EntityLink
              entityRef={row.summary.entityRef}
              testId="fleet-cluster-name"
            >
              {row.name}
            </EntityLink>
          ),
        },
        {
          title: 'Health',
          field: 'healthRank',
          customSort: (a, b) =>
            a.healthRank - b.healthRank || a.name.localeCompare(b.name, 'en'),
          render: row => <HealthCell summary={row.summary} />,
        },
        {
          title: 'K8s',
          tooltip: 'Kubernetes version (the API server reports it)',
          field: 'summary.kubernetesVersion',
          customSort: (a, b) =>
            (a.summary.kubernetesVersion ?? '').localeCompare(
              b.summary.kubernetesVersion ?? '',
              'en',
              { numeric: true },
            ),
          render: row => (
            <span style={nowrap} data-testid="fleet-version">
              {row.summary.kubernetesVersion ?? 'unknown'}
            </span>
          ),
        },
        {
          title: 'Nodes',
          field: 'nodesReady',
          customSort: (a, b) =>
            compareNumbers(a.nodesReady, b.nodesReady) ||
            a.summary.nodes.total - b.summary.nodes.total,
          render: row => (
            <span data-testid="fleet-nodes">
              <Ratio
                part={row.summary.nodes.ready}
                total={row.summary.nodes.total}
                word="ready"
              />
            </span>
          ),
        },
        {
          title: 'Add-ons',
          field: 'addonsHealthy',
          customSort: (a, b) =>
            compareNumbers(a.addonsHealthy, b.addonsHealthy) ||
            a.summary.addons.total - b.summary.addons.total,
          render: row => (
            <span data-testid="fleet-addons">
              <Ratio
                part={row.summary.addons.healthy}
                total={row.summary.addons.total}
                word="healthy"
              />
            </span>
          ),
        },
        {
          title: 'Owner',
          field: 'ownerName',
          render: row =>
            row.summary.owner ? (
              <Box minWidth={110}>
                <Tooltip title={row.summary.owner}>
                  <Box
                    overflow="hidden"
                    textOverflow="ellipsis"
                    style={{ ...nowrap, ...fillCell }}
                  >
                    <EntityLink
                      entityRef={row.summary.owner}
                      testId="fleet-owner"
                    >
                      {row.ownerName}
                    </EntityLink>
                  </Box>
                </Tooltip>
              </Box>
            ) : (
              ''
            ),
        },
        {
          // Environment and target share a column: nine columns do not fit 1280 px.
          title: 'Environment',
          field: 'environment',
          customSort: (a, b) =>
            a.environment.localeCompare(b.environment, 'en') ||
            a.target.localeCompare(b.target, 'en'),
          render: row => (
            <>
              <Typography
                variant="body2"
                style={nowrap}
                data-testid="fleet-environment"
              >
                {row.environment}
              </Typography>
              <Typography
                variant="caption"
                color="textSecondary"
                style={nowrap}
                data-testid="fleet-target"
                title="Target"
              >
                {row.target}
              </Typography>
            </>
          ),
        },
        {
          title: 'Checked',
          field: 'checkedAt',
          // Most recent first when ascending is what nobody wants: oldest (stalest) first.
          customSort: (a, b) => compareNumbers(a.checkedAt, b.checkedAt),
          render: row => (
            <span style={nowrap}>
              <LastChecked at={row.summary.checkedAt} />
            </span>
          ),
        },
      ]),
    [],
  );

  return (
    <Box data-testid="fleet-table">
      <Table<FleetRow>
        columns={columns}
        data={rows}
        detailPanel={({ rowData }) => (
          <FleetRowDetails summary={rowData.summary} />
        )}
        options={{
          search: false,
          toolbar: false,
          paging: true,
          pageSize: 50,
          pageSizeOptions: [20, 50, 100],
          padding: 'dense',
          emptyRowsWhenPaging: false,
        }}
        emptyContent={
          <Box p={2}>
            <Typography variant="body2">{emptyText}</Typography>
          </Box>
        }
      />
    </Box>
  );
}
