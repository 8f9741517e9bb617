/*
 * The form schemas of the kpaas templates: valid JSON Schema (draft 7) and in step with
 * kpaas-common (Kubernetes versions) and the values pack (add-on ids, dependencies, UIs).
 */
import {
  formatSpecErrors,
  parseAddonCatalog,
  supportedKubernetesVersions,
  DEFAULT_KUBERNETES_VERSION,
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

/** Transitive dependencies of an add-on, in catalog order. */
function requires(id: string): string[] {
  const seen = new Set<string>();
  const queue = [...catalog.addons.find(a => a.id === id)!.dependsOn];
  while (queue.length) {
    const dep = queue.shift()!;
    if (!seen.has(dep)) {
      seen.add(dep);
      queue.push(...catalog.addons.find(a => a.id === dep)!.dependsOn);
    }
  }
  return catalog.addons.map(a => a.id).filter(x => seen.has(x));
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
            if (!field.description && !field['ui:help']) {
              throw new Error(`${where}.${key} has no description or ui:help`);
            }
            walk(field.properties, `${where}.${key}`);
            walk(field.items?.properties, `${where}.${key}[]`);
          }
        };
        walk(page.properties, page.title);
        for (const branch of page.dependencies?.target?.oneOf ?? []) {
          walk(
            branch.properties,
            `${page.title} (${branch.properties.target.const})`,
          );
        }
      }
    });

    it('every kpaas step names the repository its workspace comes from (repo pinning)', () => {
      const kpaasSteps = template.spec.steps.filter((s: any) =>
        String(s.action).startsWith('kpaas:'),
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
  });

  it('offers exactly the values pack add-ons, in catalog order, with their titles', () => {
    const options = prop('addons').items.oneOf;
    expect(options.map((o: any) => o.const)).toEqual(
      catalog.addons.map(a => a.id),
    );
    options.forEach((o: any, i: number) => {
      expect(o.title.startsWith(catalog.addons[i].title)).toBe(true);
    });
    for (const id of prop('addons').default) {
      expect(catalog.addons.map(a => a.id)).toContain(id);
    }
  });

  it('renders from an add-on map equal to the values pack (titles, transitive dependencies, UIs)', () => {
    const fetchStep = template.spec.steps.find((s: any) => s.id === 'fetch');
    const map = fetchStep.input.values.addonCatalog;
    expect(Object.keys(map)).toEqual(catalog.addons.map(a => a.id));
    for (const addon of catalog.addons) {
      expect(map[addon.id].title).toBe(addon.title);
      expect(map[addon.id].requires).toEqual(requires(addon.id));
      const ui = map[addon.id].ui;
      expect(
        ui && { title: ui.title, hostPrefix: ui.hostPrefix, path: ui.path },
      ).toEqual(
        addon.ui && {
          title: addon.ui.title,
          hostPrefix: addon.ui.hostPrefix,
          path: addon.ui.path,
        },
      );
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
    for (const key of [
      'sshPrivateKey',
      'kakaoCredentialId',
      'kakaoCredentialSecret',
    ]) {
      expect(access.properties[key]['ui:field']).toBe('Secret');
      expect(access.required).not.toContain(key);
    }
    expect(template.spec.secrets.schema.required).toEqual(['sshPrivateKey']);
    // no step input may pass a secret on: the kpaas actions read ctx.secrets
    expect(JSON.stringify(template.spec.steps)).not.toMatch(/secrets\./);
  });

  it('kpaas-cp installer is pinned to v1.33.5 with CRI-O and Calico', () => {
    const ajv = new Ajv({ strict: false });
    const nodes = pages.find(p => p.properties?.installer);
    const validate = ajv.compile(nodes);
    const base = {
      controlPlaneCount: 3,
      workerCount: 3,
      installer: 'kpaas-cp',
      kubernetesVersion: 'v1.33.5',
      containerRuntime: 'cri-o',
      cni: 'calico',
    };
    expect(validate(base)).toBe(true);
    expect(validate({ ...base, containerRuntime: 'containerd' })).toBe(false);
    expect(validate({ ...base, kubernetesVersion: 'v1.34.8' })).toBe(false);
    expect(validate({ ...base, controlPlaneCount: 2 })).toBe(false);
  });
});
