/*
 * The documented production start, `npm run start:production`, on a real PostgreSQL and a real
 * Redis: it names every missing variable, refuses a published development key, and otherwise
 * serves with guest sign-in refused. Runs `scripts/kpaas.sh production` exactly as the README
 * says, with an extra config file only to move the listen port off 7007.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  freePort,
  postgresUnavailableReason,
  redisUnavailableReason,
  startTestPostgres,
  startTestRedis,
  TestPostgres,
  TestRedis,
} from '@internal/kpaas-testkit';
import { acquireE2eSlot, E2E_SLOT_WAIT_MS } from './e2eSlot';

const repoRoot = path.resolve(__dirname, '../../..');
// The key app-config.yaml carried until 2026-12.
const PUBLISHED_DEV_KEY = 'ZGV2ZWxvcG1lbnQtb25seS1rcGFhcy1rZXktMzJieXQ=';
const CI_TOKEN = randomBytes(24).toString('hex');
const REQUIRED = [
  'APP_BASE_URL',
  'BACKEND_BASE_URL',
  'BACKEND_SECRET',
  'POSTGRES_HOST',
  'POSTGRES_PORT',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'REDIS_URL',
  'KPAAS_ENCRYPTION_KEY',
];

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** `bash scripts/kpaas.sh <command> [args]` with only `env` (plus PATH/HOME). */
function startCommand(
  command: 'production' | 'reencrypt',
  env: Record<string, string>,
  args: string[] = [],
): Started {
  let output = '';
  const child = spawn('bash', ['scripts/kpaas.sh', command, ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? os.tmpdir(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', d => (output += d.toString()));
  child.stderr!.on('data', d => (output += d.toString()));
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );
  return { child, output: () => output, exited };
}

const startProduction = (env: Record<string, string>, args: string[] = []) =>
  startCommand('production', env, args);

async function runToExit(started: Started) {
  const code = await started.exited;
  return { code, output: started.output() };
}

async function stop(started: Started) {
  if (started.child.exitCode !== null) return;
  process.kill(-started.child.pid!, 'SIGTERM');
  await Promise.race([started.exited, sleep(15_000)]);
  if (started.child.exitCode === null)
    process.kill(-started.child.pid!, 'SIGKILL');
}

const unavailable = postgresUnavailableReason() ?? redisUnavailableReason();

(unavailable ? describe.skip : describe)(
  `npm run start:production${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pg: TestPostgres;
    let redis: TestRedis;
    let port: number;
    let extraConfig: string;
    let rotationConfig: string;
    let env: Record<string, string>;

    let releaseSlot: () => void = () => {};

    beforeAll(async () => {
      // backends started here are as heavy as an e2e app: one at a time (see e2eSlot.ts)
      releaseSlot = await acquireE2eSlot('productionStart.e2e.test.ts');
      const startedPg = await startTestPostgres();
      if ('skipped' in startedPg)
        throw new Error(`PostgreSQL: ${startedPg.skipped}`);
      pg = startedPg;
      const startedRedis = await startTestRedis();
      if ('skipped' in startedRedis)
        throw new Error(`Redis: ${startedRedis.skipped}`);
      redis = startedRedis;
      port = await freePort('127.0.0.1');
      const dir = fs.mkdtempSync(
        path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-prod-'),
      );
      extraConfig = path.join(dir, 'app-config.port.yaml');
      // A static external-access token that kpaas treats as a registrar, to write state.
      fs.writeFileSync(
        extraConfig,
        [
          'backend:',
          `  listen: 127.0.0.1:${port}`,
          '  auth:',
          '    externalAccess:',
          '      - type: static',
          `        options: { token: ${CI_TOKEN}, subject: ci }`,
          'kpaas:',
          '  servicePrincipals:',
          '    registrars: [external:ci]',
          '',
        ].join('\n'),
      );
      rotationConfig = path.join(dir, 'app-config.rotation.yaml');
      env = {
        APP_BASE_URL: 'http://127.0.0.1:3000',
        BACKEND_BASE_URL: `http://127.0.0.1:${port}`,
        BACKEND_SECRET: randomBytes(24).toString('base64'),
        POSTGRES_HOST: pg.host,
        POSTGRES_PORT: String(pg.port),
        POSTGRES_USER: pg.user,
        POSTGRES_PASSWORD: 'unused-with-trust-auth',
        REDIS_URL: redis.url,
        KPAAS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      };
    }, E2E_SLOT_WAIT_MS + 60_000);

    afterAll(async () => {
      try {
        await redis?.stop();
        await pg?.stop();
      } finally {
        releaseSlot();
      }
    });

    it('names every unset variable before starting anything', async () => {
      const started = startProduction({ REDIS_URL: 'redis://127.0.0.1:1' });
      expect(await started.exited).toBe(1);
      const missing = REQUIRED.filter(v => v !== 'REDIS_URL');
      expect(started.output()).toContain(
        `which are not set: ${missing.join(' ')}`,
      );
    });

    it('exits non-zero on a published development key', async () => {
      const started = startProduction(
        { ...env, KPAAS_ENCRYPTION_KEY: PUBLISHED_DEV_KEY },
        ['--config', extraConfig],
      );
      try {
        expect(await started.exited).toBe(1);
        expect(started.output()).toMatch(
          /kpaas\.encryptionKey is a published development key/,
        );
      } finally {
        await stop(started);
      }
    }, 180_000);

    it('serves with a generated key; guest sign-in and anonymous kpaas calls are refused', async () => {
      const started = startProduction(env, ['--config', extraConfig]);
      const base = `http://127.0.0.1:${port}`;
      try {
        const deadline = Date.now() + 150_000;
        for (;;) {
          if (started.child.exitCode !== null) {
            throw new Error(
              `the backend exited (${started.child.exitCode}):\n${started
                .output()
                .slice(-3000)}`,
            );
          }
          const health = await fetch(`${base}/api/kpaas/health`).catch(
            () => undefined,
          );
          if (health?.status === 200) break;
          if (Date.now() > deadline) {
            throw new Error(
              `no health answer within 150 s:\n${started
                .output()
                .slice(-3000)}`,
            );
          }
          await sleep(500);
        }
        const guest = await fetch(`${base}/api/auth/guest/refresh`, {
          headers: { 'X-Requested-With': 'XMLHttpRequest' },
        });
        expect(guest.status).toBe(403);
        expect((await fetch(`${base}/api/kpaas/clusters`)).status).toBe(401);

        // State written under this key, for the rotation below.
        const issued = await fetch(
          `${base}/api/kpaas/clusters/rotate/terraform/credentials`,
          {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${CI_TOKEN}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ newCluster: true, taskId: 'task-1' }),
          },
        );
        expect(issued.status).toBe(201);
        const { username, password } = await issued.json();
        const written = await fetch(
          `${base}/api/kpaas/clusters/rotate/terraform/state`,
          {
            method: 'POST',
            headers: {
              Authorization: `Basic ${Buffer.from(
                `${username}:${password}`,
              ).toString('base64')}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({
              version: 4,
              serial: 1,
              lineage: 'rotation-test',
              terraform_version: '1.11.4',
              outputs: {},
              resources: [],
            }),
          },
        );
        expect(written.status).toBe(200);
      } finally {
        await stop(started);
      }
    }, 180_000);

    it('npm run reencrypt moves stored state to a new key and names what an unknown key left', async () => {
      const oldKey = env.KPAAS_ENCRYPTION_KEY;
      fs.writeFileSync(
        rotationConfig,
        `kpaas:\n  previousEncryptionKeys: [${oldKey}]\n`,
      );
      const reencrypt = (key: string, extra: string[]) =>
        runToExit(
          startCommand('reencrypt', { ...env, KPAAS_ENCRYPTION_KEY: key }, [
            '--config',
            'app-config.yaml',
            '--config',
            'app-config.production.yaml',
            ...extra,
          ]),
        );
      const newKey = randomBytes(32).toString('base64');
      const rotated = await reencrypt(newKey, ['--config', rotationConfig]);
      expect(rotated.output).toContain(
        're-encrypted 0 cluster credential(s) and 1 Terraform state version(s) with the current key',
      );
      expect(rotated.code).toBe(0);
      // Nothing left under the old key: a second pass changes nothing.
      const again = await reencrypt(newKey, ['--config', rotationConfig]);
      expect(again.output).toContain('and 0 Terraform state version(s)');
      expect(again.code).toBe(0);
      // A key that opens nothing: the row stays as it is and is named; exit 1.
      const lost = await reencrypt(randomBytes(32).toString('base64'), []);
      expect(lost.code).toBe(1);
      expect(lost.output).toContain('Terraform state rotate version 1');
    }, 180_000);
  },
);
