import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { AddonState, AddonStatus } from '@internal/plugin-kpaas-common';
import { retiredText, routeName } from '../shared/PlatformLinks';
import { compactColumns } from '../shared/compactColumns';

const STATE_COMPONENT: Record<AddonState, typeof StatusOK> = {
  Healthy: StatusOK,
  Progressing: StatusPending,
  Degraded: StatusWarning,
  Missing: StatusError,
};

/** True when both versions are known and differ (the chart running is not the one declared). */
export function versionMismatch(addon: AddonStatus): boolean {
  return Boolean(
    addon.declaredVersion &&
      addon.runningVersion &&
      addon.declaredVersion !== addon.runningVersion,
  );
}

function ChartVersion(props: { addon: AddonStatus }) {
  const { addon } = props;
  if (versionMismatch(addon)) {
    return (
      <span data-testid="addon-version-mismatch">
        <StatusWarning>
          {addon.runningVersion} running, {addon.declaredVersion} declared
        </StatusWarning>
      </span>
    );
  }
  return (
    <Typography variant="body2">
      {addon.runningVersion ?? addon.declaredVersion ?? 'unknown'}
      {!addon.runningVersion && addon.declaredVersion
        ? ' declared, not running'
        : ''}
    </Typography>
  );
}

const columns: TableColumn<AddonStatus>[] = [
  {
    title: 'Add-on',
    field: 'title',
    highlight: true,
    render: addon => (
      <>
        <span data-testid="addon-title">{addon.title}</span>
        <Typography variant="caption" color="textSecondary" component="div">
          {addon.id}
        </Typography>
        {addon.retired && (
          <Typography
            variant="caption"
            color="error"
            component="div"
            data-testid="addon-retired"
          >
            <Link to={addon.retired.url}>{retiredText(addon)}</Link>
          </Typography>
        )}
      </>
    ),
  },
  { title: 'Namespace', field: 'namespace' },
  {
    title: 'Chart version',
    field: 'runningVersion',
    render: addon => <ChartVersion addon={addon} />,
  },
  {
    title: 'Workloads',
    customSort: (a, b) =>
      a.workloads.ready / (a.workloads.total || 1) -
      b.workloads.ready / (b.workloads.total || 1),
    render: addon => `${addon.workloads.ready}/${addon.workloads.total} ready`,
  },
  {
    title: 'State',
    field: 'state',
    render: addon => {
      const Status = STATE_COMPONENT[addon.state] ?? StatusWarning;
      return (
        <Box data-testid="addon-state">
          <Status>{addon.state}</Status>
          {addon.reason && (
            <Typography variant="caption" color="textSecondary" component="div">
              {addon.reason}
            </Typography>
          )}
          {addon.routes
            ?.filter(r => r.kind === 'Gateway' && r.ready)
            .map(r => (
              <Typography
                key={routeName(r)}
                variant="caption"
                component="div"
                data-testid="addon-gateway"
              >
                {routeName(r)} Programmed
                {r.addresses?.length ? ` on ${r.addresses.join(', ')}` : ''}
              </Typography>
            ))}
        </Box>
      );
    },
  },
  {
    title: 'UI',
    sorting: false,
    render: addon =>
      addon.uiUrl ? (
        <Link to={addon.uiUrl} aria-label={`Open ${addon.title}`}>
          Open
        </Link>
      ) : null,
  },
];

/** Add-ons of the cluster's spec with declared vs running chart versions and readiness. */
export function AddonsTable(props: { addons: AddonStatus[] }) {
  return (
    <Table<AddonStatus>
      title="Add-ons"
      columns={compactColumns(columns)}
      data={props.addons}
      options={{ search: false, paging: false, padding: 'dense' }}
      emptyContent={
        <Box p={2}>
          <Typography variant="body2">
            This cluster declares no add-ons: list them under `addons` in its
            cluster.yaml and re-run the template's add-ons step.
          </Typography>
        </Box>
      }
    />
  );
}
