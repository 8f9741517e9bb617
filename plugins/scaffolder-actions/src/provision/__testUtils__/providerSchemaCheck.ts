import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';

/*
 * Checks a Terraform folder against a stored provider schema (the format of
 * ../shared/reference/kakaocloud-provider/, see its README): resource and data types exist,
 * every attribute exists, required ones are set, computed-only ones are not, literal values meet
 * the type, allowed values and validators, nested values are attributes (`x = {}`), not blocks
 * (`x {}`), references name attributes that exist, and the provider pin and required_version
 * agree with the provider's releases.
 */

export interface AttributeSchema {
  type: string;
  required: boolean;
  optional: boolean;
  computed: boolean;
  allowed?: unknown[];
  validators?: string[];
  nesting?: 'single' | 'list' | 'set';
  attributes?: Record<string, AttributeSchema>;
}

export interface ProviderSchema {
  provider: {
    source: string;
    local_name: string;
    version: string;
    docs_min_terraform: string;
    releases?: Array<{ version: string; docs_min_terraform: string }>;
  };
  provider_config: { attributes: Record<string, AttributeSchema> };
  resources: Record<string, { attributes: Record<string, AttributeSchema> }>;
  data_sources: Record<string, { attributes: Record<string, AttributeSchema> }>;
  all_resource_types: string[];
  all_data_source_types: string[];
}

const META = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);

type Body = Record<string, unknown>;

function isExpression(v: unknown): v is string {
  return typeof v === 'string' && v.includes('${');
}

function versionTuple(v: string): number[] {
  return v.split('.').map(n => Number(n) || 0);
}

function compareVersions(a: string, b: string): number {
  const x = versionTuple(a);
  const y = versionTuple(b);
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

/** Problems of one literal value against the attribute's validators. */
function checkValidators(
  value: unknown,
  schema: AttributeSchema,
  where: string,
): string[] {
  const problems: string[] = [];
  if (schema.allowed && !schema.allowed.includes(value)) {
    problems.push(
      `${where} = ${JSON.stringify(value)} is not one of ${schema.allowed.join(
        ', ',
      )}`,
    );
  }
  for (const v of schema.validators ?? []) {
    const [kind, arg] = [v.split(':')[0], v.slice(v.indexOf(':') + 1)];
    if (kind === 'range' && typeof value === 'number') {
      const [lo, hi] = arg.split('..').map(Number);
      if (value < lo || value > hi) {
        problems.push(`${where} = ${value} is outside ${lo}..${hi}`);
      }
    } else if (kind === 'length' && typeof value === 'string') {
      const [lo, hi] = arg.split('..').map(Number);
      if (value.length < lo || value.length > hi) {
        problems.push(`${where} has ${value.length} characters, not ${arg}`);
      }
    } else if (kind === 'regex' && typeof value === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(arg, 'u');
      } catch {
        re = undefined; // a Go-only construct: not checkable here
      }
      if (re && !re.test(value)) {
        problems.push(
          `${where} = ${JSON.stringify(value)} does not match ${arg}`,
        );
      }
    } else if (kind === 'cidr_prefix_length' && typeof value === 'string') {
      const [lo, hi] = arg.split('..').map(Number);
      const prefix = Number(value.split('/')[1]);
      if (!(prefix >= lo && prefix <= hi)) {
        problems.push(`${where} = ${value}: the prefix must be /${lo}../${hi}`);
      }
    } else if (
      v.startsWith('name_no_double_symbol') &&
      typeof value === 'string' &&
      /--|__|-_|_-/.test(value)
    ) {
      problems.push(`${where} = ${value} holds --, __, -_ or _-`);
    }
  }
  return problems;
}

