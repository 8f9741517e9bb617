import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import {
  ClusterSpec,
  ClusterTargetType,
  defaultClusterSpec,
  deriveTargetMachineConfig,
} from '@internal/plugin-kpaas-common';
import { KAKAO_CREDENTIAL_ENV } from './terraformTarget';

/*
 * What kpaas:provision derives from cluster.yaml matches what the shipped targets read: the
 * Terraform variables' names and types (variables.tf, parsed with @cdktf/hcl2json) and the keys
 * the Vagrantfile reads from vagrant.json.
 */

const targetsDir = path.resolve(
  __dirname,
  '../../../../templates/kpaas-cluster/targets',
);

/** Variables kpaas:provision passes through the environment (TF_VAR_*), not the file. */
const FROM_ENVIRONMENT = [
  ...Object.values(KAKAO_CREDENTIAL_ENV).map(n => n.replace('TF_VAR_', '')),
  'ssh_public_key',
];

type TfType =
  | { kind: 'string' | 'number' | 'bool' | 'any' }
  | { kind: 'list' | 'set' | 'map'; of: TfType }
  | {
      kind: 'object';
      attributes: Record<string, { type: TfType; optional: boolean }>;
    };

/** Parses a Terraform type constraint (`list(object({ name = string, ... }))`). */
function parseType(text: string): TfType {
  const tokens = text.match(/[A-Za-z_][\w-]*|[(){}=,]/g) ?? [];
  let i = 0;
  const expect = (t: string) => {
    if (tokens[i] !== t) {
      throw new Error(`expected "${t}" at token ${i} of ${text}`);
    }
    i++;
  };
  const type = (): { type: TfType; optional: boolean } => {
    const name = tokens[i++];
    if (name === 'optional') {
      expect('(');
      const inner = type();
      expect(')');
      return { type: inner.type, optional: true };
    }
    if (['string', 'number', 'bool', 'any'].includes(name)) {
      return { type: { kind: name as 'string' }, optional: false };
    }
    if (name === 'list' || name === 'set' || name === 'map') {
      expect('(');
      const of = type().type;
      expect(')');
      return { type: { kind: name, of }, optional: false };
    }
    if (name === 'object') {
      expect('(');
      expect('{');
      const attributes: Record<string, { type: TfType; optional: boolean }> =
        {};
      while (tokens[i] !== '}') {
        const key = tokens[i++];
        expect('=');
        attributes[key] = type();
        if (tokens[i] === ',') i++;
      }
      expect('}');
      expect(')');
      return { type: { kind: 'object', attributes }, optional: false };
    }
    throw new Error(`unknown type "${name}" in ${text}`);
  };
  const parsed = type().type;
  if (i !== tokens.length) throw new Error(`trailing tokens in ${text}`);
  return parsed;
}

