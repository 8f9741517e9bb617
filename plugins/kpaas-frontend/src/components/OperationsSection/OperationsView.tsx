import {
  InfoCard,
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type {
  BackupStatus,
  ClusterOperationsResponse,
  ExpiryItem,
  VersionSupport,
} from '@internal/plugin-kpaas-common';
import type { ReactNode } from 'react';
import { formatAgo, formatElapsed } from '../shared/format';

/*
 * The Operations section of the Cluster tab: etcd backups, expiries soonest first, version
 * support with a countdown; each with the action it leads to. Pure: the data and the clock in.
 */

type Level = 'ok' | 'warning' | 'error';

function Status(props: { level: Level; children: ReactNode }) {
  if (props.level === 'ok') return <StatusOK>{props.children}</StatusOK>;
  if (props.level === 'warning')
    return <StatusWarning>{props.children}</StatusWarning>;
  return <StatusError>{props.children}</StatusError>;
}

const BACKUP_LEVEL: Record<BackupStatus['state'], Level> = {
  fresh: 'ok',
  never: 'warning',
  'not-configured': 'warning',
  stale: 'error',
  failing: 'error',
};
const BACKUP_WORD: Record<BackupStatus['state'], string> = {
  fresh: 'Fresh',
  never: 'No backup yet',
  'not-configured': 'Not configured',
  stale: 'Stale',
  failing: 'Failing',
};

function formatBytes(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "in 3 h" / "5 d ago" */
function relative(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  return t >= now ? `in ${formatElapsed(t - now)}` : formatAgo(iso, now);
}

export function BackupsCard(props: { backup: BackupStatus; now: number }) {
  const { backup: b, now } = props;
  const rows: Array<[string, string | undefined]> = [
    [
      'Last success',
      b.lastSuccessAt
        ? `${b.lastSuccessAt} (${formatAgo(b.lastSuccessAt, now)})`
        : undefined,
    ],
    ['Size', formatBytes(b.sizeBytes)],
    ['Object', b.object],
    ['Schedule', b.schedule ? `${b.schedule} (UTC)` : undefined],
    [
      'Next run',
      b.nextRunAt
        ? `${b.nextRunAt} (${relative(b.nextRunAt, now)})`
        : undefined,
    ],
    ['Target', b.target],
  ];
  return (
    <InfoCard title="etcd backups">
      <Typography variant="body2" gutterBottom data-testid="operations-backup">
        <Status level={BACKUP_LEVEL[b.state]}>{BACKUP_WORD[b.state]}</Status>{' '}
        {b.message}
      </Typography>
      <Table size="small" aria-label="Backup">
        <TableBody>
          {rows
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => (
              <TableRow key={k}>
                <TableCell component="th">{k}</TableCell>
                <TableCell>{v}</TableCell>
              </TableRow>
            ))}
        </TableBody>
      </Table>
      {b.failures.length > 0 && (
        <Table size="small" aria-label="Failed backup runs">
          <TableHead>
            <TableRow>
              <TableCell>Failed run</TableCell>
              <TableCell>When</TableCell>
              <TableCell>Why</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {b.failures.map(f => (
              <TableRow key={f.job}>
                <TableCell>{f.job}</TableCell>
                <TableCell>{formatAgo(f.at, now) ?? f.at}</TableCell>
                <TableCell>{f.reason}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Typography variant="body2">Action: {b.action}</Typography>
    </InfoCard>
  );
}

const EXPIRY_LEVEL: Record<ExpiryItem['state'], Level> = {
  ok: 'ok',
  warning: 'warning',
  critical: 'error',
  expired: 'error',
};
const SOURCE: Record<ExpiryItem['source'], string> = {
  'tls-handshake': 'TLS handshake',
  'kubeadm-collector': 'kubeadm (collector)',
  'cert-manager': 'cert-manager',
  'kubelet-collector': 'kubelet (collector)',
  'service-account-token': 'token exp claim',
};

export function ExpiriesCard(props: {
  expiries: ExpiryItem[];
  unavailable: string[];
}) {
  return (
    <InfoCard title="Certificate expiry">
      {props.expiries.length === 0 ? (
        <Typography variant="body2">No expiry observed yet.</Typography>
      ) : (
        <Table size="small" aria-label="Expiries">
          <TableHead>
            <TableRow>
              <TableCell>Certificate</TableCell>
              <TableCell>Expires</TableCell>
              <TableCell>Source</TableCell>
              <TableCell>Action</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {props.expiries.map(e => (
              <TableRow key={`${e.source}/${e.name}`} data-testid="expiry-row">
                <TableCell data-testid="expiry-name">{e.name}</TableCell>
                <TableCell
                  data-testid="expiry-when"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  <Status level={EXPIRY_LEVEL[e.state]}>
                    {e.state === 'expired'
                      ? `expired ${e.notAfter.slice(0, 10)}`
                      : `${e.daysLeft} days (${e.notAfter.slice(0, 10)})`}
                  </Status>
                </TableCell>
                <TableCell
                  data-testid="expiry-source"
                  style={{ whiteSpace: 'nowrap' }}
                >
                  {SOURCE[e.source]}
                </TableCell>
                <TableCell>{e.state === 'ok' ? '' : e.action}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {props.unavailable.map(u => (
        <Typography key={u} variant="caption" display="block">
          Not available: {u}
        </Typography>
      ))}
    </InfoCard>
  );
}

function versionCountdown(v: VersionSupport): string {
  if (v.daysLeft === undefined) return v.version;
  if (v.daysLeft >= 0)
    return `${v.version}: ${v.daysLeft} days of support left`;
  return `${v.version}: out of support for ${-v.daysLeft} days`;
}

const VERSION_LEVEL: Record<VersionSupport['state'], Level> = {
  supported: 'ok',
  maintenance: 'warning',
  'eol-soon': 'warning',
  eol: 'error',
  unknown: 'warning',
};

export function VersionSupportCard(props: {
  version?: VersionSupport;
  skew: ClusterOperationsResponse['skew'];
  /** Leads to the upgrade (the change template), when the version needs one. */
  upgradeAction?: ReactNode;
}) {
  const { version: v, skew } = props;
  const behind = skew.filter(s => s.state !== 'ok');
  return (
    <InfoCard title="Version support">
      {v ? (
        <Typography
          variant="body2"
          gutterBottom
          data-testid="operations-version"
        >
          <Status level={VERSION_LEVEL[v.state]}>{versionCountdown(v)}</Status>{' '}
          {v.message}
        </Typography>
      ) : (
        <Typography variant="body2">
          The running version is not known yet.
        </Typography>
      )}
      {behind.length > 0 && (
        <Table size="small" aria-label="Node version skew">
          <TableBody>
            {behind.map(s => (
              <TableRow key={s.node}>
                <TableCell>
                  <Status level={s.state === 'violation' ? 'error' : 'warning'}>
                    {s.node}
                  </Status>
                </TableCell>
                <TableCell>{s.message}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {v && v.state !== 'supported' && v.state !== 'unknown' && (
        <Typography variant="body2">
          Action: upgrade to Kubernetes {v.newestMinor} one minor at a time
          (kubeadm upgrade), after a snapshot with kpaas:etcd-snapshot.
        </Typography>
      )}
      {v &&
        v.state !== 'supported' &&
        v.state !== 'unknown' &&
        props.upgradeAction}
    </InfoCard>
  );
}

/** The three cards of the Operations section. */
export function OperationsView(props: {
  ops: ClusterOperationsResponse;
  now: number;
  upgradeAction?: ReactNode;
}) {
  const { ops, now } = props;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={6}>
        <BackupsCard backup={ops.backup} now={now} />
      </Grid>
      <Grid item xs={12} md={6}>
        <VersionSupportCard
          version={ops.version}
          skew={ops.skew}
          upgradeAction={props.upgradeAction}
        />
      </Grid>
      {/* four columns (certificate, expiry, source, action): a row of its own, so no cell
          breaks inside a word at 1280 px */}
      <Grid item xs={12}>
        <ExpiriesCard expiries={ops.expiries} unavailable={ops.unavailable} />
      </Grid>
    </Grid>
  );
}
