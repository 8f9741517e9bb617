/*
 * Several kpaas backends side by side, as a platform team runs them: each replica is the
 * README's `npm run start:production` (scripts/kpaas.sh production) on its own loopback port,
 * all against one PostgreSQL and one Redis. Used by multiReplica.e2e.test.ts and
 * bench/multi-replica.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { TestPostgres, TestRedis } from '@internal/kpaas-testkit';

// run from source by jest and the bench, never from a build
// eslint-disable-next-line no-restricted-syntax
const repoRoot = path.resolve(__dirname, '../../..');

/** What every replica shares: the database, the cache, the keys and a registrar token. */
export interface ReplicaFleet {
  env: Record<string, string>;
  /** Static external-access token (subject `ci`): registrar, may read and refresh. */
  token: string;
  dir: string;
}

export interface ReplicaOptions {
  /** Refresh interval of each cluster (kpaas.refresh.schedule.frequency). */
  intervalSeconds: number;
  requestTimeoutSeconds?: number;
  clusterTimeoutSeconds?: number;
  concurrency?: number;
  /** Backend log level (default warn). */
  logLevel?: string;
}

export interface Replica {
  name: string;
  port: number;
  base: string;
  /** The backend's pid (bash execs node). */
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  /** Waits for /api/kpaas/health, failing with the log when the process exits first. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL at once: a replica that dies. */
  kill(): Promise<void>;
}

export function createReplicaFleet(
  pg: TestPostgres,
  redis: TestRedis,
): ReplicaFleet {
  const dir = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-replicas-'),
  );
  return {
    dir,
    token: randomBytes(24).toString('hex'),
    env: {
      APP_BASE_URL: 'http://127.0.0.1:3000',
      BACKEND_SECRET: randomBytes(24).toString('base64'),
      POSTGRES_HOST: pg.host,
      POSTGRES_PORT: String(pg.port),
      POSTGRES_USER: pg.user,
      POSTGRES_PASSWORD: 'unused-with-trust-auth',
      REDIS_URL: redis.url,
      KPAAS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
  };
}

function replicaConfig(
  fleet: ReplicaFleet,
  port: number,
  o: ReplicaOptions,
): string {
  return [
    'backend:',
    `  listen: 127.0.0.1:${port}`,
    '  auth:',
    '    externalAccess:',
    '      - type: static',
    `        options: { token: ${fleet.token}, subject: ci }`,
    'kpaas:',
    '  servicePrincipals:',
    '    registrars: [external:ci]',
    '    allow:',
    '      - subject: external:ci',
    '        permissions: [kpaas.cluster.read, kpaas.cluster.refresh]',
    // the stand-in listens on loopback
    '  clusterNetworks: [127.0.0.0/8]',
    '  refresh:',
    '    schedule:',
    `      frequency: { seconds: ${o.intervalSeconds} }`,
    `      timeout: { seconds: ${o.intervalSeconds * 4} }`,
    '      initialDelay: { seconds: 1 }',
    `    requestTimeoutSeconds: ${o.requestTimeoutSeconds ?? 5}`,
    `    clusterTimeoutSeconds: ${o.clusterTimeoutSeconds ?? 8}`,
    `    concurrency: ${o.concurrency ?? 10}`,
    '    provisioningGraceMinutes: 0',
    '',
  ].join('\n');
}

/** Starts one replica: `bash scripts/kpaas.sh production --config <its port and test config>`. */
export function startReplica(
  fleet: ReplicaFleet,
  name: string,
  port: number,
  options: ReplicaOptions,
): Replica {
  const configFile = path.join(fleet.dir, `app-config.${name}.yaml`);
  fs.writeFileSync(configFile, replicaConfig(fleet, port, options));
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    'bash',
    ['scripts/kpaas.sh', 'production', '--config', configFile],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME ?? os.tmpdir(),
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        ...fleet.env,
        BACKEND_BASE_URL: base,
        LOG_LEVEL: options.logLevel ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const logFile = path.join(fleet.dir, `${name}.log`);
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
    fs.appendFileSync(logFile, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  return {
    name,
    port,
    base,
    pid: child.pid!,
    output: () => output,
    exited,
    async ready(timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) {
          throw new Error(
            `replica ${name} exited (${child.exitCode}):\n${output.slice(
              -3000,
            )}`,
          );
        }
        const health = await fetch(`${base}/api/kpaas/health`).catch(
          () => undefined,
        );
        if (health?.status === 200) return;
        if (Date.now() > deadline) {
          throw new Error(
            `replica ${name}: no health answer within ${
              timeoutMs / 1000
            } s:\n${output.slice(-3000)}`,
          );
        }
        await sleep(500);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null)
        signal('SIGKILL');
      await exited;
    },
    async kill() {
      signal('SIGKILL');
      await exited;
    },
  };
}

/** One SQL query against kpaas-backend's database (psql next to the test PostgreSQL). */
export async function queryKpaasDatabase(
  pg: TestPostgres,
  sql: string,
): Promise<string[]> {
  const psql = ['/usr/lib/postgresql']
    .filter(fs.existsSync)
    .flatMap(root =>
      fs.readdirSync(root).map(v => path.join(root, v, 'bin', 'psql')),
    )
    .find(fs.existsSync);
  const { stdout } = await promisify(execFile)(psql ?? 'psql', [
    '-At',
    '-d',
    pg.connectionString('backstage_plugin_kpaas'),
    '-c',
    sql,
  ]);
  return stdout.split('\n').filter(Boolean);
}

/** One redis-cli (or valkey-cli, with Valkey only) command against the test Redis. */
export async function redisCommand(
  redis: TestRedis,
  args: string[],
): Promise<string> {
  const cli = ['/usr/bin/redis-cli', '/usr/bin/valkey-cli'].find(fs.existsSync);
  const { stdout } = await promisify(execFile)(cli ?? 'redis-cli', [
    '-u',
    redis.url,
    ...args,
  ]);
  return stdout;
}
