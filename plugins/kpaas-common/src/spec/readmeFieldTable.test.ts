/*
 * README.md's cluster.yaml field table agrees with the schema: a row says "required" exactly
 * when clusterSpecSchema requires the field (no default, not optional), and a field the schema
 * requires but the order form (templates/kpaas-cluster/template.yaml) lets a user leave empty
 * says in its notes what the form fills in.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { clusterSpecSchema } from './schema';

// eslint-disable-next-line no-restricted-syntax
const repoRoot = path.resolve(__dirname, '../../../..');
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

interface Row {
  path: string;
  defaultCell: string;
  notes: string;
}

/** The `metadata.*` / `spec.*` rows of the field table (first path of the first cell). */
function fieldRows(text: string): Row[] {
  return text
    .split('\n')
    .filter(line => /^\| `(metadata|spec)\./.test(line))
    .map(line => {
      const cells = line.split(/(?<!\\)\|/).map(c => c.trim());
      const first = /^`([^`]+)`/.exec(cells[1])![1];
      return {
        path: first.replace(/\[\]$/, ''),
        defaultCell: cells[3],
        notes: cells[4] ?? '',
      };
    });
}

/** The schema node at `path` (metadata.name, spec.network.nodeCidr, …). */
function schemaAt(dotted: string): any {
  let node: any = clusterSpecSchema;
  for (const key of dotted.split('.')) {
    const unwrapped = unwrapObject(node);
    const next = unwrapped?.shape?.[key];
    if (!next)
      throw new Error(`README field ${dotted}: the schema has no ${key}`);
    node = next;
  }
  return node;
}

function unwrapObject(node: any): any {
  let n = node;
  while (n && !n.shape) {
    // a discriminated union (spec.target): every option has the discriminator
    n = n._def?.innerType ?? n._def?.schema ?? n._def?.options?.[0];
  }
  return n;
}

const requiredBySchema = (node: any) =>
  !node.isOptional() && node._def?.typeName !== 'ZodDefault';

/** Names of the order form's top-level required fields, page by page. */
function formRequired(): Set<string> {
  const template = YAML.parse(
    fs.readFileSync(
      path.join(repoRoot, 'templates/kpaas-cluster/template.yaml'),
      'utf8',
    ),
  );
  return new Set(
    (template.spec.parameters as any[]).flatMap(page => page.required ?? []),
  );
}

/** The form field of each cluster.yaml field the README calls required. */
const FORM_FIELD: Record<string, string> = {
  'metadata.name': 'name',
  'metadata.owner': 'owner',
  'metadata.environment': 'environment',
  'spec.target.type': 'target',
  'spec.controlPlane.count': 'controlPlaneCount',
  'spec.workers.count': 'workerCount',
  'spec.network.nodeCidr': 'nodeCidr',
  'spec.network.domain': 'domain',
};

describe('README field table', () => {
  const rows = fieldRows(readme);

  it('lists the schema fields', () => {
    expect(rows.length).toBeGreaterThan(15);
    expect(rows.map(r => r.path)).toEqual(
      expect.arrayContaining([
        'metadata.name',
        'spec.network.nodeCidr',
        'spec.addons',
      ]),
    );
  });

  it('says "required" exactly where the schema requires the field', () => {
    const disagreements = rows
      .map(row => ({
        field: row.path,
        readme: row.defaultCell === 'required',
        schema: requiredBySchema(schemaAt(row.path)),
      }))
      .filter(r => r.readme !== r.schema);
    expect(disagreements).toEqual([]);
  });

  it('says what the order form fills in for a required field the form lets you leave empty', () => {
    const required = formRequired();
    const unexplained = rows
      .filter(row => row.defaultCell === 'required')
      .flatMap(row => {
        const field = FORM_FIELD[row.path];
        if (!field) {
          return [`${row.path}: add its form field to FORM_FIELD`];
        }
        if (required.has(field) || /order form/.test(row.notes)) return [];
        return [
          `${row.path}: required in cluster.yaml, optional in the form (${field}); its notes must say what the order form fills in`,
        ];
      });
    expect(unexplained).toEqual([]);
  });
});
