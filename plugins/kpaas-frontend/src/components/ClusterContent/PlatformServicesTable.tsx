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
import type {
  AddonStatus,
  PlatformLinkStatus,
} from '@internal/plugin-kpaas-common';
import {
  routeName,
  routeReadinessOf,
  tlsExpiresSoon,
  tlsText,
} from '../shared/PlatformLinks';
import { compactColumns } from '../shared/compactColumns';

function RouteCell(props: {
  link: PlatformLinkStatus;
  addons: readonly AddonStatus[];
}) {
  const { link, addons } = props;
  if (!link.route) return null;
  const readiness = routeReadinessOf(link, addons);
  let state = null;
  if (link.route.kind === 'HTTPRoute') {
    if (!readiness) state = <StatusPending>not judged yet</StatusPending>;
    else if (readiness.ready)
      state = <StatusOK>Accepted, refs resolved</StatusOK>;
    else state = <StatusError>{readiness.reason}</StatusError>;
  }
  return (
    <Box data-testid="platform-service-route">
      <Typography variant="body2">{routeName(link.route)}</Typography>
      {state}
    </Box>
  );
}

const columnsFor = (
  addons: readonly AddonStatus[],
): TableColumn<PlatformLinkStatus>[] => [
  { title: 'Service', field: 'title', highlight: true },
  {
    title: 'URL',
    field: 'url',
    render: link => (
      <Link
        to={link.url}
        data-testid="platform-service-link"
        style={{ whiteSpace: 'nowrap' }}
      >
        {link.url}
      </Link>
    ),
  },
  {
    title: 'Route',
    sorting: false,
    render: link => <RouteCell link={link} addons={addons} />,
  },
  {
    title: 'HTTP',
    render: link => {
      const probe = link.probe;
      if (!probe) return <StatusPending>not probed yet</StatusPending>;
      // The error itself is in the Probe error column.
      const text =
        probe.httpStatus !== undefined ? `${probe.httpStatus}` : 'no answer';
      return (
        <span style={{ whiteSpace: 'nowrap' }}>
          {probe.ok ? (
            <StatusOK>{text}</StatusOK>
          ) : (
            <StatusError>{text}</StatusError>
          )}
        </span>
      );
    },
  },
  {
    title: 'Latency',
    customSort: (a, b) =>
      (a.probe?.latencyMs ?? Infinity) - (b.probe?.latencyMs ?? Infinity),
    render: link =>
      link.probe?.latencyMs !== undefined
        ? `${Math.round(link.probe.latencyMs)} ms`
        : '',
  },
  {
    title: 'TLS',
    render: link => {
      const days = link.probe?.tlsExpiresInDays;
      if (days === undefined)
        return link.url.startsWith('https:') ? 'unknown' : 'no TLS';
      return tlsExpiresSoon(link.probe) ? (
        <StatusWarning>{tlsText(days)}</StatusWarning>
      ) : (
        tlsText(days)
      );
    },
  },
  {
    title: 'Probe error',
    sorting: false,
    // A long host name or config key breaks only when it cannot fit the table at all.
    cellStyle: { overflowWrap: 'break-word' },
    render: link =>
      link.probe?.error ? (
        <Typography variant="body2" color="error">
          {link.probe.error}
        </Typography>
      ) : null,
  },
];

/**
 * The cluster's platform services: the route each is served by (an HTTPRoute with its Gateway
 * API conditions, or an Ingress) and the backend's HTTP/TLS probe of each.
 */
export function PlatformServicesTable(props: {
  links: PlatformLinkStatus[];
  /** The add-ons, whose judged Gateway API objects give each HTTPRoute's state */
  addons?: AddonStatus[];
}) {
  return (
    <Table<PlatformLinkStatus>
      title="Platform services"
      columns={compactColumns(columnsFor(props.addons ?? []))}
      data={props.links}
      options={{ search: false, paging: false, padding: 'dense' }}
      emptyContent={
        <Box p={2}>
          <Typography variant="body2">
            No platform services: add-ons with a web UI (Grafana, Argo CD, ...)
            list theirs here once installed and routed (an HTTPRoute on the
            cluster Gateway, or an Ingress).
          </Typography>
        </Box>
      }
    />
  );
}
