import { Document, isMap, isScalar, isSeq } from 'yaml';
import { AddonCatalog } from '../addons/schema';
import { derivePlatformLinks } from './addonPlan';
import { ClusterSpec } from './schema';

/*
 * Files of the cluster repository written from the spec (kpaas:cluster-repo): cluster.yaml itself
 * and the hosts snippet derived from it.
 */

/** Header comment of a cluster.yaml written by kpaas. @public */
export const CLUSTER_YAML_HEADER = [
  ' kpaas cluster spec (schema: kpaas.io/v1alpha1 Cluster, plugins/kpaas-common/src/spec/schema.ts).',
  ' The source of truth of this cluster: kpaas:provision, kpaas:bootstrap and kpaas:addons read it',
  ' and derive everything else (Terraform variables, machines, addresses, add-on plan) from it.',
  ' Edit it and run the kpaas-cluster-apply template to change the cluster. No secrets belong here',
  ' (SSH key and cloud credentials are task secrets).',
].join('\n');

/** First line of every file kpaas derives from cluster.yaml. @public */
export const GENERATED_FROM_CLUSTER_YAML =
  'Generated from cluster.yaml by kpaas; do not edit (change cluster.yaml instead).';

/**
 * cluster.yaml for a parsed spec, defaults written out (so a later change of a kpaas default does
 * not change an existing cluster), with the header comment. Add-ons listed in `implied` (pulled
 * in as dependencies) carry a `# dependency` comment.
 * @public
 */
export function renderClusterYaml(
  spec: ClusterSpec,
  options: { implied?: ReadonlyArray<string> } = {},
): string {
  const doc = new Document(spec);
  doc.commentBefore = CLUSTER_YAML_HEADER;
  const implied = new Set(options.implied ?? []);
  const addons = doc.getIn(['spec', 'addons'], true);
  if (isSeq(addons)) {
    addons.items.forEach(item => {
      const id = isMap(item) ? item.get('id', true) : undefined;
      if (isScalar(id) && implied.has(String(id.value))) {
        id.comment = ' dependency';
      }
    });
    if (addons.items.length > 0) {
      addons.commentBefore =
        ' Chosen add-ons plus what they depend on, in catalog order. Per-cluster Helm values:\n values/<id>.yaml (see values/README.md), or a small `values:` map here.';
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** The platform UI host names of the spec's add-ons (requested or implied), in install order. @public */
export function platformHostNames(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): string[] {
  return [
    ...new Set(
      derivePlatformLinks(spec, catalog).map(l => new URL(l.url).hostname),
    ),
  ];
}

/**
 * hosts.snippet: one hosts-file line mapping the ingress address to the platform UI names, with
 * how to append it (never replace the hosts file). Kakao Cloud adds the note about the worker
 * NLB's public address, which only Terraform knows.
 * @public
 */
export function renderHostsSnippet(
  spec: ClusterSpec,
  catalog: AddonCatalog,
): string {
  const hosts = platformHostNames(spec, catalog);
  const ingress = spec.spec.network.ingressIp;
  const lines = [
    `# ${GENERATED_FROM_CLUSTER_YAML}`,
    `# Platform UI names of cluster ${spec.metadata.name}. APPEND these lines to your hosts file, e.g.`,
    '#   sudo tee -a /etc/hosts < hosts.snippet',
    '# (never replace the file). Remove them again when the cluster is deleted.',
  ];
  if (spec.spec.target.type === 'kakao-cloud') {
    lines.push(
      '# Kakao Cloud: from outside the VPC the UIs are reached through the worker NLB\'s public address',
      "# (assigned at apply: Terraform output `ingress_ip`, also in kpaas:addons' `hostsSnippet` output);",
      '# use that address instead of the private ingress address below when you are not inside the VPC.',
    );
  }
  if (hosts.length === 0) {
    lines.push('# (no add-on with a web UI was chosen)');
  } else if (!ingress) {
    lines.push(
      `# ingress address: assigned at apply (kpaas:addons' hostsSnippet output); names: ${hosts.join(
        ' ',
      )}`,
    );
  } else {
    lines.push(`${ingress} ${hosts.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