/** Problems of `value` given for the attribute `schema` at `where`. */
function checkValue(
  value: unknown,
  schema: AttributeSchema,
  where: string,
): string[] {
  if (isExpression(value)) {
    // An expression: only the keys of its object constructors can be checked.
    if (!schema.attributes) return [];
    const keys = [
      ...value.matchAll(/(?:^|[{,\n])\s*([a-z_][a-z0-9_]*)\s*=(?!=)/g),
    ].map(m => m[1]);
    return keys
      .filter(k => !(k in schema.attributes!))
      .map(
        k =>
          `${where}: the provider has no attribute ${k} here (set in an expression)`,
      );
  }
  if (schema.attributes) {
    let elements: unknown[] = [];
    if (schema.nesting === 'single') elements = [value];
    else if (Array.isArray(value)) elements = value;
    if (schema.nesting === 'single' && Array.isArray(value)) {
      // hcl2json reads a block `x { }` as a list: the text check reports it
      return [];
    }
    if (schema.nesting !== 'single' && !Array.isArray(value)) {
      return [`${where} is a list: write [{ ... }]`];
    }
    return elements.flatMap((e, i) =>
      isExpression(e) || typeof e !== 'object' || e === null
        ? []
        : checkObject(
            e as Body,
            schema.attributes!,
            schema.nesting === 'single' ? where : `${where}[${i}]`,
          ),
    );
  }
  const type = schema.type;
  const literalOk =
    (type === 'string' && typeof value === 'string') ||
    (type === 'number' && typeof value === 'number') ||
    (type === 'bool' && typeof value === 'boolean') ||
    (/^(list|set)\(/.test(type) && Array.isArray(value)) ||
    (type.startsWith('map(') &&
      typeof value === 'object' &&
      !Array.isArray(value));
  if (!literalOk) {
    return [`${where} = ${JSON.stringify(value)} is not a ${type}`];
  }
  return checkValidators(value, schema, where);
}

/** Keys of `body` against `attributes`: exist, settable, required present, values valid. */
function checkObject(
  body: Body,
  attributes: Record<string, AttributeSchema>,
  where: string,
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (META.has(key)) continue;
    const schema = attributes[key];
    if (!schema) {
      problems.push(`${where}.${key}: the provider has no such attribute`);
      continue;
    }
    if (schema.computed && !schema.optional && !schema.required) {
      problems.push(`${where}.${key} is computed by the provider; remove it`);
      continue;
    }
    problems.push(...checkValue(value, schema, `${where}.${key}`));
  }
  for (const [key, schema] of Object.entries(attributes)) {
    if (schema.required && !(key in body)) {
      problems.push(`${where}.${key} is required`);
    }
  }
  return problems;
}

/** The body of `resource|data "type" "name" {` in `text` (brace-matched), or undefined. */
function blockText(
  text: string,
  kind: string,
  type: string,
  name: string,
): string | undefined {
  const head = new RegExp(`${kind}\\s+"${type}"\\s+"${name}"\\s*\\{`).exec(
    text,
  );
  if (!head) return undefined;
  let depth = 1;
  let i = head.index + head[0].length;
  const start = i;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth--;
  }
  return text.slice(start, i - 1);
}

/** Walks `segments` (attribute names) into `attributes`; the first that does not exist. */
function missingSegment(
  attributes: Record<string, AttributeSchema>,
  segments: string[],
): string | undefined {
  let current: Record<string, AttributeSchema> | undefined = attributes;
  for (const segment of segments) {
    if (!current) return undefined; // past a leaf (e.g. a map): not checkable
    const schema: AttributeSchema | undefined = current[segment];
    if (!schema) return segment;
    current = schema.attributes;
  }
  return undefined;
}

export interface CheckOptions {
  /** The schema for a pinned provider version, or undefined when none is stored. */
  schemaFor(version: string): ProviderSchema | undefined;
}

