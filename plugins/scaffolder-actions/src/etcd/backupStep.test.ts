import { mockServices } from '@backstage/backend-test-utils';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import * as k8s from '@kubernetes/client-node';
import { AddonCluster } from '../addons/cluster';
import { applyEtcdBackup } from './backupStep';

function spec(backup?: Record<string, unknown>) {
  const r = parseClusterSpec({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'demo',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: { type: 'multipass' },
      controlPlane: { count: 3 },
      workers: { count: 1 },
      network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
      ...(backup ? { backup } : {}),
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

const backup = {
  schedule: '15 */4 * * *',
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    credentialsSecret: 'etcd-backup-s3',
  },
};

describe('applyEtcdBackup (the add-ons step against the API stand-in)', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
  });
  afterEach(() => standIn.close());

  const run = (s: ReturnType<typeof spec>) =>
    applyEtcdBackup({
      spec: s,
      cluster: new AddonCluster(kc, { pollMaxMs: 50 }),
      logger: mockServices.logger.mock(),
      deadline: Date.now() + 20_000,
    });

  it('applies the CronJob with the image of the etcd the cluster runs', async () => {
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'etcd-backup-s3' },
        stringData: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
      },
    });
    const etcdPods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({
      namespace: 'kube-system',
      labelSelector: 'component=etcd',
    });
    const expectedImage = etcdPods.items[0].spec!.containers[0].image;
    expect(expectedImage).toMatch(/etcd/);

    const result = await run(spec(backup));
    expect(result?.applied).toEqual([
      'ServiceAccount/kube-system/kpaas-etcd-backup',
      'Role/kube-system/kpaas-etcd-backup',
      'RoleBinding/kube-system/kpaas-etcd-backup',
      'CronJob/kube-system/kpaas-etcd-backup',
    ]);
    const cronJob = await kc
      .makeApiClient(k8s.BatchV1Api)
      .readNamespacedCronJob({
        namespace: 'kube-system',
        name: 'kpaas-etcd-backup',
      });
    expect(cronJob.spec?.schedule).toBe('15 */4 * * *');
    const init =
      cronJob.spec?.jobTemplate.spec?.template.spec?.initContainers ?? [];
    expect(init[0].image).toBe(expectedImage);
    // applied again (a re-run): still one CronJob, same schedule
    await run(spec(backup));
    const list = await kc
      .makeApiClient(k8s.BatchV1Api)
      .listNamespacedCronJob({ namespace: 'kube-system' });
    expect(list.items.map(c => c.metadata?.name)).toEqual([
      'kpaas-etcd-backup',
    ]);
  });

  it('refuses a missing credentials Secret before applying anything, with the command to create it', async () => {
    await expect(run(spec(backup))).rejects.toThrow(
      /spec.backup.target.credentialsSecret: Secret kube-system\/etcd-backup-s3 does not exist; create it with kubectl -n kube-system create secret generic etcd-backup-s3/,
    );
    const list = await kc
      .makeApiClient(k8s.BatchV1Api)
      .listNamespacedCronJob({ namespace: 'kube-system' });
    expect(list.items).toEqual([]);
  });

  it('does nothing without spec.backup', async () => {
    expect(await run(spec())).toBeUndefined();
  });
});
