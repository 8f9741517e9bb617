import { catalogIndex } from '../addons/catalog';
import { AddonCatalog } from '../addons/schema';
import { derivePlatformLinks, resolveAddonInstallSet } from './addonPlan';
import {
  deriveEndpoints,
  deriveInventory,
  deriveResourceTotals,
  RoleResources,
} from './derive';
import { ClusterSpec } from './schema';

/** What a Terraform plan would change (kpaas:provision's `planSummary`). @public */
export interface ClusterSummaryPlan {
  add: number;
  change: number;
  destroy: number;
}

/** Shown for an address only Terraform or a DHCP server can know before the machines exist. @public */
export const ASSIGNED_AT_APPLY = 'assigned at apply';

const figure = (v: number | undefined) => (v === undefined ? '?' : String(v));

/** Size of one machine; existing machines bring their own (not part of the spec). */
function each(role: RoleResources): string {
  if (role.vcpuEach === undefined && role.memoryGiBEach === undefined) {
    return role.diskGiBEach === undefined
      ? 'existing'
      : `? vCPU / ? GiB / ${role.diskGiBEach} GiB`;
  }
  return `${figure(role.vcpuEach)} vCPU / ${figure(
    role.memoryGiBEach,
  )} GiB / ${figure(role.diskGiBEach)} GiB`;
}

/** Why an address is not known yet, per target. */
function pendingAddress(spec: ClusterSpec): string {
  return spec.spec.target.type === 'multipass'
    ? `${ASSIGNED_AT_APPLY} (Multipass DHCP)`
    : ASSIGNED_AT_APPLY;
}

/**
 * The order in Markdown, for the review pull request, the task's output text and the cluster
 * README: Kubernetes build, machines and resource totals (deriveResourceTotals), nodes and
 * addresses (deriveInventory; "assigned at apply" where only Terraform or DHCP knows them),
 * endpoints (deriveEndpoints), add-ons with their dependencies and UIs (catalog), and the
 * Terraform plan figures when given. No secret is ever part of it.
 * @public
 */
export function clusterSummary(
  spec: ClusterSpec,
  options: {
    catalog: AddonCatalog;
    /** Add-on ids pulled in as dependencies rather than chosen (clusterSpecFromForm's `implied`) */
    implied?: ReadonlyArray<string>;
    plan?: ClusterSummaryPlan;
  },
): string {
  const { metadata } = spec;
  const { kubernetes, target, network } = spec.spec;
  const totals = deriveResourceTotals(spec);
  const endpoints = deriveEndpoints(spec);
  const out: string[] = [];

  out.push(
    `## Cluster \`${metadata.name}\` (${metadata.environment}) on ${target.type}`,
    '',
    `Kubernetes ${kubernetes.version} with ${kubernetes.installer} (${kubernetes.containerRuntime}, ${kubernetes.cni}),`,
    `${spec.spec.controlPlane.count} control-plane + ${spec.spec.workers.count} worker nodes, domain \`${network.domain}\`.`,
    '',
    '| role | machines | each | vCPU | memory (GiB) | disk (GiB) |',
    '|---|---|---|---|---|---|',
    ...totals.roles.map(
      r =>
        `| ${r.role} | ${r.machines} | ${each(r)} | ${figure(
          r.vcpu,
        )} | ${figure(r.memoryGiB)} | ${figure(r.diskGiB)} |`,
    ),
    '',
    `**Total:** ${totals.total.machines} machines, ${totals.total.vcpu} vCPU, ${totals.total.memoryGiB} GiB memory, ${totals.total.diskGiB} GiB disk`,
    ...totals.notes.map(n => `- ${n}`),
    '',
    '### Nodes',
    '',
    '| name | role | address |',
    '|---|---|---|',
    ...deriveInventory(spec).map(
      n => `| ${n.name} | ${n.role} | ${n.address ?? pendingAddress(spec)} |`,
    ),
    '',
    `**API server:** ${endpoints.apiServerUrl ?? ASSIGNED_AT_APPLY} (${
      endpoints.apiEndpointType
    }); **ingress:** ${endpoints.ingressAddress ?? ASSIGNED_AT_APPLY}.`,
    ...endpoints.pending.map(p => `- ${ASSIGNED_AT_APPLY}: ${p}`),
    '',
  );

  const resolved = resolveAddonInstallSet(spec, options.catalog);
  const byId = catalogIndex(options.catalog);
  const implied = new Set(options.implied ?? []);
  const links = new Map(
    derivePlatformLinks(spec, options.catalog).map(l => [l.addonId, l.url]),
  );
  if (!resolved.ok || resolved.plan.addons.length === 0) {
    out.push('**Add-ons:** none', '');
  } else {
    out.push(
      '### Add-ons',
      '',
      'In install order, with the pinned charts of the kpaas values pack:',
      '',
    );
    for (const addon of resolved.plan.addons) {
      const title = byId.get(addon.id)?.title ?? addon.id;
      const url = links.get(addon.id);
      out.push(
        `- \`${addon.id}\`: ${title}${
          addon.requested && !implied.has(addon.id) ? '' : ' (dependency)'
        }${url ? `, ${url}` : ''}`,
      );
    }
    out.push('');
  }

  if (options.plan) {
    out.push(
      `**Terraform plan:** ${options.plan.add} to add, ${options.plan.change} to change, ${options.plan.destroy} to destroy.`,
      '',
    );
  }
  out.push(
    'Secrets (SSH key, Kakao credential) are task secrets only: they are not in this text, the repository or the logs.',
  );
  return out.join('\n');
}
