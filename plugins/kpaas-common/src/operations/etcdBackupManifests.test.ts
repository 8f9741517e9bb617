import { parseClusterSpec } from '../spec/validate';
import { vagrantSpec } from '../spec/__fixtures__/testSpecs';
import { renderEtcdBackupManifests } from './etcdBackupManifests';

const withBackup = (backup: unknown) => ({
  ...vagrantSpec,
  spec: { ...vagrantSpec.spec, backup },
});

const target = {
  endpoint: 'http://minio.minio:9000',
  bucket: 'kpaas-etcd',
  credentialsSecret: 'etcd-backup-s3',
};

describe('spec.backup', () => {
  it('takes defaults for schedule, retention and age', () => {
    const parsed = parseClusterSpec(withBackup({ target }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.spec.spec.backup).toEqual({
      schedule: '0 */6 * * *',
      retentionDays: 14,
      maxAgeHours: 26,
      target: { ...target, region: 'us-east-1' },
    });
  });

  it('names the field and the fix for every bad value', () => {
    const parsed = parseClusterSpec(
      withBackup({
        schedule: 'every day',
        retentionDays: 0,
        target: {
          endpoint: 'minio:9000/path',
          bucket: 'Bad_Bucket',
          credentialsSecret: 'S3 Keys',
        },
      }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const byPath = Object.fromEntries(
      parsed.errors.map(e => [e.path, e.message]),
    );
    expect(byPath['spec.backup.schedule']).toMatch(
      /not a five-field cron schedule.*"0 \*\/6 \* \* \*"/,
    );
    expect(byPath['spec.backup.retentionDays']).toMatch(/raise retentionDays/);
    expect(byPath['spec.backup.target.endpoint']).toMatch(
      /scheme and host only/,
    );
    expect(byPath['spec.backup.target.bucket']).toMatch(/S3 bucket name/);
    expect(byPath['spec.backup.target.credentialsSecret']).toMatch(
      /AWS_ACCESS_KEY_ID/,
    );
  });

  it('refuses a key in the spec (credentials live in the Secret)', () => {
    const parsed = parseClusterSpec(
      withBackup({ target: { ...target, secretKey: 'x' } }),
    );
    expect(parsed.ok).toBe(false);
  });
});

describe('renderEtcdBackupManifests', () => {
  const parsed = parseClusterSpec(
    withBackup({
      schedule: '30 2 * * *',
      retentionDays: 7,
      target: { ...target, prefix: 'clusters/lite/' },
    }),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const manifests = renderEtcdBackupManifests({
    clusterName: 'lite',
    backup: parsed.spec.spec.backup!,
    etcdImage: 'registry.k8s.io/etcd:3.5.21-0',
    kubernetesVersion: 'v1.33.5',
  }) as any[];
  const cronJob = manifests.find(m => m.kind === 'CronJob');
  const pod = cronJob.spec.jobTemplate.spec.template.spec;
  const step = (name: string) =>
    [...pod.initContainers, ...pod.containers].find(
      (c: any) => c.name === name,
    );

  it('renders RBAC for the result ConfigMap only and a CronJob in kube-system', () => {
    expect(
      manifests.map(
        m => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`,
      ),
    ).toEqual([
      'ServiceAccount/kube-system/kpaas-etcd-backup',
      'Role/kube-system/kpaas-etcd-backup',
      'RoleBinding/kube-system/kpaas-etcd-backup',
      'CronJob/kube-system/kpaas-etcd-backup',
    ]);
    const role = manifests[1];
    expect(role.rules.flatMap((r: any) => r.resources)).toEqual([
      'configmaps',
      'configmaps',
    ]);
    expect(role.rules[1].resourceNames).toEqual(['kpaas-etcd-backup-result']);
    expect(JSON.stringify(role)).not.toContain('secrets');
    expect(cronJob.spec).toMatchObject({
      schedule: '30 2 * * *',
      concurrencyPolicy: 'Forbid',
    });
    expect(cronJob.spec.jobTemplate.spec.backoffLimit).toBe(0);
  });

  it('pins the pod to a control plane with the etcd client certificates', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.nodeSelector).toEqual({
      'node-role.kubernetes.io/control-plane': '',
    });
    expect(pod.tolerations).toContainEqual({
      key: 'node-role.kubernetes.io/control-plane',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(pod.volumes[0]).toEqual({
      name: 'etcd-certs',
      hostPath: { path: '/etc/kubernetes/pki/etcd', type: 'Directory' },
    });
  });

  it('runs save, verify, upload, retention, describe, record in that order', () => {
    expect(
      [...pod.initContainers, ...pod.containers].map((c: any) => c.name),
    ).toEqual([
      'snapshot',
      'verify',
      'upload',
      'retention',
      'describe',
      'record',
    ]);
    expect(step('snapshot').command).toEqual([
      'etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt',
      '--key=/etc/kubernetes/pki/etcd/healthcheck-client.key',
      'snapshot',
      'save',
      '/snapshot/etcd.db',
    ]);
    expect(step('snapshot').image).toBe('registry.k8s.io/etcd:3.5.21-0');
    expect(step('verify').command.slice(0, 3)).toEqual([
      'etcdutl',
      'snapshot',
      'status',
    ]);
    expect(step('verify').image).toBe('gcr.io/etcd-development/etcd:v3.5.21');
    expect(step('upload').command).toContain(
      'backup/kpaas-etcd/clusters/lite/$(POD_NAME).db',
    );
    expect(step('retention').command).toContain('--older-than=7d');
    expect(step('record').image).toBe('registry.k8s.io/kubectl:v1.33.5');
  });

  it('takes the S3 credentials from the named Secret, never a literal', () => {
    const env = step('upload').env;
    expect(env).toContainEqual({
      name: 'AWS_SECRET_ACCESS_KEY',
      valueFrom: {
        secretKeyRef: { name: 'etcd-backup-s3', key: 'AWS_SECRET_ACCESS_KEY' },
      },
    });
    expect(env.find((e: any) => e.name === 'MC_HOST_backup').value).toBe(
      'http://$(AWS_ACCESS_KEY_ID):$(AWS_SECRET_ACCESS_KEY)@minio.minio:9000',
    );
    // only the upload steps see the credentials
    for (const name of ['snapshot', 'verify', 'describe', 'record']) {
      expect(JSON.stringify(step(name))).not.toContain('etcd-backup-s3');
    }
  });

  it('records size, time and object in the result ConfigMap', () => {
    const script = step('describe').command[2];
    expect(script).toContain('name: kpaas-etcd-backup-result');
    expect(script).toContain('sizeBytes: "$(stat -c %s /snapshot/etcd.db)"');
    expect(script).toContain(
      'object: "s3://kpaas-etcd/clusters/lite/$POD_NAME.db"',
    );
  });
});
