/*
 * The kpaas-cluster template, dry-run through the real scaffolder backend for every target.
 *
 * Most tests dry-run the template without the steps that reach machines (provision, bootstrap,
 * add-ons), to look at what the other steps render (kpaas:cluster-repo's cluster.yaml, hosts
 * snippet and summary, fetch:template, the per-target fetches, the overlay loop,
 * publish:github:pull-request in dry-run mode, publish:github / publish:gitea and catalog:register
 * skipped as non-dry-run actions); the last block runs the unmodified template for every target.
 */
import {
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  DefaultNamespaceEntityPolicy,
  resourceEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { parse as parseHcl } from '@cdktf/hcl2json';
import {
  AddonCatalog,
  ClusterSpec,
  clusterOrderFormSchema,
  clusterSpecFromForm,
  clusterSummary,
  formatOrderFormErrors,
  renderClusterYaml,
  renderHostsSnippet,
  deriveInventory,
  derivePlatformLinks,
  deriveResourceTotals,
  formatSpecErrors,
  parseAddonCatalog,
  parseClusterSpec,
} from '@internal/plugin-kpaas-common';
import fs from 'node:fs';
import { utils } from 'ssh2';
import path from 'node:path';
import yaml from 'yaml';
import {
  DryRunResult,
  DryRunner,
  loadTemplate,
  readDirectoryContents,
  repoRoot,
  GITEA_HOST,
  startDryRunner,
  templatesDir,
  withoutKpaasSteps,
} from './__testUtils__/dryRun';
import {
  CANARY_MARKERS,
  FULL_ADDONS,
  SECRET_CANARIES,
  existingValues,
  kakaoFullValues,
  kakaoMinimalValues,
  multipassValues,
  vagrantValues,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const templateDir = path.join(templatesDir, 'kpaas-cluster');
const directoryContents = readDirectoryContents(templateDir);
const template = loadTemplate('kpaas-cluster');

const catalog: AddonCatalog = (() => {
  const parsed = parseAddonCatalog(
    fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
  );
  if (!parsed.ok) throw new Error(formatSpecErrors(parsed.errors));
  return parsed.catalog;
})();

const skeletonScripts = directoryContents.filter(f =>
  f.path.startsWith('skeleton/scripts/'),
);

const entityPolicy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

let runner: DryRunner;
beforeAll(async () => {
  runner = await startDryRunner();
});
afterAll(async () => {
  await runner?.stop();
});

async function dryRun(
  values: Record<string, unknown>,
  options: { keepKpaasSteps?: boolean } = {},
): Promise<DryRunResult> {
  return runner.dryRun({
    template: options.keepKpaasSteps ? template : withoutKpaasSteps(template),
    values,
    secrets: SECRET_CANARIES,
    directoryContents,
  });
}

function expectOk(result: DryRunResult) {
  if (result.status !== 200) {
    throw new Error(
      `dry-run answered ${result.status}: ${JSON.stringify(result.body).slice(
        0,
        2000,
      )}`,
    );
  }
}

function parseSpec(result: DryRunResult): ClusterSpec {
  const parsed = parseClusterSpec(result.files.get('cluster.yaml'), {
    catalog,
  });
  if (!parsed.ok) {
    throw new Error(formatSpecErrors(parsed.errors, 'rendered cluster.yaml'));
  }
  return parsed.spec;
}

const commonFiles = [
  '.gitignore',
  'README.md',
  'catalog-info.yaml',
  'cluster.yaml',
  'docs/index.md',
  'docs/operations.md',
  'hosts.snippet',
  'mkdocs.yml',
  'values/README.md',
];
/** The target's static machine files, as fetch:plain copies them from targets/<target>/. */
const targetFiles = (target: string) =>
  directoryContents
    .filter(f => f.path.startsWith(`targets/${target}/`))
    .map(f => f.path.slice(`targets/${target}/`.length));

/** The rendered tree: common files, the target's files only, one overlay per chosen add-on. */
function expectFileTree(
  result: DryRunResult,
  target: string,
  addons: string[],
) {
  const expected = [
    ...commonFiles,
    ...targetFiles(target),
    ...addons.map(id => `values/${id}.yaml`),
    ...skeletonScripts.map(f => f.path.slice('skeleton/'.length)),
  ].sort();
  expect([...result.files.keys()].sort()).toEqual(expected);
  // scripts/ is copied byte for byte (no templating)
  for (const script of skeletonScripts) {
    expect(
      result.body.directoryContents.find(
        (f: any) => f.path === script.path.slice('skeleton/'.length),
      )?.base64Content,
    ).toBe(script.base64Content);
  }
}

/** Every YAML/JSON file parses; every .tf file parses as HCL and uses only declared vars/locals. */
async function expectParseableFiles(result: DryRunResult) {
  const modules = new Map<string, Map<string, any>>();
  for (const [file, content] of result.files) {
    if (/\.ya?ml$/.test(file)) {
      expect(() =>
        yaml.parseAllDocuments(content).forEach(d => {
          if (d.errors.length) throw d.errors[0];
        }),
      ).not.toThrow();
    } else if (file.endsWith('.json')) {
      expect(() => JSON.parse(content)).not.toThrow();
    } else if (file.endsWith('.tf')) {
      const parsed = await parseHcl(file, content);
      const dir = path.posix.dirname(file);
      if (!modules.has(dir)) modules.set(dir, new Map());
      modules.get(dir)!.set(file, { parsed, content });
    }
  }
  for (const [dir, files] of modules) {
    const declaredVars = new Set<string>();
    const declaredLocals = new Set<string>();
    for (const { parsed } of files.values()) {
      Object.keys(parsed.variable ?? {}).forEach(v => declaredVars.add(v));
      for (const block of parsed.locals ?? []) {
        Object.keys(block).forEach(l => declaredLocals.add(l));
      }
    }
    expect(declaredVars.size).toBeGreaterThan(0);
    for (const [file, { content }] of files) {
      const code = content
        .split('\n')
        .filter((line: string) => !line.trim().startsWith('#'))
        .join('\n');
      for (const m of code.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) {
        if (!declaredVars.has(m[1])) {
          throw new Error(`${file} uses var.${m[1]}, not declared in ${dir}`);
        }
      }
      for (const m of code.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)) {
        if (!declaredLocals.has(m[1])) {
          throw new Error(`${file} uses local.${m[1]}, not declared in ${dir}`);
        }
      }
    }
    // every variable in terraform.tfvars.json is declared
    const tfvars = result.files.get(`${dir}/terraform.tfvars.json`);
    if (tfvars) {
      for (const key of Object.keys(JSON.parse(tfvars))) {
        expect(declaredVars).toContain(key);
      }
    }
    // state goes to kpaas-backend's http backend; kpaas:provision supplies the addresses
    // (TF_HTTP_*), so the block carries no URL and no credential
    const versions = files.get(`${dir}/versions.tf`)!;
    expect(JSON.stringify(versions.parsed.terraform)).toMatch(
      /"backend":\{"http":\[\{\}\]\}|"backend":\[\{"http":\[\{\}\]\}\]/,
    );
    expect(versions.content).toMatch(/^\s*backend "http" \{\}$/m);
  }
}

function expectValidCatalogEntity(result: DryRunResult, spec: ClusterSpec) {
  const entity = yaml.parse(result.files.get('catalog-info.yaml')!);
  return (async () => {
    await expect(entityPolicy.enforce(entity)).resolves.toBeDefined();
    await expect(resourceEntityV1alpha1Validator.check(entity)).resolves.toBe(
      true,
    );
    expect(entity.spec).toMatchObject({
      type: 'kubernetes-cluster',
      owner: spec.metadata.owner,
    });
    expect(entity.metadata.annotations).toMatchObject({
      'kpaas.io/cluster-name': spec.metadata.name,
      'kpaas.io/target': spec.spec.target.type,
      'backstage.io/techdocs-ref': 'dir:.',
    });
    const expectedLinks = derivePlatformLinks(spec, catalog).map(l => ({
      title: l.title,
      url: l.url,
      icon: l.icon,
    }));
    const byUrl = (a: { url: string }, b: { url: string }) =>
      a.url.localeCompare(b.url);
    expect([...(entity.metadata.links ?? [])].sort(byUrl)).toEqual(
      expectedLinks.sort(byUrl),
    );
  })();
}

/** The "**Total:**" line the template prints, next to deriveResourceTotals. */
function expectTotals(text: string, spec: ClusterSpec) {
  const totals = deriveResourceTotals(spec);
  const m = text.match(
    /\*\*Total:\*\* (\d+) machines, (\d+) vCPU, (\d+) GiB memory, (\d+) GiB disk/,
  );
  expect(m).not.toBeNull();
  expect(m!.slice(1).map(Number)).toEqual([
    totals.total.machines,
    totals.total.vcpu,
    totals.total.memoryGiB,
    totals.total.diskGiB,
  ]);
  for (const note of totals.notes) expect(text).toContain(note);
}

/** kpaas:cluster-repo's summary, as the task's output text shows it. */
function summaryOf(result: DryRunResult): string {
  return result.body.output.text[0].content as string;
}

function expectNoSecrets(result: DryRunResult) {
  const everything = JSON.stringify(result.body);
  for (const marker of CANARY_MARKERS) {
    expect(everything).not.toContain(marker);
    expect(result.logText).not.toContain(marker);
    for (const [file, content] of result.files) {
      if (content.includes(marker)) {
        throw new Error(`secret canary ${marker} leaked into ${file}`);
      }
    }
  }
}

function expectHostsSnippet(result: DryRunResult, spec: ClusterSpec) {
  const snippet = result.files.get('hosts.snippet')!;
  const lines = snippet.split('\n').filter(l => l.trim() && !l.startsWith('#'));
  const hosts = derivePlatformLinks(spec, catalog).map(
    l => new URL(l.url).hostname,
  );
  if (hosts.length === 0) {
    expect(lines).toEqual([]);
  } else {
    expect(lines).toHaveLength(1);
    const [ip, ...names] = lines[0].split(/\s+/);
    expect(ip).toBe(spec.spec.network.ingressIp);
    expect(names.sort()).toEqual([...new Set(hosts)].sort());
  }
  // appending only: never a redirect that would overwrite the hosts file
  expect(snippet).not.toMatch(/[^>]>\s*\/etc\/hosts/);
  expect(snippet).toContain('tee -a /etc/hosts');
}

async function expectCommon(
  result: DryRunResult,
  values: Record<string, any>,
): Promise<ClusterSpec> {
  expectOk(result);
  expectFileTree(result, values.target, values.addons);
  await expectParseableFiles(result);
  const spec = parseSpec(result);
  expect(spec.metadata.name).toBe(values.name);
  expect(spec.spec.target.type).toBe(values.target);
  // chosen add-ons plus their dependencies, nothing else
  const expectedIds = new Set<string>(values.addons);
  for (const id of values.addons) {
    const walk = (a: string) =>
      catalog.addons
        .find(x => x.id === a)!
        .dependsOn.forEach(d => {
          expectedIds.add(d);
          walk(d);
        });
    walk(id);
  }
  expect(new Set(spec.spec.addons.map(a => a.id))).toEqual(expectedIds);
  await expectValidCatalogEntity(result, spec);
  expectTotals(summaryOf(result), spec);
  // the README does no address arithmetic: it points at cluster.yaml
  expect(result.files.get('README.md')).toContain('[`cluster.yaml`](cluster.yaml) is the source of truth');
  expectHostsSnippet(result, spec);
  expectNoSecrets(result);
  return spec;
}

describe('kpaas-cluster template dry-run', () => {
  it('kakao-cloud 3+3 with the full add-on set: Terraform with the planned fixed IPs, build-now path', async () => {
    const values = kakaoFullValues();
    const result = await dryRun(values);
    const spec = await expectCommon(result, values);

    // cluster.yaml carries the planned addresses; no Terraform variables file is kept in the
    // repo (kpaas:provision writes them from cluster.yaml on every run)
    expect(
      [...result.files.keys()].filter(f => f.endsWith('.tfvars.json')),
    ).toEqual([]);
    expect(spec.spec.target).toMatchObject({
      region: 'kr-central-2',
      keyPair: 'KPAAS_KEYPAIR',
      volumeSizeGiB: 200,
      subnetCidr: spec.spec.network.nodeCidr,
    });
    const summary = summaryOf(result);
    for (const node of deriveInventory(spec)) {
      expect(summary).toContain(`| ${node.name} | ${node.role} | ${node.address} |`);
    }
    expect(summary).toContain('**API server:** assigned at apply (lb)');

    const main = await parseHcl(
      'main.tf',
      result.files.get('terraform/kakao-cloud/main.tf')!,
    );
    expect(Object.keys(main.resource).sort()).toEqual(
      [
        'kakaocloud_instance',
        'kakaocloud_load_balancer',
        'kakaocloud_load_balancer_health_monitor',
        'kakaocloud_load_balancer_listener',
        'kakaocloud_load_balancer_target_group',
        'kakaocloud_load_balancer_target_group_member',
        'kakaocloud_public_ip',
        'kakaocloud_security_group',
        'kakaocloud_subnet',
        'kakaocloud_vpc',
        'local_file',
      ].sort(),
    );
    const listeners = main.resource.kakaocloud_load_balancer_listener;
    expect(
      Object.values(listeners).map((l: any) => l[0].protocol_port),
    ).toEqual(['${var.api_port}', 2379, 80, 443]);
    const versions = await parseHcl(
      'versions.tf',
      result.files.get('terraform/kakao-cloud/versions.tf')!,
    );
    expect(
      versions.terraform[0].required_providers[0].kakaocloud,
    ).toMatchObject({ source: 'kakaoenterprise/kakaocloud', version: '0.3.5' });
    const outputs = await parseHcl(
      'outputs.tf',
      result.files.get('terraform/kakao-cloud/outputs.tf')!,
    );
    expect(Object.keys(outputs.output)).toEqual(
      expect.arrayContaining([
        'nodes',
        'api_lb_vip',
        'api_lb_public_ip',
        'ingress_ip',
      ]),
    );

    // build-now: the PR step is skipped, publish/register run as dry-run skips
    expect(result.logText).toContain(
      'Skipping because publish:github does not support dry-run',
    );
    expect(result.logText).toContain(
      'Skipping because catalog:register does not support dry-run',
    );
    expect(result.logText).not.toContain(
      'Performing dry run of creating pull request',
    );
    const text = result.body.output.text[0].content as string;
    expectTotals(text, spec);
    const linkTitles = result.body.output.links.map((l: any) => l.title);
    expect(linkTitles).toEqual(
      expect.arrayContaining([
        'Cluster repository',
        'Open in catalog',
        'Grafana',
      ]),
    );
    expect(linkTitles).not.toContain('Review pull request');
    expect(linkTitles).not.toContain('K-PaaS portal');
  });

  it('kakao-cloud minimal (1+1, no add-ons) reviewed first: PR with totals to the platform repo', async () => {
    const values = kakaoMinimalValues({ reviewFirst: true });
    const result = await dryRun(values);
    const spec = await expectCommon(result, values);
    expect(spec.spec.addons).toEqual([]);
    expect(result.files.get('catalog-info.yaml')).not.toContain('links:');

    expect(result.logText).toContain(
      'Performing dry run of creating pull request',
    );
    expect(result.logText).not.toContain(
      'publish:github does not support dry-run',
    );
    const prInput = result.logText.match(
      /Running publish:github:pull-request in dry-run mode with inputs \(secrets redacted\): (\{[\s\S]*?\n\})/,
    );
    expect(prInput).not.toBeNull();
    const pr = JSON.parse(prInput![1]);
    expect(pr).toMatchObject({
      repoUrl: 'github.com?owner=platform-team&repo=clusters',
      branchName: 'kpaas/cluster-tiny',
      targetPath: 'clusters/tiny',
    });
    expectTotals(pr.description, spec);
    expect(result.body.output.links.map((l: any) => l.title)).toEqual([
      'Review pull request',
    ]);
  });

  it('reviewFirst left out goes to review (never builds by accident)', async () => {
    const { reviewFirst, ...values } = kakaoMinimalValues();
    const result = await dryRun(values);
    expectOk(result);
    expect(result.logText).toContain(
      'Performing dry run of creating pull request',
    );
    expect(result.logText).not.toContain(
      'publish:github does not support dry-run',
    );
  });

  it('multipass 3+3: per-cluster VM names, sizes from the form, destroy by exact name only', async () => {
    const values = multipassValues();
    const result = await dryRun(values);
    const spec = await expectCommon(result, values);
    expect(spec.spec.target).toMatchObject({
      controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
      worker: { cpus: 2, memoryGiB: 4, diskGiB: 50 },
    });
    // Multipass DHCP assigns the addresses: the summary says so instead of refusing
    expect(summaryOf(result)).toContain(
      `| ${spec.metadata.name}-worker-3 | worker | assigned at apply (Multipass DHCP) |`,
    );
    const mainTf = result.files.get('terraform/multipass/main.tf')!;
    const main = await parseHcl('main.tf', mainTf);
    const vm = main.resource.null_resource.vm[0];
    const localExecs = ([] as any[])
      .concat(vm.provisioner)
      .flatMap((p: any) => p['local-exec'] ?? []);
    expect(localExecs).toHaveLength(2);
    const destroy = localExecs.find((p: any) =>
      String(p.when).includes('destroy'),
    );
    expect(destroy.command).toBe(
      '${self.triggers.multipass} delete --purge ${self.triggers.name}',
    );
    expect(mainTf).not.toMatch(/delete\s+(--all|-a)\b|purge\s*$/m);
    expect(JSON.stringify(main)).not.toContain('timestamp()');
    // seed B: 6 VMs, 12 vCPU, 24 GiB, 270 GiB
    expectTotals(summaryOf(result), spec);
    expect(deriveResourceTotals(spec).total).toEqual({
      machines: 6,
      vcpu: 12,
      memoryGiB: 24,
      diskGiB: 270,
    });
  });

  it('vagrant 1+2 with the lb pair and the K-PaaS portal: the planned inventory in the summary', async () => {
    const values = vagrantValues();
    const result = await dryRun(values);
    const spec = await expectCommon(result, values);
    const summary = summaryOf(result);
    expect(
      deriveInventory(spec).map(n => `| ${n.name} | ${n.role} | ${n.address} |`),
    ).toEqual([
      '| lite-cp-1 | control-plane | 192.168.100.101 |',
      '| lite-worker-1 | worker | 192.168.100.111 |',
      '| lite-worker-2 | worker | 192.168.100.112 |',
      '| lite-lb-1 | lb | 192.168.100.121 |',
      '| lite-lb-2 | lb | 192.168.100.122 |',
    ].map(l => l.replace(/lite/g, spec.metadata.name)));
    for (const node of deriveInventory(spec)) {
      expect(summary).toContain(`| ${node.name} | ${node.role} | ${node.address} |`);
    }
    expect(summary).toContain('**API server:** https://192.168.100.200:6443 (vip)');
    // the Vagrantfile is copied as is: no template syntax survives or gets rendered into it
    const vagrantfile = targetFiles('vagrant').find(f => f.endsWith('Vagrantfile'))!;
    expect(result.files.get(vagrantfile)).toBe(
      fs.readFileSync(
        path.join(templateDir, 'targets/vagrant', vagrantfile),
        'utf8',
      ),
    );
    expect(spec.spec.addons.map(a => a.id)).toEqual([
      'metallb',
      'ingress-nginx',
      'metrics-server',
      'local-path-provisioner',
      'vault',
      'kpaas-cp-portal',
    ]);
    expect(result.body.output.links.map((l: any) => l.title)).toContain(
      'K-PaaS portal',
    );
  });

  it('existing machines: hosts with fingerprints, no machine files', async () => {
    const values = existingValues();
    const result = await dryRun(values);
    const spec = await expectCommon(result, values);
    expect(deriveInventory(spec).map(n => [n.name, n.address, n.port])).toEqual(
      [
        ['metal-cp-1', '10.10.0.11', 22],
        ['metal-worker-1', '10.10.0.21', 2222],
        ['metal-worker-2', '10.10.0.22', 22],
      ],
    );
    expect(
      spec.spec.target.type === 'existing' && spec.spec.target.hosts[2].user,
    ).toBe('ops');
    expect([...result.files.keys()].some(f => f.startsWith('terraform/'))).toBe(
      false,
    );
  });

  it('a cluster repository on a Gitea host is published with publish:gitea and registered from its URL', async () => {
    const values = {
      ...existingValues(),
      repoUrl: `${GITEA_HOST}?owner=platform&repo=metal-cluster`,
    };
    const result = await dryRun(values);
    expectOk(result);
    expect(result.logText).toContain(
      'Skipping because publish:gitea does not support dry-run',
    );
    expect(result.logText).not.toContain('publish:github does not support');
    // no GitHub annotation on an entity whose repository is not on GitHub
    expect(result.files.get('catalog-info.yaml')).not.toContain(
      'github.com/project-slug',
    );
    expect(result.files.get('docs/index.md')).toContain(
      `https://${GITEA_HOST}/platform/metal-cluster#readme`,
    );
  });

  it('refuses bad parameters naming the field of the chosen target', async () => {
    const existing = existingValues();
    const badHost = await dryRun({
      ...existing,
      existing: {
        hosts: [
          { ...existing.existing.hosts[0], name: 'Bad_Name' },
          ...existing.existing.hosts.slice(1),
        ],
      },
    });
    expect(badHost.status).toBe(400);
    expect(JSON.stringify(badHost.body)).toMatch(
      /instance\.existing\.hosts\[0\]\.name does not match pattern/,
    );
    const { kakaoCredentialSecret, ...noSecret } = kakaoMinimalValues();
    const kakao = await dryRun(noSecret);
    expect(kakao.status).toBe(400);
    expect(JSON.stringify(kakao.body)).toMatch(
      /requires property \\"kakaoCredentialSecret\\"/,
    );
  });

  it('the full add-on set is every catalog add-on that can coexist', () => {
    expect(FULL_ADDONS.length).toBe(catalog.addons.length - 4);
  });
});

/** The order as kpaas-common maps it: the one function the action uses. */
function expectedSpec(values: Record<string, unknown>) {
  const result = clusterSpecFromForm(
    clusterOrderFormSchema.parse(values),
    catalog,
  );
  if (!result.ok) throw new Error(formatOrderFormErrors(result.errors));
  return result;
}

const orders: Array<[string, () => Record<string, any>]> = [
  ['kakao-cloud', () => kakaoMinimalValues()],
  ['multipass', () => multipassValues()],
  ['vagrant', () => vagrantValues()],
  ['existing', () => existingValues()],
];

describe.each(orders)(
  'the unmodified template, dry-run for %s',
  (_target, values) => {
    /** cluster.yaml is exactly clusterSpecFromForm's spec; the summary is clusterSummary's. */
    function expectRepoAndSummary(result: DryRunResult, form: Record<string, any>) {
      expectOk(result);
      const { spec, implied } = expectedSpec(form);
      expect(result.files.get('cluster.yaml')).toBe(
        renderClusterYaml(spec, { implied }),
      );
      expect(result.files.get('hosts.snippet')).toBe(
        renderHostsSnippet(spec, catalog),
      );
      expect(summaryOf(result)).toBe(clusterSummary(spec, { catalog, implied }));
      expectNoSecrets(result);
      return spec;
    }

    it('reviewed first: cluster.yaml, the plan step and the pull request with the summary', async () => {
      const form = { ...values(), reviewFirst: true };
      const result = await dryRun(form, { keepKpaasSteps: true });
      const spec = expectRepoAndSummary(result, form);
      // Vagrant has no plan step
      expect(result.logText.includes('Running kpaas:provision in dry-run mode')).toBe(
        spec.spec.target.type !== 'vagrant',
      );
      const prInput = result.logText.match(
        /Running publish:github:pull-request in dry-run mode with inputs \(secrets redacted\): (\{[\s\S]*?\n\})/,
      );
      expect(prInput).not.toBeNull();
      expect(JSON.parse(prInput![1]).description.startsWith(summaryOf(result))).toBe(true);
    });

    it('built now: cluster.yaml and the summary, provision, bootstrap and add-ons in dry-run mode', async () => {
      const form = { ...values(), reviewFirst: false };
      // the machine steps read the key (public half for new VMs), so it must be a real one
      const key = utils.generateKeyPairSync('ed25519').private;
      const result = await runner.dryRun({
        template,
        values: form,
        secrets: { ...SECRET_CANARIES, sshPrivateKey: key },
        directoryContents,
      });
      expectRepoAndSummary(result, form);
      expect(JSON.stringify(result.body)).not.toContain(key.split('\n')[1]);
      for (const action of ['kpaas:provision', 'kpaas:bootstrap', 'kpaas:addons']) {
        expect(result.logText).toContain(`Running ${action} in dry-run mode`);
      }
    });
  },
);
