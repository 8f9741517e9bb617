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
import type { PlatformLinkStatus } from '@internal/plugin-kpaas-common';
import { tlsExpiresSoon, tlsText } from '../shared/PlatformLinks';

const columns: TableColumn<PlatformLinkStatus>[] = [
  { title: 'Service', field: 'title', highlight: true },
  {
    title: 'URL',
    field: 'url',
    render: link => (
      <Link to={link.url} data-testid="platform-service-link">
        {link.url}
      </Link>
    ),
  },
  {
    title: 'HTTP',
    render: link => {
      const probe = link.probe;
      if (!probe) return <StatusPending>not probed yet</StatusPending>;
      const text = probe.httpStatus !== undefined ? `${probe.httpStatus}` : probe.error ?? 'no answer';
      return probe.ok ? <StatusOK>{text}</StatusOK> : <StatusError>{text}</StatusError>;
    },
  },
  {
    title: 'Latency',
    customSort: (a, b) => (a.probe?.latencyMs ?? Infinity) - (b.probe?.latencyMs ?? Infinity),
    render: link =>
      link.probe?.latencyMs !== undefined ? `${Math.round(link.probe.latencyMs)} ms` : '',
  },
  {
    title: 'TLS',
    render: link => {
      const days = link.probe?.tlsExpiresInDays;
      if (days === undefined) return link.url.startsWith('https:') ? 'unknown' : 'no TLS';
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
    render: link =>
      link.probe?.error ? (
        <Typography variant="body2" color="error">
          {link.probe.error}
        </Typography>
      ) : null,
  },
];

/** The cluster's platform services with the backend's HTTP/TLS probe of each. */
export function PlatformServicesTable(props: { links: PlatformLinkStatus[] }) {
  return (
    <Table<PlatformLinkStatus>
      title="Platform services"
      columns={columns}
      data={props.links}
      options={{ search: false, paging: false, padding: 'dense' }}
      emptyContent={
        <Box p={2}>
          <Typography variant="body2">
            No platform services: add-ons with a web UI (Grafana, Argo CD, ...) list theirs here
            once installed with an ingress host.
          </Typography>
        </Box>
      }
    />
  );
}
