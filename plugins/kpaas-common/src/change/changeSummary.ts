import { catalogIndex } from '../addons/catalog';
import { AddonCatalog } from '../addons/schema';
import { ClusterSpec } from '../spec/schema';
import { ClusterChangePlan } from './applyChange';
import { unifiedDiff } from './unifiedDiff';

/** cluster.yaml as parsed and as written. @public */
export interface ClusterYamlVersion {
  spec: ClusterSpec;
  text: string;
}

const code = (s: string) => `\`${s}\``;

/**
 * The change in Markdown for the pull request body and the task output: what changes in words
 * (workers and the node names added or to be removed, add-ons to install with their dependencies
 * and to uninstall in order, the Kubernetes version), what is not automated yet, and the unified
 * diff of cluster.yaml. No secret is ever part of cluster.yaml, so none is part of this.
 * @public
 */
export function changeSummary(
  before: ClusterYamlVersion,
  after: ClusterYamlVersion,
  options: { plan: ClusterChangePlan; catalog: AddonCatalog },
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

  if (plan.workers) {
    const { from, to } = plan.workers;
    out.push(
      `- **Workers:** ${from} → ${to}${
        plan.workers.add.length
          ? `; new nodes ${plan.workers.add.map(code).join(', ')}`
          : ''
      }${
        plan.workers.remove.length
          ? `; nodes to remove (newest first) ${plan.workers.remove
              .map(code)
              .join(', ')}. **Needs the remove-workers flow** (not built yet)`
          : ''
      }`,
    );
  }
  if (plan.addons.install.length > 0) {
    out.push(
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
    out.push(
      `- **Add-ons to uninstall** (in this order): ${plan.addons.uninstall
        .map(title)
        .join('; ')}`,
    );
  }
  if (plan.kubernetes) {
    out.push(
      `- **Kubernetes:** ${plan.kubernetes.from} → ${plan.kubernetes.to} (one minor at a time)`,
    );
  }
  out.push('');
  if (plan.notes.length > 0) {
    out.push('### Not automated yet', '', ...plan.notes.map(n => `- ${n}`), '');
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
