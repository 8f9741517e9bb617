import { catalogIndex } from '../addons/catalog';
import { AddonCatalog } from '../addons/schema';
import { ClusterSpec } from '../spec/schema';
import { formatAddonUpgrades } from './addonChanges';
import { ClusterChangePlan } from './applyChange';
import {
  formatTerraformPlanMarkdown,
  TerraformPlanSummary,
} from './changeSummaryTerraform';
import { unifiedDiff } from './unifiedDiff';
import { describeKubernetesUpgradePath } from './upgradePath';

/** cluster.yaml as parsed and as written. @public */
export interface ClusterYamlVersion {
  spec: ClusterSpec;
  text: string;
}

const code = (s: string) => `\`${s}\``;

/** What every section of the summary reads. */
interface SummaryInput {
  plan: ClusterChangePlan;
  title: (id: string) => string;
}

/*
 * The summary is a list of sections, each a small function of the plan returning its lines
 * (none when it has nothing to say): a new kind of change adds its own section here.
 */

/** Workers: the count, the new nodes, and the nodes to drain and remove. */
function workersSection({ plan }: SummaryInput): string[] {
  if (!plan.workers) return [];
  const { from, to, add, remove } = plan.workers;
  const lines = [
    `- **Workers:** ${from} → ${to}${
      add.length ? `; new nodes ${add.map(code).join(', ')}` : ''
    }`,
  ];
  if (remove.length) {
    lines.push(
      `- **Nodes to drain and remove** (newest first): ${remove
        .map(code)
        .join(
          ', ',
        )}. On apply, kpaas:remove-nodes cordons and drains each one (PodDisruptionBudgets honoured: a blocked drain stops with the pods that block it, and the node stays), runs \`kubeadm reset -f\` on it, deletes it from the API and takes it out of the inventory; only then does Terraform destroy its machine, and the plan may destroy nothing else.`,
    );
  }
  return lines;
}

/** Add-ons to install (dependencies first), to uninstall (in order) and to upgrade (values diff). */
function addonsSection({ plan, title }: SummaryInput): string[] {
  const lines: string[] = [];
  if (plan.addons.install.length > 0) {
    lines.push(
      `- **Add-ons to install** (dependencies first): ${plan.addons.install
        .map(
          id =>
            `${title(id)}${
              plan.addons.addedAsDependency.includes(id)
                ? ', as a dependency'
                : ''
            }`,
        )
        .join('; ')}`,
    );
  }
  if (plan.addons.uninstall.length > 0) {
    lines.push(
      `- **Add-ons to uninstall** (in this order): ${plan.addons.uninstall
        .map(title)
        .join('; ')}`,
    );
  }
  if (plan.addons.upgrade.length > 0) {
    // the same Markdown kpaas:addons logs when it applies them (addonChanges.ts)
    lines.push(
      '- **Add-ons to upgrade:**',
      ...formatAddonUpgrades(plan.addons.upgrade).map(l => `  ${l}`),
    );
  }
  return lines;
}

/** The Kubernetes version. */
function kubernetesSection({ plan }: SummaryInput): string[] {
  if (!plan.kubernetes) return [];
  return [
    // the path and the rollout order kpaas:upgrade runs (upgradePath.ts)
    `- **Kubernetes:** ${describeKubernetesUpgradePath(
      plan.kubernetes.from,
      plan.kubernetes.to,
    )}`,
  ];
}

/** The sections of the change, in the order the pull request lists them. */
const SECTIONS: Array<(input: SummaryInput) => string[]> = [
  workersSection,
  addonsSection,
  kubernetesSection,
];

/**
 * The change in Markdown for the pull request body and the task output: what changes in words
 * (workers with the nodes added and the nodes to drain and remove, add-ons to install with
 * their dependencies and to uninstall in order, the Kubernetes version), the Terraform plan per
 * resource when one was made (`terraformPlan`) and the unified diff of cluster.yaml. No secret is ever part of cluster.yaml, so none is part of this.
 * @public
 */
export function changeSummary(
  before: ClusterYamlVersion,
  after: ClusterYamlVersion,
  options: {
    plan: ClusterChangePlan;
    catalog: AddonCatalog;
    terraformPlan?: TerraformPlanSummary;
  },
): string {
  const { plan } = options;
  const byId = catalogIndex(options.catalog);
  const title = (id: string) => {
    const t = byId.get(id)?.title;
    return t && t !== id ? `${code(id)} (${t})` : code(id);
  };
  const out: string[] = [
    `## Change to cluster ${code(before.spec.metadata.name)}`,
    '',
  ];
  if (plan.unchanged) {
    out.push('Nothing changes: cluster.yaml stays as it is.');
    return out.join('\n');
  }
  for (const section of SECTIONS) out.push(...section({ plan, title }));
  out.push('');
  if (options.terraformPlan) {
    out.push(formatTerraformPlanMarkdown(options.terraformPlan), '');
  }
  out.push(
    '### cluster.yaml',
    '',
    '```diff',
    unifiedDiff(before.text, after.text).trimEnd(),
    '```',
  );
  return out.join('\n');
}
