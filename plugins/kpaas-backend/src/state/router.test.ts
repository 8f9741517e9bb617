import crypto from 'node:crypto';
import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { startStateServer, StateServer } from './__testUtils__/stateServer';
import {
  postgresUnavailableReason,
  startTestPostgres,
  TestPostgres,
} from '@internal/kpaas-testkit';

jest.setTimeout(60_000);

const sqlite = TestDatabases.create({ ids: ['SQLITE_3'] });
const pgUnavailable = postgresUnavailableReason();
if (pgUnavailable) {
  // Visible in the test output: the PostgreSQL half of the matrix did not run.
  // eslint-disable-next-line no-console
  console.warn(`Skipping the PostgreSQL state backend tests: ${pgUnavailable}`);
}

const basic = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

const stateDoc = (serial: number, lineage = 'lin-1') =>
  JSON.stringify({
    version: 4,
    terraform_version: '1.9.8',
    serial,
    lineage,
    outputs: {},
    resources: [
      {
        mode: 'managed',
        type: 'null_resource',
        name: `r${serial}`,
        instances: [{ attributes: { id: String(serial) } }],
      },
    ],
  });

const lockInfo = (id: string, who = 'runner@host') => ({
  ID: id,
  Operation: 'OperationTypeApply',
  Info: '',
  Who: who,
  Version: '1.9.8',
  Created: '2026-11-21T10:00:00.000000Z',
  Path: '',
});

