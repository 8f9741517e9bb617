/*
 * The templates hold no model logic: cluster.yaml and everything derived from it come from
 * kpaas-common (kpaas:cluster-repo, kpaas:provision), never from Nunjucks. A template file that
 * lists add-on dependencies, does address arithmetic or carries a flavor table fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readDirectoryContents, templatesDir } from './__testUtils__/dryRun';

interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

/** What model logic looks like in a template file (Nunjucks, YAML, Markdown). */
const rules: Array<{ rule: string; pattern: RegExp }> = [
  { rule: 'add-on dependency list', pattern: /\brequires:\s*\[/ },
  { rule: 'add-on dependency list', pattern: /\bdependsOn\b/ },
  { rule: 'add-on catalog copy', pattern: /\baddonCatalog\b/ },
  { rule: 'address arithmetic', pattern: /\bhostIp\b/ },
  { rule: 'address arithmetic', pattern: /\/\/\s*(16777216|65536|256)\b/ },
  { rule: 'address arithmetic', pattern: /\.split\(\s*['"]\.['"]\s*\)/ },
  { rule: 'address arithmetic', pattern: /\.split\(\s*['"]\/['"]\s*\)/ },
  { rule: 'flavor table', pattern: /\bvcpu\s*:\s*\d/i },
  { rule: 'flavor table', pattern: /t1i\.\w+\s+\d+\s*vCPU/ },
  { rule: 'form → spec mapping', pattern: /\bset\s+installed\s*=/ },
];

/** Every finding of the rules in these files (path → text). */
function findModelLogic(
  files: ReadonlyArray<{ file: string; text: string }>,
): Finding[] {
  const findings: Finding[] = [];
  for (const { file, text } of files) {
    text.split('\n').forEach((line, i) => {
      for (const { rule, pattern } of rules) {
        if (pattern.test(line)) {
          findings.push({ file, line: i + 1, rule, text: line.trim() });
        }
      }
    });
  }
  return findings;
}

/**
 * The template files: template.yaml, skeleton and overlay files. The machine definitions under
 * targets/ are Terraform and Ruby (their own languages, e.g. Terraform's split("/", cidr)); they
 * take every value from the variables kpaas:provision writes.
 */
function templateFiles(): Array<{ file: string; text: string }> {
  return fs
    .readdirSync(templatesDir)
    .flatMap(name =>
      readDirectoryContents(path.join(templatesDir, name)).map(f => ({
        file: `${name}/${f.path}`,
        text: Buffer.from(f.base64Content, 'base64').toString('utf8'),
      })),
    )
    .filter(f => !/^[^/]+\/targets\//.test(f.file));
}

describe('templates hold no model logic', () => {
  it('no add-on dependency lists, address arithmetic, flavor table or form mapping in templates/**', () => {
    const files = templateFiles();
    expect(files.map(f => f.file)).toEqual(
      expect.arrayContaining([
        'kpaas-cluster/template.yaml',
        'kpaas-cluster/skeleton/README.md',
        'kpaas-cluster/skeleton/catalog-info.yaml',
        'kpaas-cluster-apply/template.yaml',
      ]),
    );
    expect(findModelLogic(files)).toEqual([]);
  });

  it('finds each kind in the template as it was before kpaas:cluster-repo', () => {
    // lines of templates/kpaas-cluster as of commit b791e4a (before this rule)
    const before = [
      {
        file: 'template.yaml',
        text: [
          '            kiali: {title: Kiali, requires: [istio-base, istiod, kube-prometheus-stack]}',
          "            {%- set flavors = {'t1i.large': {vcpu: 2, mem: 8}} -%}",
          '                  Instance type of the control-plane nodes (t1i.large 2 vCPU / 8 GiB,',
        ].join('\n'),
      },
      {
        file: 'skeleton/cluster.yaml',
        text: [
          '{%- macro hostIp(offset) -%}',
          "{%- set o = values.nodeCidr.split('/')[0].split('.') -%}",
          '${{ (n // 16777216) % 256 }}.${{ (n // 65536) % 256 }}',
          '{%- for id, addon in values.addonCatalog -%}',
          '{%- set installed = [] -%}',
        ].join('\n'),
      },
    ];
    const rulesFound = new Set(findModelLogic(before).map(f => f.rule));
    expect([...rulesFound].sort()).toEqual([
      'add-on catalog copy',
      'add-on dependency list',
      'address arithmetic',
      'flavor table',
      'form → spec mapping',
    ]);
  });
});
