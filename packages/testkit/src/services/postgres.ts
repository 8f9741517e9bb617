/*
 * A throwaway PostgreSQL for tests: initdb into a temp dir, `postgres` on 127.0.0.1 and a free
 * port, stopped and deleted afterwards. Needs the PostgreSQL server binaries
 * (/usr/lib/postgresql/<v>/bin or PG_BIN). PostgreSQL refuses to run as root, so as root the
 * data dir is handed to the `postgres` system user and the server runs through `runuser`.
 * When something is missing, `startTestPostgres` resolves to `{ skipped: <reason> }` so the
 * caller can skip with a visible reason instead of failing.
 *
 *   const pg = await startTestPostgres();
 *   if ('skipped' in pg) { it.skip(`PostgreSQL: ${pg.skipped}`, () => {}); return; }
 *   const knex = await pg.createDatabase();   // fresh database, knex client
 *   await pg.stop();
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { Knex } from 'knex';
import { freePort } from '../ssh/addresses';

export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  /** `postgresql://postgres@127.0.0.1:<port>/<database>` */
  connectionString(database?: string): string;
  /** Creates a fresh, uniquely named database and returns a knex client for it. */
  createDatabase(): Promise<Knex>;
  stop(): Promise<void>;
}

function findPgBin(): string | undefined {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'postgres'))) {
    return process.env.PG_BIN;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter(v => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Why a throwaway PostgreSQL cannot be started here (no binaries, root without a `postgres`
 * user), or undefined when it can. Synchronous, so tests can pick `describe` or `describe.skip`.
 */
export function postgresUnavailableReason(): string | undefined {
  if (!findPgBin()) return 'PostgreSQL server binaries not found (set PG_BIN)';
  if (process.getuid?.() === 0 && !systemUser('postgres')) {
    return 'running as root and there is no "postgres" system user to run the server as';
  }
  return undefined;
}

export async function startTestPostgres(
  options: { host?: string; startTimeoutMs?: number } = {},
): Promise<TestPostgres | { skipped: string }> {
  const bin = findPgBin();
  if (!bin) {
    return { skipped: 'PostgreSQL server binaries not found (set PG_BIN)' };
  }
  const isRoot = process.getuid?.() === 0;
  const pgUser = isRoot ? systemUser('postgres') : undefined;
  if (isRoot && !pgUser) {
    return {
      skipped:
        'running as root and there is no "postgres" system user to run the server as',
    };
  }
  const host = options.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'kpaas-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = dir;
  if (pgUser) chownSync(dir, pgUser.uid, pgUser.gid);
  const asPgUser = (cmd: string, args: string[]): [string, string[]] =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

  try {
    const [initCmd, initArgs] = asPgUser(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    execFileSync(initCmd, initArgs, { stdio: 'pipe', cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return {
      skipped: `initdb failed: ${
        (error as { stderr?: Buffer }).stderr?.toString() ??
        (error as Error).message
      }`,
    };
  }

  const port = await freePort(host);
  const [cmd, args] = asPgUser(join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-k',
    socketDir,
    '-h',
    host,
    '-p',
    String(port),
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child: ChildProcess = spawn(cmd, args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', chunk => {
    stderr += chunk.toString();
  });

  const admin = knexFactory({
    client: 'pg',
    connection: { host, port, user: 'postgres', database: 'postgres' },
    pool: { min: 0, max: 2 },
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 20000);
  for (;;) {
    try {
      await admin.raw('select 1');
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGTERM');
        await admin.destroy();
        rmSync(dir, { recursive: true, force: true });
        return {
          skipped: `postgres did not start: ${
            stderr.trim() || (error as Error).message
          }`,
        };
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }

  const clients: Knex[] = [];
  let counter = 0;
  const connectionString = (database = 'postgres') =>
    `postgresql://postgres@${host}:${port}/${database}`;
  return {
    host,
    port,
    user: 'postgres',
    connectionString,
    async createDatabase() {
      const name = `kpaas_test_${process.pid}_${++counter}`;
      await admin.raw('create database ??', [name]);
      const client = knexFactory({
        client: 'pg',
        connection: { host, port, user: 'postgres', database: name },
        pool: { min: 0, max: 5 },
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map(c => c.destroy()));
      await admin.destroy();
      if (child.exitCode === null) {
        const exited = new Promise(r => child.once('exit', r));
        // SIGINT to the postmaster (the server we started; runuser may not forward signals) is
        // PostgreSQL's "fast shutdown".
        try {
          const postmasterPid = Number(
            readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split(
              '\n',
            )[0],
          );
          process.kill(postmasterPid, 'SIGINT');
        } catch {
          child.kill('SIGINT');
        }
        await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
