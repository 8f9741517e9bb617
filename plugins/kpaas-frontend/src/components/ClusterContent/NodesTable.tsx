import { useMemo, useState } from 'react';
import {
  LinearGauge,
  StatusError,
  StatusOK,
  StatusWarning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import type {
  NodeConditionStatus,
  NodeStatus,
} from '@internal/plugin-kpaas-common';
import { compactColumns } from '../shared/compactColumns';
import { countReady } from '../shared/counts';
import {
  formatBytes,
  formatCores,
  formatElapsed,
  parseQuantity,
} from '../shared/format';

const nowrap = { whiteSpace: 'nowrap' } as const;

/** Role label of nodes without a `node-role.kubernetes.io/*` label, as kubectl prints it. */
export const NO_ROLE = '<none>';
const ALL = '';

/** Conditions whose healthy value is False (pressure and network conditions). */
function conditionHealthy(condition: NodeConditionStatus): boolean {
  return condition.type === 'Ready'
    ? condition.status === 'True'
    : condition.status === 'False';
}

/** Table row: the node plus pre-computed sort keys, so sorting 1000 rows stays cheap. */
interface NodeRow {
  id: string;
  node: NodeStatus;
  name: string;
  roles: string;
  status: string;
  version: string;
  runtime: string;
  os: string;
  ips: string;
  cpuAllocatable?: number;
  cpuCapacity?: number;
  memoryAllocatable?: number;
  memoryCapacity?: number;
  createdAt: number;
  search: string;
}

function toRow(node: NodeStatus): NodeRow {
  const roles = node.roles.length ? node.roles.join(', ') : NO_ROLE;
  const os = [node.osImage, node.kernelVersion].filter(Boolean).join(' / ');
  const ips = [node.internalIp, node.externalIp].filter(Boolean).join(', ');
  const row = {
    id: node.name,
    node,
    name: node.name,
    roles,
    status: node.status,
    version: node.kubeletVersion ?? '',
    runtime: node.containerRuntime ?? '',
    os,
    ips,
    cpuAllocatable: parseQuantity(node.allocatable.cpu),
    cpuCapacity: parseQuantity(node.capacity.cpu),
    memoryAllocatable: parseQuantity(node.allocatable.memory),
    memoryCapacity: parseQuantity(node.capacity.memory),
    createdAt: node.createdAt ? Date.parse(node.createdAt) : NaN,
  };
  return {
    ...row,
    search: [row.name, roles, row.status, row.version, row.runtime, os, ips]
      .join(' ')
      .toLocaleLowerCase('en-US'),
  };
}

/** The status filter's values: the node's primary status plus SchedulingDisabled when cordoned. */
function statusKeys(node: NodeStatus): string[] {
  const keys = node.status
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  if (node.unschedulable && !keys.includes('SchedulingDisabled')) {
    keys.push('SchedulingDisabled');
  }
  return keys;
}

export function NodeStatusChip(props: { node: NodeStatus }) {
  const { node } = props;
  let Status = StatusError;
  if (node.ready) Status = node.unschedulable ? StatusWarning : StatusOK;
  return (
    <span data-testid="node-status">
      <Status>{node.status}</Status>
    </span>
  );
}

function ConditionList(props: { conditions: NodeConditionStatus[] }) {
  // Show Ready and anything unhealthy; healthy pressure conditions would only be noise.
  const shown = props.conditions.filter(
    c => c.type === 'Ready' || !conditionHealthy(c),
  );
  if (shown.length === 0)
    return <Typography variant="body2">none reported</Typography>;
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 4 }}>
      {shown.map(condition => {
        const detail = [
          `${condition.type}=${condition.status}`,
          condition.reason,
          condition.message,
          condition.since ? `since ${condition.since}` : undefined,
        ]
          .filter(Boolean)
          .join(' · ');
        const healthy = conditionHealthy(condition);
        return (
          <Tooltip key={condition.type} title={detail}>
            <Typography
              variant="body2"
              component="span"
              aria-label={detail}
              data-testid="node-condition"
              color={healthy ? 'textPrimary' : 'error'}
              style={{ cursor: 'help', textDecoration: 'underline dotted' }}
            >
              {healthy
                ? condition.type
                : `${condition.type}=${condition.status}`}
            </Typography>
          </Tooltip>
        );
      })}
    </Box>
  );
}

