import { etcdBackupSchema } from './backupSpec';
import { deriveBackupStatus } from './backupStatus';
import { nextCronRun } from './cronSchedule';

const now = new Date('2026-12-03T12:10:00Z');
const backup = etcdBackupSchema.parse({
  schedule: '0 */6 * * *',
  maxAgeHours: 26,
  target: {
    endpoint: 'http://minio.minio:9000',
    bucket: 'etcd',
    credentialsSecret: 's3',
  },
});
const hoursAgo = (h: number) =>
  new Date(now.getTime() - h * 3_600_000).toISOString();

describe('nextCronRun', () => {
  it('finds the next run in UTC', () => {
    expect(nextCronRun('0 */6 * * *', now)?.toISOString()).toBe(
      '2026-12-03T18:00:00.000Z',
    );
    expect(nextCronRun('30 2 * * *', now)?.toISOString()).toBe(
      '2026-12-04T02:30:00.000Z',
    );
    expect(nextCronRun('15 1 1 * *', now)?.toISOString()).toBe(
      '2027-01-01T01:15:00.000Z',
    );
    // Sunday (0 and 7)
    expect(nextCronRun('0 0 * * 0', now)?.toISOString()).toBe(
      '2026-12-06T00:00:00.000Z',
    );
    expect(nextCronRun('0 0 * * 7', now)?.toISOString()).toBe(
      '2026-12-06T00:00:00.000Z',
    );
    expect(nextCronRun('0 0 30 2 *', now)).toBeUndefined();
  });
});

describe('deriveBackupStatus', () => {
  it('not configured: says how to configure it', () => {
    const s = deriveBackupStatus(undefined, { failedJobs: [] }, now);
    expect(s.state).toBe('not-configured');
    expect(s.action).toContain('spec.backup');
  });

  it('never ran yet: the next run', () => {
    const s = deriveBackupStatus(backup, { failedJobs: [] }, now);
    expect(s).toMatchObject({
      state: 'never',
      nextRunAt: '2026-12-03T18:00:00.000Z',
    });
  });

  it('fresh: last success, age, size, next run', () => {
    const s = deriveBackupStatus(
      backup,
      {
        result: {
          lastSuccessAt: hoursAgo(4),
          sizeBytes: '52428800',
          object: 's3://etcd/demo/j1.db',
          node: 'demo-cp-1',
        },
        failedJobs: [{ job: 'old', at: hoursAgo(30), reason: 'upload failed' }],
      },
      now,
    );
    expect(s).toMatchObject({
      state: 'fresh',
      ageHours: 4,
      sizeBytes: 52428800,
      object: 's3://etcd/demo/j1.db',
      nextRunAt: '2026-12-03T18:00:00.000Z',
      failures: [],
      target: 'http://minio.minio:9000/etcd',
    });
  });

  it('stale: older than maxAgeHours', () => {
    const s = deriveBackupStatus(
      backup,
      { result: { lastSuccessAt: hoursAgo(30) }, failedJobs: [] },
      now,
    );
    expect(s.state).toBe('stale');
    expect(s.message).toContain(
      '30 hours old (more than spec.backup.maxAgeHours 26)',
    );
  });

  it('failing: runs failed since the last success, newest first', () => {
    const s = deriveBackupStatus(
      backup,
      {
        result: { lastSuccessAt: hoursAgo(13) },
        failedJobs: [
          {
            job: 'a',
            at: hoursAgo(12),
            reason:
              'container upload: The Access Key Id you provided does not exist',
          },
          {
            job: 'b',
            at: hoursAgo(6),
            reason: 'container verify: snapshot file integrity check failed',
          },
        ],
      },
      now,
    );
    expect(s.state).toBe('failing');
    expect(s.failures.map(f => f.job)).toEqual(['b', 'a']);
    expect(s.message).toContain('2 backup run(s) failed');
    expect(s.action).toContain('Secret s3');
  });
});