/** Where `value` does not meet `type`, as `path: problem` lines. */
function typeProblems(value: unknown, type: TfType, at: string): string[] {
  switch (type.kind) {
    case 'any':
      return [];
    case 'string':
    case 'number':
      return typeof value === type.kind ? [] : [`${at}: not a ${type.kind}`];
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${at}: not a bool`];
    case 'list':
    case 'set':
      return Array.isArray(value)
        ? value.flatMap((v, n) => typeProblems(v, type.of, `${at}[${n}]`))
        : [`${at}: not a ${type.kind}`];
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) =>
            typeProblems(v, type.of, `${at}.${k}`),
          )
        : [`${at}: not a map`];
    default: {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        return [`${at}: not an object`];
      }
      const record = value as Record<string, unknown>;
      return [
        // Terraform would drop an undeclared attribute silently: a derived one must exist
        ...Object.keys(record)
          .filter(k => !(k in type.attributes))
          .map(k => `${at}.${k}: not an attribute of the object type`),
        ...Object.entries(type.attributes).flatMap(([k, a]) => {
          if (record[k] !== undefined && record[k] !== null) {
            return typeProblems(record[k], a.type, `${at}.${k}`);
          }
          return a.optional ? [] : [`${at}.${k}: missing`];
        }),
      ];
    }
  }
}

interface Declared {
  type: TfType;
  hasDefault: boolean;
}

async function declaredVariables(
  dir: string,
): Promise<Record<string, Declared>> {
  const out: Record<string, Declared> = {};
  for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.tf'))) {
    const parsed = (await parse(
      file,
      fs.readFileSync(path.join(dir, file), 'utf8'),
    )) as { variable?: Record<string, Array<Record<string, unknown>>> };
    for (const [name, [block]] of Object.entries(parsed.variable ?? {})) {
      const typeText = String(block.type ?? '${any}').replace(
        /^\$\{([\s\S]*)\}$/,
        '$1',
      );
      out[name] = { type: parseType(typeText), hasDefault: 'default' in block };
    }
  }
  return out;
}

function withoutIngressIp(spec: ClusterSpec): ClusterSpec {
  return {
    ...spec,
    spec: {
      ...spec.spec,
      network: { ...spec.spec.network, ingressIp: undefined },
    },
  };
}

const terraformCases: Array<[string, ClusterTargetType, ClusterSpec]> = [
  [
    'kakao-cloud 3+3',
    'kakao-cloud',
    defaultClusterSpec('alpha', 'kakao-cloud'),
  ],
  [
    'kakao-cloud with 12 workers',
    'kakao-cloud',
    (() => {
      const s = defaultClusterSpec('alpha', 'kakao-cloud');
      return { ...s, spec: { ...s.spec, workers: { count: 12 } } };
    })(),
  ],
  ['multipass 3+3', 'multipass', defaultClusterSpec('beta', 'multipass')],
  [
    'multipass without an ingress address',
    'multipass',
    withoutIngressIp(defaultClusterSpec('beta', 'multipass')),
  ],
];

describe("derived target variables match the targets' declarations", () => {
  it('parses the type constraints it checks against', () => {
    expect(
      parseType('list(object({ a = string, b = optional(number) }))'),
    ).toEqual({
      kind: 'list',
      of: {
        kind: 'object',
        attributes: {
          a: { type: { kind: 'string' }, optional: false },
          b: { type: { kind: 'number' }, optional: true },
        },
      },
    });
    // the check can fail: a wrong type, an unknown attribute and a missing one are reported
    expect(
      typeProblems(
        [{ a: 1, c: 'x' }],
        parseType('list(object({ a = string, d = bool }))'),
        'nodes',
      ),
    ).toEqual([
      'nodes[0].c: not an attribute of the object type',
      'nodes[0].a: not a string',
      'nodes[0].d: missing',
    ]);
  });

  it.each(terraformCases)(
    '%s: every variable is declared with a matching type, every required one is set',
    async (_title, target, spec) => {
      const config = deriveTargetMachineConfig(spec);
      if (config.tool !== 'terraform') throw new Error('terraform expected');
      const declared = await declaredVariables(
        path.join(targetsDir, target, 'terraform', target),
      );
      const values = config.values as unknown as Record<string, unknown>;
      const problems = [
        ...Object.keys(values)
          .filter(k => !(k in declared))
          .map(k => `${k}: not declared in variables.tf`),
        ...Object.entries(declared).flatMap(([name, d]) => {
          const value = values[name];
          if (value === undefined || value === null) {
            return d.hasDefault || FROM_ENVIRONMENT.includes(name)
              ? []
              : [`${name}: required but not derived`];
          }
          return typeProblems(value, d.type, name);
        }),
      ];
      expect(problems).toEqual([]);
    },
  );

  it('vagrant: the Vagrantfile reads only keys vagrant.json has', () => {
    const config = deriveTargetMachineConfig(
      defaultClusterSpec('gamma', 'vagrant'),
    );
    if (config.tool !== 'vagrant') throw new Error('vagrant expected');
    const vagrantfile = fs.readFileSync(
      path.join(targetsDir, 'vagrant/vagrant/Vagrantfile'),
      'utf8',
    );
    const specKeys = [...vagrantfile.matchAll(/spec\["(\w+)"\]/g)].map(
      m => m[1],
    );
    const nodeKeys = [...vagrantfile.matchAll(/\bn(?:ode)?\["(\w+)"\]/g)].map(
      m => m[1],
    );
    expect(specKeys.length).toBeGreaterThan(3);
    expect(nodeKeys.length).toBeGreaterThan(3);
    for (const key of specKeys) expect(config.values).toHaveProperty(key);
    for (const node of config.values.nodes) {
      for (const key of nodeKeys) expect(node).toHaveProperty(key);
    }
    expect(vagrantfile).toContain('File.join(__dir__, "vagrant.json")');
    expect(config.file).toBe('vagrant.json');
  });
});
