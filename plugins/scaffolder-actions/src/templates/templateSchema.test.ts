/*
 * The form schemas of the kpaas templates: valid JSON Schema (draft 7) and in step with
 * kpaas-common (Kubernetes versions) and the values pack (add-on ids, dependencies, UIs).
 */
import {
  formatSpecErrors,
  parseAddonCatalog,
  supportedKubernetesVersions,
  DEFAULT_KUBERNETES_VERSION,
  KPAAS_CP_KUBERNETES_VERSION,
  kubernetesVersionsFor,
} from '@internal/plugin-kpaas-common';
import Ajv from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import { loadTemplate, repoRoot } from './__testUtils__/dryRun';

const catalog = (() => {
  const parsed = parseAddonCatalog(
    fs.readFileSync(path.join(repoRoot, 'values/addons.yaml'), 'utf8'),
  );
  if (!parsed.ok) throw new Error(formatSpecErrors(parsed.errors));
  return parsed.catalog;
})();

/** The page's if/then/else chain on `target`, as { target, then } per branch. */
function targetBranches(page: any): Array<{ target: string; then: any }> {
  const out: Array<{ target: string; then: any }> = [];
  for (let b = page; b?.if; b = b.else) {
    out.push({ target: b.if.properties.target.const, then: b.then });
  }
  return out;
}

describe.each(['kpaas-cluster', 'kpaas-cluster-apply'])(
  '%s parameters',
  name => {
    const template = loadTemplate(name);
    const pages: any[] = [template.spec.parameters].flat();

    it('every page is a valid draft-07 JSON Schema with help text on every field', () => {
      // ui:* are Backstage form hints, not JSON Schema keywords
      const ajv = new Ajv({ strict: false, allErrors: true });
      for (const page of pages) {
        expect(ajv.validateSchema(page)).toBe(true);
        expect(ajv.errors ?? null).toBeNull();
        expect(() => ajv.compile(page)).not.toThrow();
        const walk = (
          props: Record<string, any> | undefined,
          where: string,
        ) => {
          for (const [key, field] of Object.entries(props ?? {})) {
            if (field.const !== undefined && Object.keys(field).length === 1)
              continue;
            // another target's block, declared only to keep it off the form and the review
            if (field.title === '') continue;
            if (!field.description && !field['ui:help']) {
              throw new Error(`${where}.${key} has no description or ui:help`);
            }
            walk(field.properties, `${where}.${key}`);
            walk(field.items?.properties, `${where}.${key}[]`);
          }
        };
        walk(page.properties, page.title);
        for (const branch of targetBranches(page)) {
          walk(branch.then.properties, `${page.title} (${branch.target})`);
        }
      }
    });

    it('every kpaas step names the repository its workspace comes from (repo pinning)', () => {
      // kpaas:cluster-repo writes the new repository from the form: no cluster to pin yet
      const kpaasSteps = template.spec.steps.filter(
        (s: any) =>
          String(s.action).startsWith('kpaas:') &&
          s.action !== 'kpaas:cluster-repo',
      );
      expect(kpaasSteps.length).toBeGreaterThanOrEqual(3);
      for (const step of kpaasSteps) {
        // the order's review plan goes to the platform repository, everything else to repoUrl
        expect([
          '${{ parameters.repoUrl }}',
          '${{ parameters.platformRepoUrl }}',
        ]).toContain(step.input.repoUrl);
      }
      const built = kpaasSteps.filter((s: any) => s.input.mode !== 'plan');
      for (const step of built) {
        expect(step.input.repoUrl).toBe('${{ parameters.repoUrl }}');
      }
    });
  },
);

