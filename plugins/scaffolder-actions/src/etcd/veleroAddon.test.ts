import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { AddonPlanError, buildAddonPlan } from '../addons/plan';

/*
 * The Velero add-on (values/addons.yaml id velero, values/velero/values.yaml): its backup
 * storage location is spec.backup's S3 target, next to the etcd snapshots; a cluster without
 * spec.backup is refused at plan time, before anything is installed.
 */

// eslint-disable-next-line no-restricted-syntax
const PACK = path.resolve(__dirname, '../../../../values');
const catalogText = fs.readFileSync(path.join(PACK, 'addons.yaml'), 'utf8');
const readPackFile = (p: string) => {
  try {
    return fs.readFileSync(path.join(path.dirname(PACK), p), 'utf8');
  } catch {
    return undefined;
  }
};

function plan(backup?: Record<string, unknown>) {
  return buildAddonPlan({
    specText: yaml.stringify({
      apiVersion: 'kpaas.io/v1alpha1',
      kind: 'Cluster',
      metadata: {
        name: 'lab',
        owner: 'group:default/platform',
        environment: 'dev',
      },
      spec: {
        target: {
          type: 'existing',
          hosts: [
            { name: 'lab-cp-1', role: 'control-plane', address: '10.10.0.11' },
            { name: 'lab-worker-1', role: 'worker', address: '10.10.0.21' },
          ],
        },
        controlPlane: { count: 1 },
        workers: { count: 1 },
        network: { nodeCidr: '10.10.0.0/24', domain: 'lab.example.com' },
        addons: [{ id: 'velero' }],
        ...(backup ? { backup } : {}),
      },
    }),
    catalogText,
    readPackFile,
    readRepoFile: () => undefined,
  });
}

describe('the Velero add-on', () => {
  it("stores its backups in spec.backup's bucket under <prefix>/velero", () => {
    const velero = plan({
      target: {
        endpoint: 'http://minio.minio:9000',
        bucket: 'kpaas-backups',
        prefix: 'clusters/lab',
        credentialsSecret: 'etcd-backup-s3',
      },
    }).addons.find(a => a.id === 'velero')!;
    expect(velero.definition.readiness).toEqual([
      { kind: 'Deployment', name: 'velero' },
    ]);
    const values = yaml.parse(velero.valuesFiles[0].content);
    expect(values.configuration.backupStorageLocation).toEqual([
      {
        name: 'default',
        provider: 'aws',
        bucket: 'kpaas-backups',
        prefix: 'clusters/lab/velero',
        default: true,
        config: {
          region: 'us-east-1',
          s3ForcePathStyle: 'true',
          s3Url: 'http://minio.minio:9000',
        },
      },
    ]);
    expect(values.credentials).toEqual({
      useSecret: true,
      existingSecret: 'velero-s3',
    });
    expect(velero.valuesFiles[0].secretTokens).toEqual([]);
  });

  it('is refused without spec.backup, naming the field to set', () => {
    let problems: string[] = [];
    try {
      plan();
    } catch (e) {
      if (!(e instanceof AddonPlanError)) throw e;
      problems = e.problems;
    }
    expect(problems).toEqual([
      expect.stringContaining(
        '${KPAAS_BACKUP_BUCKET} has no value for this cluster; set spec.backup (target endpoint, bucket, credentialsSecret)',
      ),
    ]);
  });
});
