import { isMap, isSeq, parseDocument } from 'yaml';
import { ClusterSpec } from '../spec/schema';

/**
 * cluster.yaml text with the fields a day-2 change touches (spec.workers.count,
 * spec.kubernetes.version, spec.addons and their values) moved from `before`'s to `after`'s values, edited in place through the
 * yaml Document API: comments, key order, quoting and every other field stay as written. An
 * add-on entry that stays keeps its node (and its `values:` and comments); a new one is
 * appended as `- id: <id>` at its place in `after`'s order.
 * @public
 */
export function editClusterYaml(
  text: string,
  before: ClusterSpec,
  after: ClusterSpec,
): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new Error(
      `cluster.yaml is not valid YAML (${
        doc.errors[0].message.split('\n')[0]
      }); fix the file first`,
    );
  }
  // only what the change moved: a default left out of the file stays left out
  if (after.spec.workers.count !== before.spec.workers.count) {
    doc.setIn(['spec', 'workers', 'count'], after.spec.workers.count);
  }
  if (after.spec.kubernetes.version !== before.spec.kubernetes.version) {
    doc.setIn(['spec', 'kubernetes', 'version'], after.spec.kubernetes.version);
  }

  const wanted = after.spec.addons.map(a => a.id);
  const current = doc.getIn(['spec', 'addons'], true);
  const currentIds = isSeq(current)
    ? current.items.map(item => (isMap(item) ? String(item.get('id')) : ''))
    : [];
  const same =
    currentIds.length === wanted.length &&
    currentIds.every((id, i) => id === wanted[i]);
  if (!same) {
    if (isSeq(current)) {
      const nodes = new Map(
        current.items.map((item, i) => [currentIds[i], item]),
      );
      current.items = wanted.map(id => nodes.get(id) ?? doc.createNode({ id }));
    } else {
      doc.setIn(['spec', 'addons'], doc.createNode(wanted.map(id => ({ id }))));
    }
  }
  // values of an entry that stays (request addonValues): set on its node, or removed
  const entries = doc.getIn(['spec', 'addons'], true);
  for (const addon of after.spec.addons) {
    const was = before.spec.addons.find(a => a.id === addon.id)?.values;
    if (JSON.stringify(was ?? {}) === JSON.stringify(addon.values ?? {}))
      continue;
    const node = isSeq(entries)
      ? entries.items.find(i => isMap(i) && String(i.get('id')) === addon.id)
      : undefined;
    if (!isMap(node)) continue;
    if (addon.values && Object.keys(addon.values).length > 0) {
      node.set('values', doc.createNode(addon.values));
    } else {
      node.delete('values');
    }
  }
  return doc.toString({ lineWidth: 0 });
}