function UsageBar(props: {
  allocatable?: number;
  capacity?: number;
  format: (n: number) => string;
  unit?: string;
}) {
  const { allocatable, capacity, format, unit = '' } = props;
  if (allocatable === undefined || !capacity) {
    return <Typography variant="body2">unknown</Typography>;
  }
  const text = `${format(allocatable)} / ${format(
    capacity,
  )}${unit} allocatable`;
  return (
    <Box minWidth={110} aria-label={text}>
      <Typography variant="caption" style={nowrap}>
        {format(allocatable)} / {format(capacity)}
        {unit}
      </Typography>
      {/* The bar shows the share of capacity left for pods after system reservations. */}
      <LinearGauge
        value={Math.min(1, allocatable / capacity)}
        getColor={() => '#1976d2'}
      />
    </Box>
  );
}

/** Secondary facts of a node, in its expandable row: runtime, OS, kernel, taints, capacity. */
function NodeDetails(props: { node: NodeStatus }) {
  const { node } = props;
  const items: Array<[string, string]> = [
    ['Container runtime', node.containerRuntime ?? 'unknown'],
    ['OS image', node.osImage ?? 'unknown'],
    [
      'Kernel',
      [node.kernelVersion, node.architecture].filter(Boolean).join(' / ') ||
        'unknown',
    ],
    ['kube-proxy', node.kubeProxyVersion ?? 'unknown'],
    [
      'Pods allocatable / capacity',
      `${node.allocatable.pods ?? '?'} / ${node.capacity.pods ?? '?'}`,
    ],
    [
      'Taints',
      node.taints.length
        ? node.taints
            .map(t => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)
            .join(', ')
        : 'none',
    ],
  ];
  return (
    <Box px={7} py={1} data-testid="node-details">
      {items.map(([label, value]) => (
        <Typography key={label} variant="body2">
          <strong>{label}:</strong> {value}
        </Typography>
      ))}
    </Box>
  );
}

function compareNumbers(a: number | undefined, b: number | undefined): number {
  const x = a === undefined || Number.isNaN(a) ? -Infinity : a;
  const y = b === undefined || Number.isNaN(b) ? -Infinity : b;
  return x - y;
}

/**
 * Nodes of a cluster: sortable, filterable by role and status, searchable, paginated (so 1000
 * nodes render 25 rows at a time). `now` is the time of the last load, for the age column.
 */