describe('kpaas-cluster form and the shared models', () => {
  const template = loadTemplate('kpaas-cluster');
  const pages: any[] = template.spec.parameters;
  const prop = (key: string) =>
    pages.find(p => p.properties?.[key])!.properties[key];

  it('offers exactly the supported Kubernetes versions, defaulting to kpaas-common’s default', () => {
    expect(prop('kubernetesVersion').enum).toEqual([
      ...supportedKubernetesVersions,
    ]);
    expect(prop('kubernetesVersion').default).toBe(DEFAULT_KUBERNETES_VERSION);
    expect(kubernetesVersionsFor('kubeadm')).toContain(
      DEFAULT_KUBERNETES_VERSION,
    );
  });

  it('pins kpaas-cp to kpaas-common’s kpaas-cp version and says it is past end of life', () => {
    const nodes = pages.find(p => p.properties?.installer);
    const pinned = nodes.allOf.find(
      (b: any) => b.if?.properties?.installer?.const === 'kpaas-cp',
    );
    expect(pinned.then.properties.kubernetesVersion.const).toBe(
      KPAAS_CP_KUBERNETES_VERSION,
    );
    expect(kubernetesVersionsFor('kpaas-cp')).toEqual([
      KPAAS_CP_KUBERNETES_VERSION,
    ]);
    for (const key of ['kubernetesVersion', 'installer']) {
      expect(prop(key).description).toContain(KPAAS_CP_KUBERNETES_VERSION);
      expect(prop(key).description).toMatch(/past upstream end of life/);
    }
  });

  it('offers exactly the values pack add-ons, in catalog order, with their titles', () => {
    const options = prop('addons').items.oneOf;
    expect(options.map((o: any) => o.const)).toEqual(
      catalog.addons.map(a => a.id),
    );
    options.forEach((o: any, i: number) => {
      expect(o.title.startsWith(catalog.addons[i].title)).toBe(true);
      // dependencies are the catalog's business (kpaas:cluster-repo adds them), not the form's
      expect(o.title).not.toMatch(/brings/);
    });
    for (const id of prop('addons').default) {
      expect(catalog.addons.map(a => a.id)).toContain(id);
    }
  });

  it('rejects add-on sets the catalog forbids (conflicts, two secrets managers)', () => {
    const ajv = new Ajv({ strict: false });
    const page = pages.find(p => p.properties?.addons);
    const validate = ajv.compile(page);
    expect(validate({ addons: ['kpaas-cp-portal', 'harbor'] })).toBe(false);
    expect(validate({ addons: ['vault', 'openbao'] })).toBe(false);
    // one entry point: the Gateway API default or the retired ingress-nginx (and the portal on it)
    expect(validate({ addons: ['envoy-gateway', 'ingress-nginx'] })).toBe(
      false,
    );
    expect(validate({ addons: ['envoy-gateway', 'kpaas-cp-portal'] })).toBe(
      false,
    );
    expect(validate({ addons: ['metallb', 'envoy-gateway'] })).toBe(true);
    expect(validate({ addons: ['kpaas-cp-portal', 'vault'] })).toBe(true);
    expect(validate({ addons: ['not-an-addon'] })).toBe(false);
  });

  it('requires review for production, defaults it off only for sandbox, and keeps secrets out of parameters', () => {
    const ajv = new Ajv({ strict: false });
    const repoPage = pages.find(p => p.properties?.reviewFirst);
    const validate = ajv.compile(repoPage);
    const base = {
      repoUrl: 'github.com?owner=a&repo=b',
      platformRepoUrl: 'github.com?owner=p&repo=c',
    };
    expect(
      validate({ ...base, environment: 'production', reviewFirst: false }),
    ).toBe(false);
    expect(
      validate({ ...base, environment: 'sandbox', reviewFirst: false }),
    ).toBe(true);
    expect(repoPage.allOf[0].then.properties.reviewFirst.default).toBe(false);
    expect(repoPage.allOf[0].else.properties.reviewFirst.default).toBe(true);

    const access = pages.find(p => p.properties?.sshPrivateKey);
    expect(access.properties.sshPrivateKey['ui:field']).toBe('Secret');
    expect(access.required).not.toContain('sshPrivateKey');
    const kakao = targetBranches(pages.find(p => p.properties?.target)).find(
      b => b.target === 'kakao-cloud',
    )!.then;
    for (const key of ['kakaoCredentialId', 'kakaoCredentialSecret']) {
      expect(access.properties[key]).toBeUndefined();
      expect(kakao.properties[key]['ui:field']).toBe('Secret');
      expect(kakao.required).toContain(key);
    }
    expect(template.spec.secrets.schema.required).toEqual(['sshPrivateKey']);
    // no step input may pass a secret on: the kpaas actions read ctx.secrets
    expect(JSON.stringify(template.spec.steps)).not.toMatch(/secrets\./);
  });

  it('kpaas-cp installer is pinned to its version with CRI-O and Calico', () => {
    const ajv = new Ajv({ strict: false });
    const nodes = pages.find(p => p.properties?.installer);
    const validate = ajv.compile(nodes);
    const base = {
      controlPlaneCount: 3,
      workerCount: 3,
      installer: 'kpaas-cp',
      kubernetesVersion: KPAAS_CP_KUBERNETES_VERSION,
      containerRuntime: 'cri-o',
      cni: 'calico',
    };
    expect(validate(base)).toBe(true);
    expect(validate({ ...base, containerRuntime: 'containerd' })).toBe(false);
    expect(
      validate({ ...base, kubernetesVersion: DEFAULT_KUBERNETES_VERSION }),
    ).toBe(false);
    expect(
      validate({
        ...base,
        installer: 'kubeadm',
        kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
      }),
    ).toBe(true);
    expect(validate({ ...base, controlPlaneCount: 2 })).toBe(false);
  });
});

