import {
  Link,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusRunning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { TimelineEntry, TimelineStatus } from '@internal/plugin-kpaas-common';
import { durationMs, formatElapsed } from '../shared/format';
import { errorReason } from '../../api';

const STATUS_COMPONENT: Record<TimelineStatus, typeof StatusOK> = {
  running: StatusRunning,
  succeeded: StatusOK,
  failed: StatusError,
  skipped: StatusAborted,
};
const PHASE_ORDER = ['provision', 'bootstrap', 'addons'];

function phaseRank(phase: string): number {
  const rank = PHASE_ORDER.indexOf(phase);
  return rank === -1 ? PHASE_ORDER.length : rank;
}

/** Entries ordered by phase (provision, bootstrap, add-ons) and then by start time. */
export function orderTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort(
    (a, b) =>
      phaseRank(a.phase) - phaseRank(b.phase) ||
      Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
      a.id - b.id,
  );
}

/**
 * Provisioning timeline: phases of provision/bootstrap/add-ons with status, duration, summary
 * and a link to the scaffolder task log.
 */
export function ProvisioningTimeline(props: {
  entries: TimelineEntry[];
  now: number;
  error?: Error;
}) {
  const { entries, now, error } = props;
  const columns: TableColumn<TimelineEntry>[] = [
    { title: 'Phase', field: 'phase' },
    { title: 'Step', field: 'step', highlight: true },
    {
      title: 'Status',
      field: 'status',
      render: entry => {
        const Status = STATUS_COMPONENT[entry.status] ?? StatusRunning;
        return (
          <span data-testid="timeline-status">
            <Status>{entry.status}</Status>
          </span>
        );
      },
    },
    {
      title: 'Duration',
      render: entry => {
        const ms = durationMs(entry.startedAt, entry.finishedAt, now);
        if (ms === undefined) return '';
        return entry.finishedAt ? formatElapsed(ms) : `${formatElapsed(ms)} so far`;
      },
    },
    { title: 'Summary', field: 'summary' },
    {
      title: 'Log',
      render: entry =>
        entry.taskId ? (
          <Link to={`/create/tasks/${encodeURIComponent(entry.taskId)}`}>Task log</Link>
        ) : null,
    },
  ];
  return (
    <Box>
      {error && (
        <Typography variant="body2" color="error">
          Could not load the provisioning timeline: {errorReason(error)}
        </Typography>
      )}
      <Table<TimelineEntry>
        title="Provisioning timeline"
        columns={columns}
        data={orderTimeline(entries)}
        options={{ search: false, paging: false, padding: 'dense', sorting: false }}
        emptyContent={
          <Box p={2}>
            <Typography variant="body2">
              No provisioning events recorded: clusters created by the kpaas template report
              each step here; clusters registered by hand have no timeline.
            </Typography>
          </Box>
        }
      />
    </Box>
  );
}