function contractTests(getKnex: () => Promise<Knex>) {
  let server: StateServer;

  beforeEach(async () => {
    server = await startStateServer(await getKnex(), { keepVersions: 3 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('issues a credential to the scaffolder service principal, users with kpaas.cluster.update only', async () => {
    const path = '/clusters/demo/terraform/credentials';
    const asScaffolder = await request(server.app)
      .post(path)
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('plugin:scaffolder'),
          targetPluginId: 'kpaas',
        }),
      )
      .send({ ttlMinutes: 90 });
    expect(asScaffolder.status).toBe(201);
    expect(asScaffolder.body.username).toMatch(/^kpaas-demo-[0-9a-f]{12}$/);
    expect(asScaffolder.body.password).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const otherService = await request(server.app)
      .post(path)
      .set(
        'Authorization',
        mockCredentials.service.header({
          onBehalfOf: mockCredentials.service('plugin:catalog'),
          targetPluginId: 'kpaas',
        }),
      );
    expect(otherService.status).toBe(403);

    const asUser = await request(server.app)
      .post(path)
      .set('Authorization', mockCredentials.user.header());
    expect(asUser.status).toBe(201);

    server.setPermissionResult(AuthorizeResult.DENY);
    const denied = await request(server.app)
      .post(path)
      .set('Authorization', mockCredentials.user.header());
    expect(denied.status).toBe(403);

    const badTtl = await request(server.app)
      .post(path)
      .set('Authorization', mockCredentials.user.header())
      .send({ ttlMinutes: 0 });
    expect(badTtl.status).toBe(403); // permission is checked before the body

    server.setPermissionResult(AuthorizeResult.ALLOW);
    const invalidTtl = await request(server.app)
      .post(path)
      .set('Authorization', mockCredentials.user.header())
      .send({ ttlMinutes: 0 });
    expect(invalidTtl.status).toBe(400);
    expect(invalidTtl.body.error.message).toContain('ttlMinutes');
  });

  it('rejects missing, wrong, and other-cluster credentials with 401', async () => {
    const demo = await server.issueCredential('demo');
    const other = await server.issueCredential('other');
    const url = '/clusters/demo/terraform/state';
    expect((await request(server.app).get(url)).status).toBe(401);
    expect(
      (
        await request(server.app)
          .get(url)
          .set('Authorization', basic({ ...demo, password: 'nope' }))
      ).status,
    ).toBe(401);
    expect(
      (await request(server.app).get(url).set('Authorization', basic(other)))
        .status,
    ).toBe(401);
    expect(
      (
        await request(server.app)
          .post(url)
          .set('Authorization', mockCredentials.user.header())
          .send(stateDoc(1))
      ).status,
    ).toBe(401);
    expect(
      (await request(server.app).get(url).set('Authorization', basic(demo)))
        .status,
    ).toBe(204);
  });

  it('speaks the http backend protocol: lock, 423 with holder, ID-checked writes, unlock, force-unlock', async () => {
    const cred = await server.issueCredential('demo');
    const auth = basic(cred);
    const url = '/clusters/demo/terraform/state';
    const lockUrl = `${url}/lock`;

    const lock1 = await request(server.app)
      .lock(lockUrl)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(lockInfo('id-1', 'alice@runner')));
    expect(lock1.status).toBe(200);

    const lock2 = await request(server.app)
      .lock(lockUrl)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(lockInfo('id-2', 'bob@runner')));
    expect(lock2.status).toBe(423);
    expect(lock2.body).toMatchObject({
      ID: 'id-1',
      Who: 'alice@runner',
      Created: '2026-11-21T10:00:00.000000Z',
    });

    const body = stateDoc(1);
    const md5 = crypto.createHash('md5').update(body).digest('base64');
    const wrongId = await request(server.app)
      .post(`${url}?ID=id-2`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(wrongId.status).toBe(409);
    expect(wrongId.body.ID).toBe('id-1');

    const badMd5 = await request(server.app)
      .post(`${url}?ID=id-1`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .set('Content-MD5', 'AAAAAAAAAAAAAAAAAAAAAA==')
      .send(body);
    expect(badMd5.status).toBe(400);

    const write = await request(server.app)
      .post(`${url}?ID=id-1`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .set('Content-MD5', md5)
      .send(body);
    expect(write.status).toBe(200);

    const read = await request(server.app)
      .get(url)
      .set('Authorization', auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(read.status).toBe(200);
    expect((read.body as Buffer).toString()).toBe(body);
    expect(read.headers['content-md5']).toBe(md5);

    const unlockWrong = await request(server.app)
      .unlock(lockUrl)
      .set('Authorization', auth)
      .send(JSON.stringify(lockInfo('id-2')));
    expect(unlockWrong.status).toBe(423);
    expect(unlockWrong.body.ID).toBe('id-1');

    const unlock = await request(server.app)
      .unlock(lockUrl)
      .set('Authorization', auth)
      .send(JSON.stringify(lockInfo('id-1')));
    expect(unlock.status).toBe(200);

    // Written without the lock: a write quoting a lock that is gone is refused.
    const stale = await request(server.app)
      .post(`${url}?ID=id-1`)
      .set('Authorization', auth)
      .send(stateDoc(2));
    expect(stale.status).toBe(409);

    const relock = await request(server.app)
      .lock(lockUrl)
      .set('Authorization', auth)
      .send(JSON.stringify(lockInfo('id-3')));
    expect(relock.status).toBe(200);

    // force-unlock: empty body, only with a credential of this cluster.
    const other = await server.issueCredential('other');
    const forcedByOther = await request(server.app)
      .unlock(lockUrl)
      .set('Authorization', basic(other));
    expect(forcedByOther.status).toBe(401);
    const forced = await request(server.app)
      .unlock(lockUrl)
      .set('Authorization', auth);
    expect(forced.status).toBe(200);
    const lockAgain = await request(server.app)
      .lock(lockUrl)
      .set('Authorization', auth)
      .send(JSON.stringify(lockInfo('id-4')));
    expect(lockAgain.status).toBe(200);

    const notAMethod = await request(server.app)
      .put(lockUrl)
      .set('Authorization', auth);
    expect(notAMethod.status).toBe(405);
  });

  it('keeps the newest N versions for inspection, behind kpaas permissions', async () => {
    const cred = await server.issueCredential('demo');
    const url = '/clusters/demo/terraform/state';
    for (let serial = 1; serial <= 5; serial++) {
      const res = await request(server.app)
        .post(url)
        .set('Authorization', basic(cred))
        .set('Content-Type', 'application/json')
        .send(stateDoc(serial));
      expect(res.status).toBe(200);
    }
    const list = await request(server.app)
      .get(`${url}/versions`)
      .set('Authorization', mockCredentials.user.header());
    expect(list.status).toBe(200);
    expect(list.body.items.map((v: any) => [v.version, v.serial])).toEqual([
      [5, 5],
      [4, 4],
      [3, 3],
    ]);
    expect(list.body.items[0]).toMatchObject({
      lineage: 'lin-1',
      resources: 1,
    });
    expect(list.body.lock).toBeUndefined();

    const one = await request(server.app)
      .get(`${url}/versions/4`)
      .set('Authorization', mockCredentials.user.header());
    expect(one.status).toBe(200);
    expect(JSON.parse(one.text).serial).toBe(4);
    const pruned = await request(server.app)
      .get(`${url}/versions/1`)
      .set('Authorization', mockCredentials.user.header());
    expect(pruned.status).toBe(404);

    // The basic-auth credential is not a Backstage identity.
    const withBasic = await request(server.app)
      .get(`${url}/versions`)
      .set('Authorization', basic(cred));
    expect(withBasic.status).toBe(401);

    server.setPermissionResult(AuthorizeResult.DENY);
    const denied = await request(server.app)
      .get(`${url}/versions`)
      .set('Authorization', mockCredentials.user.header());
    expect(denied.status).toBe(403);

    const del = await request(server.app)
      .delete(url)
      .set('Authorization', basic(cred));
    expect(del.status).toBe(200);
    expect(
      (await request(server.app).get(url).set('Authorization', basic(cred)))
        .status,
    ).toBe(204);
  });

  it('serialises racing LOCKs: exactly one wins, the rest see the winner', async () => {
    const cred = await server.issueCredential('demo');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`${server.stateUrl('demo')}/lock`, {
          method: 'LOCK',
          headers: {
            Authorization: basic(cred),
            'Content-Type': 'application/json',
          },
          body: JSON.stringify(lockInfo(`race-${i}`, `runner-${i}`)),
        }).then(async r => ({
          status: r.status,
          body: r.status === 423 ? await r.json() : undefined,
        })),
      ),
    );
    const winners = results.filter(r => r.status === 200);
    expect(winners).toHaveLength(1);
    const holders = new Set(
      results.filter(r => r.status === 423).map(r => r.body.ID),
    );
    expect(holders.size).toBe(1);
    expect(results.filter(r => r.status === 423)).toHaveLength(7);
  });
}

describe('Terraform state router on SQLite', () => {
  contractTests(() => sqlite.init('SQLITE_3'));
});

const describePg = pgUnavailable ? describe.skip : describe;
describePg('Terraform state router on PostgreSQL (throwaway server)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    const started = await startTestPostgres();
    if ('skipped' in started) throw new Error(started.skipped);
    pg = started;
  });
  afterAll(async () => {
    await pg?.stop();
  });
  contractTests(() => pg.createDatabase());
});
