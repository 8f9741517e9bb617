/*
 * The deployment example (deploy/kubernetes/*.yaml) parses, and every object validates against
 * its Kubernetes schema (kubernetes-models: the API's OpenAPI schemas compiled to validators,
 * offline; nothing is deployed). Also checks what the example promises: two replicas, the
 * database, Redis and encryption key from a Secret, probes, a PodDisruptionBudget.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const deployDir = path.resolve(__dirname, '../../../deploy/kubernetes');

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** The kubernetes-models class of an object, e.g. apps/v1 Deployment. */
function modelOf(object: KubeObject): new (data: unknown) => {
  validate(): void;
} {
  const modulePath = `kubernetes-models/${object.apiVersion}/${object.kind}`;
  let mod: Record<string, unknown>;
  try {
    mod = require(modulePath);
  } catch {
    throw new Error(
      `${object.kind} ${object.metadata?.name}: no schema for apiVersion "${object.apiVersion}" kind "${object.kind}" (${modulePath})`,
    );
  }
  return mod[object.kind] as new (data: unknown) => { validate(): void };
}

/** Validates one object; the error names the object and the field. */
function validateKubeObject(object: KubeObject): void {
  const Model = modelOf(object);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(
      `${object.kind} ${object.metadata?.name}: ${(error as Error).message}`,
    );
  }
}

function loadObjects(): Array<{ file: string; object: KubeObject }> {
  return fs
    .readdirSync(deployDir)
    .filter(f => f.endsWith('.yaml'))
    .sort()
    .flatMap(file =>
      parseAllDocuments(fs.readFileSync(path.join(deployDir, file), 'utf8'))
        .map(doc => {
          if (doc.errors.length)
            throw new Error(`${file}: ${doc.errors[0].message}`);
          return doc.toJS() as KubeObject | null;
        })
        .filter((object): object is KubeObject => object !== null)
        .map(object => ({ file, object })),
    );
}

describe('deploy/kubernetes', () => {
  const objects = loadObjects();
  const find = (kind: string) =>
    objects.find(o => o.object.kind === kind)?.object as any;

  it('every object validates against its Kubernetes schema', () => {
    expect(objects.length).toBeGreaterThanOrEqual(7);
    for (const { file, object } of objects) {
      expect(() => validateKubeObject(object)).not.toThrow();
      expect(file).toMatch(/\.yaml$/);
    }
  });

  it('refuses an invalid field (the check can fail)', () => {
    const deployment = structuredClone(find('Deployment'));
    deployment.spec.replicas = 'two';
    expect(() => validateKubeObject(deployment)).toThrow(
      /Deployment kpaas-backend: .*replicas must be integer/,
    );
    const pdb = structuredClone(find('PodDisruptionBudget'));
    delete pdb.spec.selector.matchLabels;
    pdb.spec.selector.matchExpressions = [{ key: 'app' }];
    expect(() => validateKubeObject(pdb)).toThrow(/operator/);
    expect(() =>
      validateKubeObject({
        apiVersion: 'apps/v1beta9',
        kind: 'Deployment',
        metadata: { name: 'x' },
      }),
    ).toThrow(/no schema for apiVersion "apps\/v1beta9"/);
  });

  it('two replicas with probes; PostgreSQL, Redis and the encryption key from the Secret; a PodDisruptionBudget', () => {
    const deployment = find('Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const [container] = deployment.spec.template.spec.containers;
    expect(container.readinessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/readiness',
    );
    expect(container.livenessProbe.httpGet.path).toBe(
      '/.backstage/health/v1/liveness',
    );
    const secretName = container.envFrom[0].secretRef.name;
    const secret = find('Secret');
    expect(secret.metadata.name).toBe(secretName);
    // every variable app-config.production.yaml reads that is not set in the Deployment itself
    const set = new Set([
      ...container.env.map((e: { name: string }) => e.name),
      ...Object.keys(secret.stringData),
    ]);
    const production = fs.readFileSync(
      path.resolve(deployDir, '../../app-config.production.yaml'),
      'utf8',
    );
    const read = [...production.matchAll(/\$\{(\w+)\}/g)].map(m => m[1]);
    expect(read).toEqual(
      expect.arrayContaining([
        'POSTGRES_HOST',
        'REDIS_URL',
        'KPAAS_ENCRYPTION_KEY',
      ]),
    );
    for (const name of read) expect(set).toContain(name);
    for (const name of [
      'POSTGRES_PASSWORD',
      'REDIS_URL',
      'KPAAS_ENCRYPTION_KEY',
    ])
      expect(Object.keys(secret.stringData)).toContain(name);
    const pdb = find('PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(
      deployment.spec.selector.matchLabels,
    );
    const service = find('Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });
});