describe('kpaas-cluster Target page: only the chosen target', () => {
  const template = loadTemplate('kpaas-cluster');
  const page = template.spec.parameters.find((p: any) => p.properties?.target);
  const branches = targetBranches(page);
  const blocks: Record<string, string> = {
    'kakao-cloud': 'kakao',
    multipass: 'multipass',
    vagrant: 'vagrant',
    existing: 'existing',
  };
  const validate = new Ajv({ strict: false, allErrors: true }).compile(page);
  const minimal: Record<string, any> = {
    'kakao-cloud': {
      kakao: {
        region: 'kr-central-2',
        availabilityZone: 'kr-central-2-a',
        image: 'Ubuntu 24.04',
        controlPlaneFlavor: 't1i.large',
        workerFlavor: 't1i.xlarge',
        volumeSizeGiB: 200,
        keyPair: 'k',
        vpcCidr: '172.16.0.0/16',
      },
      kakaoCredentialId: '***',
      kakaoCredentialSecret: '***',
    },
    multipass: {
      multipass: {
        image: '24.04',
        controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
        worker: { cpus: 2, memoryGiB: 4, diskGiB: 50 },
      },
    },
    vagrant: {
      vagrant: {
        box: 'a/b',
        boxVersion: '0.1.0',
        provider: 'virtualbox',
        lbPair: true,
      },
    },
    existing: {
      existing: {
        hosts: [
          {
            name: 'a',
            role: 'control-plane',
            address: '10.0.0.1',
            hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
          },
        ],
      },
    },
  };

  it.each(Object.keys(blocks))(
    "%s: its own block is shown and required, other targets' blocks are hidden from the form and the review",
    target => {
      const branch = branches.find(b => b.target === target)!.then;
      expect(branches.map(b => b.target)).toEqual(Object.keys(blocks));
      expect(branch.required).toContain(blocks[target]);
      expect(branch.properties[blocks[target]]['ui:widget']).toBeUndefined();
      for (const [other, block] of Object.entries(blocks)) {
        if (other === target) continue;
        // drawn as nothing (no title, no fields) and kept off the review; never ui:widget
        // hidden, which the scaffolder would apply to the real block of that name too
        expect(branch.properties[block]).toEqual({
          type: 'object',
          title: '',
          'ui:backstage': { review: { show: false } },
        });
        expect(branch.required).not.toContain(block);
      }
      // the Kakao credential is asked in the kakao-cloud branch only
      for (const key of ['kakaoCredentialId', 'kakaoCredentialSecret']) {
        expect(branch.properties[key] !== undefined).toBe(
          target === 'kakao-cloud',
        );
      }
      // valid with its own block; a stale block of another target does not get in the way
      expect(validate({ target, ...minimal[target] })).toBe(true);
      const stale = target === 'kakao-cloud' ? 'multipass' : 'kakao-cloud';
      expect(validate({ target, ...minimal[target], ...minimal[stale] })).toBe(
        true,
      );
      // and invalid without it
      expect(validate({ target })).toBe(false);
    },
  );

  it('asks for the Kakao credential only for kakao-cloud', () => {
    const { kakaoCredentialSecret, ...noSecret } = minimal['kakao-cloud'];
    expect(validate({ target: 'kakao-cloud', ...noSecret })).toBe(false);
    expect(validate({ target: 'multipass', ...minimal.multipass })).toBe(true);
  });

  it('no description loses a placeholder: angle brackets only inside `code`', () => {
    const offending: string[] = [];
    const walk = (node: any, where: string) => {
      if (Array.isArray(node))
        node.forEach((n, i) => walk(n, `${where}[${i}]`));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'description' && typeof v === 'string') {
            const outsideCode = v.replace(/`[^`]*`/g, '');
            if (/<[^>\s]+>/.test(outsideCode)) offending.push(`${where}: ${v}`);
          } else walk(v, `${where}.${k}`);
        }
      }
    };
    for (const name of ['kpaas-cluster', 'kpaas-cluster-apply']) {
      walk(loadTemplate(name).spec.parameters, name);
    }
    expect(offending).toEqual([]);
  });
});
