import { z } from 'zod/v3'; // cluster.yaml's schema speaks zod v3 (spec/schema.ts)

/*
 * spec.backup: scheduled etcd snapshots to an S3-compatible bucket (MinIO, Kakao Object
 * Storage, AWS S3). The cluster keeps the credentials in a Secret it names; cluster.yaml never
 * holds a key.
 */

const FIVE_FIELD_CRON = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/;
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/** A five-field cron schedule as a Kubernetes CronJob takes it. @public */
export const backupScheduleSchema = z.string().superRefine((value, ctx) => {
  const fields = FIVE_FIELD_CRON.exec(value.trim());
  if (!fields || !fields.slice(1).every(f => CRON_FIELD.test(f))) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" is not a five-field cron schedule (minute hour day month weekday); use e.g. "0 */6 * * *" for every six hours`,
    });
  }
});

const bucketSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'is not an S3 bucket name; use 3-63 lower-case letters, digits, "." and "-", e.g. "kpaas-etcd-backups"',
  );

const secretNameSchema = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'is not a Secret name; use a DNS-1123 label such as "etcd-backup-s3" (the Secret in kube-system with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
  )
  .max(63);

const endpointSchema = z.string().superRefine((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['http:', 'https:'].includes(url.protocol) ||
    url.pathname.length > 1
  ) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `"${value}" is not an S3 endpoint URL; use scheme and host only, e.g. "https://objectstorage.kr-central-2.kakaocloud.com" or "http://minio.minio:9000"`,
    });
  }
});

/** spec.backup @public */
export const etcdBackupSchema = z
  .object({
    schedule: backupScheduleSchema
      .default('0 */6 * * *')
      .describe('When the etcd snapshot CronJob runs (cron, UTC)'),
    retentionDays: z
      .number()
      .int()
      .min(1, 'must keep snapshots for at least 1 day; raise retentionDays')
      .max(
        3650,
        'keeps snapshots for more than ten years; lower retentionDays and use bucket lifecycle rules for long-term copies',
      )
      .default(14)
      .describe(
        'Days a snapshot is kept in the bucket; older ones are deleted after each upload',
      ),
    maxAgeHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(26)
      .describe(
        'The cluster turns Degraded when the last good snapshot is older than this',
      ),
    target: z
      .object({
        endpoint: endpointSchema.describe(
          'S3-compatible endpoint (scheme and host)',
        ),
        bucket: bucketSchema.describe('Bucket the snapshots go to'),
        prefix: z
          .string()
          .regex(
            /^[A-Za-z0-9._/-]*$/,
            'may hold only letters, digits, ".", "_", "-" and "/"; e.g. "clusters/demo"',
          )
          .optional()
          .describe('Key prefix; defaults to the cluster name'),
        region: z
          .string()
          .min(1)
          .default('us-east-1')
          .describe('Signing region'),
        credentialsSecret: secretNameSchema.describe(
          'Secret in kube-system with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
        ),
      })
      .strict(),
  })
  .strict();

/** @public */
export type EtcdBackupSpec = z.infer<typeof etcdBackupSchema>;

/** Namespace and names of what the backup renders and records. @public */
export const ETCD_BACKUP_NAMESPACE = 'kube-system';
/** @public */
export const ETCD_BACKUP_CRONJOB = 'kpaas-etcd-backup';
/** The ConfigMap the backup job records each result in (no Secret). @public */
export const ETCD_BACKUP_RESULT_CONFIGMAP = 'kpaas-etcd-backup-result';

/** The object key prefix of a cluster's snapshots. @public */
export function backupKeyPrefix(
  clusterName: string,
  backup: EtcdBackupSpec,
): string {
  return (backup.target.prefix ?? clusterName).replace(/^\/+|\/+$/g, '');
}
