import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
// Test-only: the real state router of kpaas-backend (its testUtils entry).
import {
  startStateServer,
  StateServer,
} from '@internal/plugin-kpaas-backend/testUtils';
import { startLockLease } from './lockLease';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('startLockLease against the kpaas-backend state router', () => {
  let server: StateServer;
  let now: number;
  const LEASE_SECONDS = 300;

  beforeEach(async () => {
    now = Date.parse('2026-12-03T10:00:00Z');
    server = await startStateServer(await databases.init('SQLITE_3'), {
      terraformState: { lockLeaseSeconds: LEASE_SECONDS },
      clock: () => new Date(now),
    });
  });
  afterEach(() => server.close());

  const basic = (c: { username: string; password: string }) =>
    `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  const lock = (c: { username: string; password: string }, id: string) =>
    fetch(`${server.stateUrl('demo')}/lock`, {
      method: 'LOCK',
      headers: { Authorization: basic(c), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ID: id,
        Operation: 'OperationTypeApply',
        Who: 'test',
      }),
    });
  const waitFor = async (what: string, check: () => boolean) => {
    const until = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 10));
    }
  };

  it('keeps a running lock past its first lease; once stopped, the lease runs out and frees it', async () => {
    const run = await server.issueCredential('demo');
    const other = await server.issueCredential('demo');
    expect((await lock(run, 'run-lock')).status).toBe(200);

    const logger = mockServices.logger.mock();
    const lease = startLockLease({
      stateAddress: server.stateUrl('demo'),
      ...run,
      intervalMs: 20,
      logger,
    });
    // 200 s later the run is still going: a renewal moves the lease to 200 + 300 s
    now += 200_000;
    const before = lease.renewals();
    // two: one in flight when the clock moved may still carry the old lease end
    await waitFor('renewals', () => lease.renewals() > before + 1);
    // past the first lease end (300 s), the lock still belongs to the run
    now += 200_000;
    const after = lease.renewals();
    await waitFor('more renewals', () => lease.renewals() > after + 1);
    expect((await lock(other, 'other-lock')).status).toBe(423);

    // the run dies: nobody renews, and after the lease the next run takes the lock
    await lease.stop();
    const stoppedAt = lease.renewals();
    now += (LEASE_SECONDS + 1) * 1000;
    expect((await lock(other, 'other-lock')).status).toBe(200);
    expect(lease.renewals()).toBe(stoppedAt);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('warns, and keeps trying, when kpaas-backend refuses the renewal', async () => {
    const logger = mockServices.logger.mock();
    const lease = startLockLease({
      stateAddress: server.stateUrl('demo'),
      username: 'nobody',
      password: 'wrong',
      intervalMs: 20,
      logger,
    });
    await waitFor('two warnings', () => logger.warn.mock.calls.length >= 2);
    await lease.stop();
    expect(String(logger.warn.mock.calls[0][0])).toMatch(
      /could not renew the Terraform state lock lease \(HTTP 401\)/,
    );
    expect(lease.renewals()).toBe(0);
  });
});
