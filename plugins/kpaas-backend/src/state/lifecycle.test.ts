import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  basic,
  describeOnDatabases,
  lockInfo,
  stateDoc,
} from './__testUtils__/databases';
import { startStateServer, StateServer } from './__testUtils__/stateServer';

/*
 * Findings 6, 7 and 8 of the trust-boundaries issue for the state backend: integrity (lineage,
 * serial), archive instead of erase, restore, purge after the retention, cluster deletion, and
 * lock leases. The store's clock is injected: leases and retention expire without waiting.
 */

jest.setTimeout(120_000);

const LEASE_SECONDS = 60;
const RETENTION_DAYS = 7;

function tests(getKnex: () => Promise<Knex>) {
  let server: StateServer;
  let knex: Knex;
  let now: number;
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  const admin = () => mockCredentials.user.header();
  const state = (cluster = 'demo') => `/clusters/${cluster}/terraform/state`;

  beforeEach(async () => {
    knex = await getKnex();
    now = Date.parse('2026-12-01T10:00:00Z');
    server = await startStateServer(knex, {
      clock: () => new Date(now),
      terraformState: {
        lockLeaseSeconds: LEASE_SECONDS,
        archiveRetentionDays: RETENTION_DAYS,
      },
    });
  });
  afterEach(async () => {
    await server.close();
  });

  const write = (cred: { username: string; password: string }, body: string) =>
    request(server.app)
      .post(state())
      .set('Authorization', basic(cred))
      .set('Content-Type', 'application/json')
      .send(body);
  const current = async (cred: { username: string; password: string }) => {
    const res = await request(server.app)
      .get(state())
      .set('Authorization', basic(cred));
    return res.status === 200 ? JSON.parse(res.text) : res.status;
  };

  it('refuses a write of another lineage with 409 and keeps the current state', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(4, 'lin-1'))).status).toBe(200);
    const other = await write(cred, stateDoc(5, 'lin-2'));
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain('lineage lin-1');
    expect(other.body.error.message).toContain('lin-2');
    expect(await current(cred)).toMatchObject({ serial: 4, lineage: 'lin-1' });
  });

  it('refuses a lower serial of the same lineage with 409; equal and higher serials pass', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(4))).status).toBe(200);
    const lower = await write(cred, stateDoc(3));
    expect(lower.status).toBe(409);
    expect(lower.body.error.message).toContain('serial 4');
    expect(lower.body.error.message).toContain('roll it back');
    expect((await write(cred, stateDoc(4))).status).toBe(200);
    expect((await write(cred, stateDoc(5))).status).toBe(200);
    expect(await current(cred)).toMatchObject({ serial: 5 });
  });

  it('lets only a state admin force another lineage with POST .../state/push', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(4, 'lin-1'))).status).toBe(200);
    server.allowOnly(['kpaas.cluster.read', 'kpaas.cluster.update']);
    const owner = await request(server.app)
      .post(`${state()}/push`)
      .set('Authorization', admin())
      .send(stateDoc(1, 'lin-2'));
    expect(owner.status).toBe(403);
    server.allowOnly(undefined);
    const pushed = await request(server.app)
      .post(`${state()}/push`)
      .set('Authorization', admin())
      .set('Content-Type', 'application/json')
      .send(stateDoc(1, 'lin-2'));
    expect(pushed.status).toBe(201);
    expect(await current(cred)).toMatchObject({ serial: 1, lineage: 'lin-2' });
    // From now on the pushed lineage is the one that counts.
    expect((await write(cred, stateDoc(2, 'lin-1'))).status).toBe(409);
  });

  it('archives on DELETE: current gone, rows kept, restorable by a state admin as a newer serial', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(1))).status).toBe(200);
    expect((await write(cred, stateDoc(2))).status).toBe(200);
    const del = await request(server.app)
      .delete(state())
      .set('Authorization', basic(cred));
    expect(del.status).toBe(200);
    expect(await current(cred)).toBe(204);
    const rows = await knex('kpaas_terraform_state')
      .where({ cluster: 'demo' })
      .select('version', 'archived_at');
    expect(rows).toHaveLength(2);
    expect(rows.every(r => r.archived_at !== null)).toBe(true);

    const list = await request(server.app)
      .get(`${state()}/versions`)
      .set('Authorization', admin());
    expect(list.body.items).toEqual([]);
    expect(
      list.body.archived.map((v: { version: number }) => v.version),
    ).toEqual([2, 1]);

    // A new state after the archive starts fresh (any lineage); numbers continue.
    expect((await write(cred, stateDoc(1, 'fresh'))).status).toBe(200);

    server.allowOnly(['kpaas.cluster.read', 'kpaas.cluster.update']);
    const notAdmin = await request(server.app)
      .post(`${state()}/restore/2`)
      .set('Authorization', admin());
    expect(notAdmin.status).toBe(403);
    server.allowOnly(undefined);
    const restored = await request(server.app)
      .post(`${state()}/restore/2`)
      .set('Authorization', admin());
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ version: 4, serial: 3, restoredFrom: 2 });
    expect(await current(cred)).toMatchObject({
      serial: 3,
      lineage: 'lin-1',
      resources: [{ name: 'r2' }],
    });
    const missing = await request(server.app)
      .post(`${state()}/restore/99`)
      .set('Authorization', admin());
    expect(missing.status).toBe(404);
  });

  it('restores a kept version above the current serial and refuses while the lock is held', async () => {
    const cred = await server.issueCredential('demo');
    for (const serial of [1, 2, 3]) {
      expect((await write(cred, stateDoc(serial))).status).toBe(200);
    }
    await request(server.app)
      .lock(`${state()}/lock`)
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('run-1', 'ci@runner')))
      .expect(200);
    const locked = await request(server.app)
      .post(`${state()}/restore/1`)
      .set('Authorization', admin());
    expect(locked.status).toBe(409);
    expect(locked.body.error.message).toContain('ci@runner');
    await request(server.app)
      .unlock(`${state()}/lock`)
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('run-1')))
      .expect(200);
    const restored = await request(server.app)
      .post(`${state()}/restore/1`)
      .set('Authorization', admin());
    expect(restored.status).toBe(200);
    expect(await current(cred)).toMatchObject({
      serial: 4,
      lineage: 'lin-1',
      resources: [{ name: 'r1' }],
    });
    // Terraform continues from the restored state.
    expect((await write(cred, stateDoc(5))).status).toBe(200);
  });

  it('purges archived versions only after kpaas.terraformState.archiveRetentionDays, as a state admin', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(1))).status).toBe(200);
    await request(server.app)
      .delete(state())
      .set('Authorization', basic(cred))
      .expect(200);
    expect((await write(cred, stateDoc(1, 'new'))).status).toBe(200);
    const purge = () =>
      request(server.app)
        .post(`${state()}/purge`)
        .set('Authorization', admin());

    const early = await purge();
    expect(early.body).toEqual({ purged: 0, retentionDays: RETENTION_DAYS });
    advance(RETENTION_DAYS * 86_400 + 1);
    server.allowOnly(['kpaas.cluster.read']);
    expect((await purge()).status).toBe(403);
    server.allowOnly(undefined);
    expect((await purge()).body.purged).toBe(1);
    const rows = await knex('kpaas_terraform_state').where({ cluster: 'demo' });
    expect(rows).toHaveLength(1); // the current version is never purged
    expect(rows[0].archived_at).toBeNull();
  });

  it('archiveCluster archives the state, revokes the credentials and releases the lock; a new order then starts empty', async () => {
    const cred = await server.issueCredential('demo');
    expect((await write(cred, stateDoc(7))).status).toBe(200);
    await request(server.app)
      .lock(`${state()}/lock`)
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('run-1')))
      .expect(200);

    const scaffolder = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:scaffolder'),
      targetPluginId: 'kpaas',
    });
    const reuse = await request(server.app)
      .post('/clusters/demo/terraform/credentials')
      .set('Authorization', scaffolder)
      .send({ newCluster: true, taskId: 'task-2' });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error.message).toBe(
      `cluster demo already has Terraform state (1 versions, last written ${new Date(
        now,
      ).toISOString()}); choose another name or run the apply template on its repository`,
    );

    expect(await server.store.archiveCluster('demo')).toEqual({
      archivedVersions: 1,
      revokedCredentials: 1,
    });
    expect(
      (await request(server.app).get(state()).set('Authorization', basic(cred)))
        .status,
    ).toBe(401);
    expect(await server.store.locks.get('demo')).toBeUndefined();
    expect(
      await knex('kpaas_terraform_state').where({ cluster: 'demo' }),
    ).toHaveLength(1);

    const fresh = await request(server.app)
      .post('/clusters/demo/terraform/credentials')
      .set('Authorization', scaffolder)
      .send({ newCluster: true, taskId: 'task-2' });
    expect(fresh.status).toBe(201);
    expect(await current(fresh.body)).toBe(204);
  });

  it('lets a retried order (same taskId) continue the state it wrote; any other newCluster order is refused', async () => {
    const scaffolder = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:scaffolder'),
      targetPluginId: 'kpaas',
    });
    const order = (body: Record<string, unknown>) =>
      request(server.app)
        .post('/clusters/demo/terraform/credentials')
        .set('Authorization', scaffolder)
        .send(body);
    const first = await order({ newCluster: true, taskId: 'task-a' });
    expect(first.status).toBe(201);
    expect((await write(first.body, stateDoc(1))).status).toBe(200);

    const retry = await order({ newCluster: true, taskId: 'task-a' });
    expect(retry.status).toBe(201);
    expect(await current(retry.body)).toMatchObject({ serial: 1 });
    expect((await order({ newCluster: true, taskId: 'task-b' })).status).toBe(
      409,
    );
    expect((await order({ newCluster: true })).status).toBe(409);
    // Not a new order (the apply template on the cluster's repo): allowed.
    expect((await order({ taskId: 'task-c' })).status).toBe(201);
    const list = await request(server.app)
      .get(`${state()}/versions`)
      .set('Authorization', admin());
    expect(list.body.items[0]).toMatchObject({
      taskId: 'task-a',
      writtenBy: first.body.username,
    });
  });

  it('records who locked for which task and frees the lock when the lease expires unrenewed', async () => {
    const scaffolder = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:scaffolder'),
      targetPluginId: 'kpaas',
    });
    const issued = await request(server.app)
      .post('/clusters/demo/terraform/credentials')
      .set('Authorization', scaffolder)
      .send({ taskId: 'task-a' });
    const runA = issued.body;
    const runB = await server.issueCredential('demo');
    const lock = (cred: { username: string; password: string }, id: string) =>
      request(server.app)
        .lock(`${state()}/lock`)
        .set('Authorization', basic(cred))
        .send(JSON.stringify(lockInfo(id, id)));
    const renew = (cred: { username: string; password: string }) =>
      request(server.app)
        .post(`${state()}/lock/renew`)
        .set('Authorization', basic(cred));

    expect((await renew(runA)).body).toEqual({ renewed: false });
    expect((await lock(runA, 'a')).status).toBe(200);
    const versions = await request(server.app)
      .get(`${state()}/versions`)
      .set('Authorization', admin());
    expect(versions.body.lock).toEqual({
      info: lockInfo('a', 'a'),
      lockedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + LEASE_SECONDS * 1000).toISOString(),
      expired: false,
      username: runA.username,
      principal: 'plugin:scaffolder',
      taskId: 'task-a',
    });

    // Renewed by the running action: still held after more than one lease.
    advance(LEASE_SECONDS - 10);
    const renewed = await renew(runA);
    expect(renewed.body).toEqual({
      renewed: true,
      lockId: 'a',
      expiresAt: new Date(now + LEASE_SECONDS * 1000).toISOString(),
    });
    advance(LEASE_SECONDS - 10);
    expect((await lock(runB, 'b')).status).toBe(423);
    // Another credential cannot renew (or force-unlock) A's lock.
    expect((await renew(runB)).body).toEqual({ renewed: false });
    const forced = await request(server.app)
      .unlock(`${state()}/lock`)
      .set('Authorization', basic(runB));
    expect(forced.status).toBe(423);

    // The run died: nobody renews, the lease runs out, the next locker gets the lock.
    advance(LEASE_SECONDS + 1);
    const expired = await request(server.app)
      .get(`${state()}/versions`)
      .set('Authorization', admin());
    expect(expired.body.lock.expired).toBe(true);
    expect((await lock(runB, 'b')).status).toBe(200);
    // The dead run's lock ID no longer writes.
    const stale = await request(server.app)
      .post(`${state()}?ID=a`)
      .set('Authorization', basic(runA))
      .send(stateDoc(1));
    expect(stale.status).toBe(409);
    expect(
      (
        await request(server.app)
          .post(`${state()}?ID=b`)
          .set('Authorization', basic(runB))
          .send(stateDoc(1))
      ).status,
    ).toBe(200);
  });

  it('force-unlocks for a state admin only (DELETE .../state/lock)', async () => {
    const cred = await server.issueCredential('demo');
    await request(server.app)
      .lock(`${state()}/lock`)
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('stuck', 'dead@runner')))
      .expect(200);
    server.allowOnly(['kpaas.cluster.read', 'kpaas.cluster.update']);
    const owner = await request(server.app)
      .delete(`${state()}/lock`)
      .set('Authorization', admin());
    expect(owner.status).toBe(403);
    expect(await server.store.locks.get('demo')).toBeDefined();
    server.allowOnly(['kpaas.cluster.state.admin']);
    const released = await request(server.app)
      .delete(`${state()}/lock`)
      .set('Authorization', admin());
    expect(released.status).toBe(200);
    expect(released.body.released).toMatchObject({ ID: 'stuck' });
    expect(await server.store.locks.get('demo')).toBeUndefined();
    // Renewal as a registrar names the lock or the credential.
    const scaffolder = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:scaffolder'),
      targetPluginId: 'kpaas',
    });
    await request(server.app)
      .lock(`${state()}/lock`)
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('next')))
      .expect(200);
    const noTarget = await request(server.app)
      .post(`${state()}/lock/renew`)
      .set('Authorization', scaffolder)
      .send({});
    expect(noTarget.status).toBe(400);
    const byName = await request(server.app)
      .post(`${state()}/lock/renew`)
      .set('Authorization', scaffolder)
      .send({ username: cred.username });
    expect(byName.body).toMatchObject({ renewed: true, lockId: 'next' });
  });
}

describeOnDatabases('Terraform state lifecycle', tests);
