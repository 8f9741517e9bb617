import { parseEntityRef } from '@backstage/catalog-model';
import type {
  ClusterHealthState,
  ClusterSummary,
} from '@internal/plugin-kpaas-common';

/** Worst first: the order the fleet is listed in and the health column sorts by. */
export const HEALTH_ORDER: ClusterHealthState[] = [
  'Unreachable',
  'Degraded',
  'Provisioning',
  'Healthy',
];

/** Table row of the fleet page: the summary plus pre-computed sort and search keys. */
export interface FleetRow {
  id: string;
  summary: ClusterSummary;
  name: string;
  healthRank: number;
  /** Owner as shown: the entity name of the ref (`platform-team`), or empty. */
  ownerName: string;
  environment: string;
  target: string;
  /** Ready share of nodes (undefined without nodes), for sorting. */
  nodesReady?: number;
  addonsHealthy?: number;
  checkedAt?: number;
  search: string;
}

/** The filters of the fleet page; empty strings mean "all". */
export interface FleetFilters {
  health: string;
  environment: string;
  text: string;
}

function ratio(part: number, total: number): number | undefined {
  return total > 0 ? part / total : undefined;
}

function ownerName(owner: string | undefined): string {
  if (!owner) return '';
  try {
    return parseEntityRef(owner, { defaultKind: 'group' }).name;
  } catch {
    return owner;
  }
}

export function toFleetRow(summary: ClusterSummary): FleetRow {
  const rank = HEALTH_ORDER.indexOf(summary.state);
  const row = {
    id: summary.name,
    summary,
    name: summary.name,
    healthRank: rank === -1 ? HEALTH_ORDER.length : rank,
    ownerName: ownerName(summary.owner),
    environment: summary.environment ?? '',
    target: summary.target ?? '',
    nodesReady: ratio(summary.nodes.ready, summary.nodes.total),
    addonsHealthy: ratio(summary.addons.healthy, summary.addons.total),
    checkedAt: summary.checkedAt ? Date.parse(summary.checkedAt) : undefined,
  };
  return {
    ...row,
    search: [
      summary.name,
      summary.state,
      summary.reason,
      summary.kubernetesVersion,
      summary.owner,
      row.environment,
      row.target,
    ]
      .filter(Boolean)
      .join(' ')
      .toLocaleLowerCase('en-US'),
  };
}

/** NaN and undefined sort before every number (ascending). */
export function compareNumbers(
  a: number | undefined,
  b: number | undefined,
): number {
  const x = a === undefined || Number.isNaN(a) ? -Infinity : a;
  const y = b === undefined || Number.isNaN(b) ? -Infinity : b;
  return x - y;
}

/** Rows in the default order: worst health first, then by name. */
export function fleetRows(items: ClusterSummary[]): FleetRow[] {
  return items
    .map(toFleetRow)
    .sort(
      (a, b) =>
        a.healthRank - b.healthRank || a.name.localeCompare(b.name, 'en'),
    );
}

export function filterFleet(
  rows: FleetRow[],
  filters: FleetFilters,
): FleetRow[] {
  const needle = filters.text.trim().toLocaleLowerCase('en-US');
  return rows.filter(
    row =>
      (!filters.health || row.summary.state === filters.health) &&
      (!filters.environment || row.environment === filters.environment) &&
      (!needle || row.search.includes(needle)),
  );
}

/** Count of clusters per health state, in {@link HEALTH_ORDER}. */
export function countByHealth(rows: FleetRow[]) {
  const counts = new Map<ClusterHealthState, number>();
  for (const row of rows) {
    counts.set(row.summary.state, (counts.get(row.summary.state) ?? 0) + 1);
  }
  return HEALTH_ORDER.flatMap(state =>
    counts.get(state) ? [{ state, count: counts.get(state)! }] : [],
  );
}