/** Every problem of the Terraform in `dir` against the provider schema; [] when clean. */
export async function checkTerraformAgainstSchema(
  dir: string,
  newest: ProviderSchema,
  options: CheckOptions,
): Promise<string[]> {
  const files = fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.tf'))
    .sort();
  const texts = Object.fromEntries(
    files.map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
  const parsed = await Promise.all(
    files.map(async f => ({ file: f, json: await parse(f, texts[f]) })),
  );
  const problems: string[] = [];
  const local = newest.provider.local_name;

  // 1. The pin and required_version
  let schema: ProviderSchema | undefined;
  for (const { file, json } of parsed) {
    for (const tf of (json.terraform as Body[] | undefined) ?? []) {
      const providers = ((tf.required_providers as Body[]) ?? [])[0] ?? {};
      const pin = providers[local] as
        | { source?: string; version?: string }
        | undefined;
      if (!pin) continue;
      if (pin.source !== newest.provider.source) {
        problems.push(
          `${file}: required_providers.${local}.source is ${pin.source}, the provider is ${newest.provider.source}`,
        );
      }
      const version = /^=?\s*(\d+\.\d+\.\d+)$/.exec(pin.version ?? '')?.[1];
      const release = newest.provider.releases?.find(
        r => r.version === version,
      );
      if (!version || !release) {
        problems.push(
          `${file}: required_providers.${local}.version "${pin.version}" is not one exact released version`,
        );
        continue;
      }
      schema = options.schemaFor(version);
      const min = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(
        String(tf.required_version ?? ''),
      )?.[1];
      if (!min || compareVersions(min, release.docs_min_terraform) < 0) {
        problems.push(
          `${file}: required_version "${tf.required_version}" allows a Terraform older than ${release.docs_min_terraform}, the minimum of provider ${version}`,
        );
      }
    }
  }
  if (!schema) {
    const pinned = parsed.some(({ json }) =>
      ((json.terraform as Body[] | undefined) ?? []).some(
        tf => (((tf.required_providers as Body[]) ?? [])[0] ?? {})[local],
      ),
    );
    const used = Object.values(texts).some(t => t.includes(`"${local}_`));
    if (pinned)
      problems.push(`no stored schema for the pinned ${local} version`);
    else if (used)
      problems.push(`${local} resources without a required_providers pin`);
    return problems;
  }

  // 2. The provider block
  for (const { file, json } of parsed) {
    const blocks = (json.provider as Record<string, Body[]> | undefined)?.[
      local
    ];
    for (const body of blocks ?? []) {
      problems.push(
        ...checkObject(
          body,
          schema.provider_config.attributes,
          `${file}: provider "${local}"`,
        ),
      );
      if (!('region' in body)) {
        problems.push(
          `${file}: provider "${local}" does not set region (the provider would use its default)`,
        );
      }
    }
  }

  // 3. Resources and data sources
  for (const { file, json } of parsed) {
    for (const kind of ['resource', 'data'] as const) {
      const byType =
        (json[kind] as Record<string, Record<string, Body[]>>) ?? {};
      for (const [type, byName] of Object.entries(byType)) {
        if (!type.startsWith(`${local}_`)) continue;
        const known =
          kind === 'resource'
            ? schema.all_resource_types
            : schema.all_data_source_types;
        const typeSchema =
          kind === 'resource'
            ? schema.resources[type]
            : schema.data_sources[type];
        for (const [name, bodies] of Object.entries(byName)) {
          const where = `${file}: ${
            kind === 'data' ? 'data.' : ''
          }${type}.${name}`;
          if (!known.includes(type)) {
            problems.push(`${where}: the provider has no ${kind} type ${type}`);
            continue;
          }
          if (!typeSchema) {
            problems.push(
              `${where}: ${type} is not covered by the stored schema`,
            );
            continue;
          }
          for (const body of bodies) {
            problems.push(...checkObject(body, typeSchema.attributes, where));
          }
          // hcl2json reads `x { }` and `x = [{ }]` alike: blocks only show in the text
          const text = blockText(texts[file], kind, type, name) ?? '';
          for (const m of text.matchAll(/^\s*([a-z_][a-z0-9_]*)\s*\{/gm)) {
            if (
              !['lifecycle', 'provisioner', 'connection', 'dynamic'].includes(
                m[1],
              )
            ) {
              problems.push(
                `${where}: ${m[1]} is written as a block; the provider has no blocks, write ${m[1]} = { ... } or [{ ... }]`,
              );
            }
          }
        }
      }
    }
  }

  // 4. References to attributes: kakaocloud_x.n.a[0].b and data.kakaocloud_y.n.list, and
  //    for-expression variables over them (`for i in data.kakaocloud_images.all.images : i.id`)
  const attributesOf = (data: boolean, type: string) =>
    (data ? schema!.data_sources : schema!.resources)[type]?.attributes;
  for (const [file, text] of Object.entries(texts)) {
    const ref = new RegExp(
      `(data\\.)?\\b(${local}_[a-z0-9_]+)\\.([a-z0-9_]+)((?:\\[[^\\]]*\\])?(?:\\.[a-z_][a-z0-9_]*(?:\\[[^\\]]*\\])?)*)`,
      'g',
    );
    for (const m of text.matchAll(ref)) {
      if (/(resource|data)\s+"$/.test(text.slice(0, m.index))) continue;
      const attributes = attributesOf(Boolean(m[1]), m[2]);
      if (!attributes) continue; // type problems are reported above
      const segments = m[4]
        .replace(/\[[^\]]*\]/g, '')
        .split('.')
        .filter(Boolean);
      const missing = missingSegment(attributes, segments);
      if (missing) {
        problems.push(
          `${file}: ${m[0]}: ${m[2]} has no attribute ${missing} there`,
        );
      }
    }
    const loop = new RegExp(
      `for\\s+([a-z_][a-z0-9_]*)\\s+in\\s+(data\\.)?(${local}_[a-z0-9_]+)\\.[a-z0-9_]+\\.([a-z0-9_]+)\\s*:([^\\]}]*)`,
      'g',
    );
    for (const m of text.matchAll(loop)) {
      const list = attributesOf(Boolean(m[2]), m[3])?.[m[4]];
      if (!list?.attributes) continue;
      for (const use of m[5].matchAll(
        new RegExp(`\\b${m[1]}\\.([a-z_][a-z0-9_]*)`, 'g'),
      )) {
        if (!(use[1] in list.attributes)) {
          problems.push(
            `${file}: ${m[1]}.${use[1]}: an element of ${m[3]}.${m[4]} has no attribute ${use[1]}`,
          );
        }
      }
    }
  }
  return problems;
}