export function NodesTable(props: { nodes: NodeStatus[]; now: number }) {
  const { nodes, now } = props;
  const [search, setSearch] = useState('');
  const [role, setRole] = useState(ALL);
  const [status, setStatus] = useState(ALL);

  const rows = useMemo(() => nodes.map(toRow), [nodes]);
  const roleOptions = useMemo(
    () =>
      [
        ...new Set(nodes.flatMap(n => (n.roles.length ? n.roles : [NO_ROLE]))),
      ].sort(),
    [nodes],
  );
  const statusOptions = useMemo(
    () => [...new Set(nodes.flatMap(statusKeys))].sort(),
    [nodes],
  );
  const visible = useMemo(() => {
    const needle = search.trim().toLocaleLowerCase('en-US');
    return rows.filter(
      row =>
        (role === ALL ||
          (role === NO_ROLE
            ? row.node.roles.length === 0
            : row.node.roles.includes(role))) &&
        (status === ALL || statusKeys(row.node).includes(status)) &&
        (!needle || row.search.includes(needle)),
    );
  }, [rows, search, role, status]);

  const columns = useMemo<TableColumn<NodeRow>[]>(
    () =>
      compactColumns<NodeRow>([
        {
          title: 'Name',
          field: 'name',
          highlight: true,
          render: row => (
            <span data-testid="node-name" style={nowrap}>
              {row.name}
            </span>
          ),
        },
        {
          title: 'Roles',
          field: 'roles',
          render: row => <span style={nowrap}>{row.roles}</span>,
        },
        {
          title: 'Status',
          field: 'status',
          render: row => <NodeStatusChip node={row.node} />,
        },
        {
          title: 'Conditions',
          sorting: false,
          render: row => <ConditionList conditions={row.node.conditions} />,
        },
        {
          title: 'Version',
          field: 'version',
          render: row => <span style={nowrap}>{row.version}</span>,
        },
        {
          title: 'IPs',
          field: 'ips',
          // One address per line, never broken inside an address.
          render: row => (
            <>
              {[row.node.internalIp, row.node.externalIp]
                .filter(Boolean)
                .map(ip => (
                  <div key={ip} data-testid="node-ip" style={nowrap}>
                    {ip}
                  </div>
                ))}
            </>
          ),
        },
        {
          title: 'CPU',
          field: 'cpuAllocatable',
          customSort: (a, b) =>
            compareNumbers(a.cpuAllocatable, b.cpuAllocatable),
          render: row => (
            <UsageBar
              allocatable={row.cpuAllocatable}
              capacity={row.cpuCapacity}
              format={formatCores}
              unit=" cores"
            />
          ),
        },
        {
          title: 'Memory',
          field: 'memoryAllocatable',
          customSort: (a, b) =>
            compareNumbers(a.memoryAllocatable, b.memoryAllocatable),
          render: row => (
            <UsageBar
              allocatable={row.memoryAllocatable}
              capacity={row.memoryCapacity}
              format={formatBytes}
            />
          ),
        },
        {
          title: 'Age',
          field: 'createdAt',
          // Oldest first when ascending, like `kubectl get nodes --sort-by`.
          customSort: (a, b) => compareNumbers(b.createdAt, a.createdAt),
          render: row => (
            <span style={nowrap}>
              {Number.isNaN(row.createdAt)
                ? ''
                : formatElapsed(now - row.createdAt)}
            </span>
          ),
        },
      ]),
    [now],
  );

  const { ready, total } = countReady(nodes, n => n.ready);
  return (
    <Box>
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        mb={1}
        style={{ gap: 16 }}
      >
        <TextField
          label="Search nodes"
          value={search}
          onChange={e => setSearch(e.target.value)}
          size="small"
          variant="outlined"
          InputLabelProps={{ shrink: true }}
          inputProps={{ 'aria-label': 'Search nodes' }}
        />
        <TextField
          select
          label="Role"
          value={role}
          onChange={e => setRole(e.target.value)}
          size="small"
          variant="outlined"
          SelectProps={{ native: true }}
          InputLabelProps={{ shrink: true }}
          inputProps={{ 'aria-label': 'Filter by role' }}
        >
          <option value={ALL}>All roles</option>
          {roleOptions.map(r => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </TextField>
        <TextField
          select
          label="Status"
          value={status}
          onChange={e => setStatus(e.target.value)}
          size="small"
          variant="outlined"
          SelectProps={{ native: true }}
          InputLabelProps={{ shrink: true }}
          inputProps={{ 'aria-label': 'Filter by status' }}
        >
          <option value={ALL}>All statuses</option>
          {statusOptions.map(s => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </TextField>
        <Typography variant="body2" data-testid="nodes-ready-count">
          {ready}/{total} nodes ready
        </Typography>
        {visible.length !== rows.length && (
          <Typography
            variant="body2"
            color="textSecondary"
            data-testid="nodes-shown-count"
          >
            showing {visible.length} of {rows.length}
          </Typography>
        )}
      </Box>
      <Table<NodeRow>
        title="Nodes"
        columns={columns}
        data={visible}
        detailPanel={({ rowData }) => <NodeDetails node={rowData.node} />}
        options={{
          search: false,
          paging: true,
          pageSize: 25,
          pageSizeOptions: [25, 50, 100],
          padding: 'dense',
          emptyRowsWhenPaging: false,
        }}
        emptyContent={
          <Box p={2}>
            <Typography variant="body2">
              {rows.length === 0
                ? 'The API server reported no nodes. Nodes appear once kubelets join: check the bootstrap step of the provisioning timeline.'
                : 'No node matches the search and filters: clear them to see all nodes.'}
            </Typography>
          </Box>
        }
      />
    </Box>
  );
}
