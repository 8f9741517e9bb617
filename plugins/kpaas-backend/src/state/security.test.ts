import crypto from 'node:crypto';
import request from 'supertest';
import type { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import { CredentialCipher } from '../crypto/CredentialCipher';
import {
  basic,
  describeOnDatabases,
  lockInfo,
  stateDoc,
} from './__testUtils__/databases';
import { sendLargeBody } from './__testUtils__/largeBody';
import { startStateServer, StateServer } from './__testUtils__/stateServer';

/*
 * Findings 2, 5 and 6 of the trust-boundaries issue for the state backend: credentials before
 * bodies, encryption at rest, state admin for documents, service principals only when listed.
 */

jest.setTimeout(120_000);

const MB = 1024 * 1024;
const PRIVATE_KEY =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEcanaryKEYcanaryKEYcanaryKEY\n-----END RSA PRIVATE KEY-----\n';
// Backstage gives a static external-access token exactly its configured subject.
const external = (subject = 'ci-bot') =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'kpaas',
  });

function tests(getKnex: () => Promise<Knex>) {
  let server: StateServer;
  let knex: Knex;
  const key = crypto.randomBytes(32);
  const cipher = new CredentialCipher(key);

  beforeEach(async () => {
    knex = await getKnex();
    server = await startStateServer(knex, {
      cipher,
      terraformState: { maxBodyMegabytes: 1 },
      servicePrincipals: {
        allow: [
          { subject: 'external:reader', permissions: ['kpaas.cluster.read'] },
        ],
      },
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers an anonymous 60 MB body with 401 before reading it (POST state, LOCK, admin push)', async () => {
    const url = server.stateUrl('demo');
    for (const [method, path] of [
      ['POST', url],
      ['LOCK', `${url}/lock`],
      ['POST', `${url}/push`],
    ]) {
      const result = await sendLargeBody(path, method, 60 * MB);
      expect({ method, path, status: result.status }).toEqual({
        method,
        path,
        status: 401,
      });
      // Socket buffers take a few MB; the rest was never sent, so never buffered.
      expect(result.sentAtResponse).toBeLessThan(30 * MB);
    }
    // A wrong password is anonymous too.
    const cred = await server.issueCredential('demo');
    const wrong = await sendLargeBody(
      url,
      'POST',
      60 * MB,
      basic({ ...cred, password: 'nope' }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.sentAtResponse).toBeLessThan(30 * MB);
  });

  it('refuses an authenticated body above kpaas.terraformState.maxBodyMegabytes with 413', async () => {
    const cred = await server.issueCredential('demo');
    const res = await request(server.app)
      .post('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred))
      .set('Content-Type', 'application/json')
      .send(stateDoc(1, 'lin-1', { pad: 'x'.repeat(2 * MB) }));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain(
      'kpaas.terraformState.maxBodyMegabytes',
    );
  });

  it('stores state encrypted: the raw column holds no plaintext, Terraform reads it back', async () => {
    const cred = await server.issueCredential('demo');
    const body = stateDoc(1, 'lin-1', { private_key_pem: PRIVATE_KEY });
    const write = await request(server.app)
      .post('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred))
      .set('Content-Type', 'application/json')
      .send(body);
    expect(write.status).toBe(200);

    const rows = await knex('kpaas_terraform_state').select('state');
    expect(rows).toHaveLength(1);
    expect(rows[0].state).not.toContain('private_key_pem');
    expect(rows[0].state).not.toContain('PRIVATE KEY');
    expect(rows[0].state).not.toContain('lin-1');
    expect(CredentialCipher.keyIdOf(rows[0].state)).toBe(cipher.currentKeyId);

    const read = await request(server.app)
      .get('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred));
    expect(read.status).toBe(200);
    expect(read.text).toBe(body);
  });

  it('encrypts plaintext rows of older versions at start and reads them meanwhile', async () => {
    const legacy = stateDoc(3, 'old', { private_key_pem: PRIVATE_KEY });
    await knex('kpaas_terraform_state').insert({
      cluster: 'legacy',
      version: 1,
      serial: 3,
      lineage: 'old',
      state: legacy,
      created_at: new Date(),
    });
    // Before a restart: read as plaintext.
    const cred = await server.issueCredential('legacy');
    const before = await request(server.app)
      .get('/clusters/legacy/terraform/state')
      .set('Authorization', basic(cred));
    expect(before.text).toBe(legacy);

    // A restart encrypts it in place.
    await server.close();
    server = await startStateServer(knex, { cipher });
    const [row] = await knex('kpaas_terraform_state')
      .where({ cluster: 'legacy' })
      .select('state', 'size', 'resources');
    expect(row.state).not.toContain('PRIVATE KEY');
    expect(Number(row.size)).toBe(Buffer.byteLength(legacy));
    expect(Number(row.resources)).toBe(1);
    const after = await request(server.app)
      .get('/clusters/legacy/terraform/state')
      .set('Authorization', basic(await server.issueCredential('legacy')));
    expect(after.text).toBe(legacy);
  });

  it('re-encrypts state of a previous key (kpaas.previousEncryptionKeys) with the current key at start', async () => {
    const cred = await server.issueCredential('demo');
    const body = stateDoc(1, 'lin-1', { private_key_pem: PRIVATE_KEY });
    await request(server.app)
      .post('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred))
      .send(body)
      .expect(200);
    await server.close();
    const rotated = new CredentialCipher(crypto.randomBytes(32), [key]);
    server = await startStateServer(knex, { cipher: rotated });
    const [row] = await knex('kpaas_terraform_state').select('state');
    expect(CredentialCipher.keyIdOf(row.state)).toBe(rotated.currentKeyId);
    const read = await request(server.app)
      .get('/clusters/demo/terraform/state')
      .set('Authorization', basic(await server.issueCredential('demo')));
    expect(read.text).toBe(body);
  });

  it('lists versions with kpaas.cluster.read but serves a document only to kpaas.cluster.state.admin', async () => {
    const cred = await server.issueCredential('demo');
    await request(server.app)
      .post('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred))
      .send(stateDoc(1, 'lin-1', { private_key_pem: PRIVATE_KEY }))
      .expect(200);
    const user = mockCredentials.user.header();
    server.allowOnly(['kpaas.cluster.read']);
    const list = await request(server.app)
      .get('/clusters/demo/terraform/state/versions')
      .set('Authorization', user);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('PRIVATE KEY');
    const doc = await request(server.app)
      .get('/clusters/demo/terraform/state/versions/1')
      .set('Authorization', user);
    expect(doc.status).toBe(403);
    expect(doc.body.error.message).toContain('kpaas.cluster.state.admin');

    server.allowOnly(['kpaas.cluster.read', 'kpaas.cluster.state.admin']);
    const asAdmin = await request(server.app)
      .get('/clusters/demo/terraform/state/versions/1')
      .set('Authorization', user);
    expect(asAdmin.status).toBe(200);
    expect(JSON.parse(asAdmin.text).serial).toBe(1);
  });

  it('refuses service principals that kpaas.servicePrincipals does not list (403)', async () => {
    const cred = await server.issueCredential('demo');
    await request(server.app)
      .post('/clusters/demo/terraform/state')
      .set('Authorization', basic(cred))
      .send(stateDoc(1))
      .expect(200);
    await request(server.app)
      .lock('/clusters/demo/terraform/state/lock')
      .set('Authorization', basic(cred))
      .send(JSON.stringify(lockInfo('held')))
      .expect(200);

    const base = '/clusters/demo/terraform';
    const routes: Array<[string, (auth: string) => request.Test]> = [
      [
        'GET versions',
        a =>
          request(server.app)
            .get(`${base}/state/versions`)
            .set('Authorization', a),
      ],
      [
        'GET version',
        a =>
          request(server.app)
            .get(`${base}/state/versions/1`)
            .set('Authorization', a),
      ],
      [
        'POST restore',
        a =>
          request(server.app)
            .post(`${base}/state/restore/1`)
            .set('Authorization', a),
      ],
      [
        'POST push',
        a =>
          request(server.app)
            .post(`${base}/state/push`)
            .set('Authorization', a)
            .send(stateDoc(9, 'other')),
      ],
      [
        'POST purge',
        a =>
          request(server.app)
            .post(`${base}/state/purge`)
            .set('Authorization', a),
      ],
      [
        'DELETE lock',
        a =>
          request(server.app)
            .delete(`${base}/state/lock`)
            .set('Authorization', a),
      ],
      [
        'POST credentials',
        a =>
          request(server.app)
            .post(`${base}/credentials`)
            .set('Authorization', a)
            .send({}),
      ],
    ];
    const statuses = async (auth: string) =>
      Object.fromEntries(
        await Promise.all(
          routes.map(async ([name, call]) => [name, (await call(auth)).status]),
        ),
      );
    expect(await statuses(external())).toEqual({
      'GET versions': 403,
      'GET version': 403,
      'POST restore': 403,
      'POST push': 403,
      'POST purge': 403,
      'DELETE lock': 403,
      'POST credentials': 403,
    });
    // Allow-listed for kpaas.cluster.read: the version list only.
    expect(await statuses(external('reader'))).toEqual({
      'GET versions': 200,
      'GET version': 403,
      'POST restore': 403,
      'POST push': 403,
      'POST purge': 403,
      'DELETE lock': 403,
      'POST credentials': 403,
    });
    // Nothing changed: the lock is held and version 1 is the only one.
    const list = await request(server.app)
      .get(`${base}/state/versions`)
      .set('Authorization', mockCredentials.user.header());
    expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([
      1,
    ]);
    expect(list.body.lock.info.ID).toBe('held');
  });
}

describeOnDatabases('Terraform state security', tests);
