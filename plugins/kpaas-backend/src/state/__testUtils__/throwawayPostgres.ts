import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';

/*
 * A throwaway PostgreSQL server for tests: initdb into a temp dir and a postmaster on 127.0.0.1
 * and a free port, run as the `postgres` system user (PostgreSQL refuses to run as root).
 * Debian's server binaries live in /usr/lib/postgresql/<major>/bin.
 */

const PG_BIN_CANDIDATES = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
];

export interface ThrowawayPostgres {
  host: string;
  port: number;
  /** A fresh, empty database with a knex client on it. */
  createDatabase(): Promise<Knex>;
  stop(): Promise<void>;
}

/** Why a throwaway server cannot run here, or undefined when it can. */
export function postgresUnavailableReason(): string | undefined {
  const bin = PG_BIN_CANDIDATES.find(d =>
    fs.existsSync(path.join(d, 'initdb')),
  );
  if (!bin)
    return `no PostgreSQL server binaries in ${PG_BIN_CANDIDATES.join(', ')}`;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no `postgres` system user to run the server as';
    }
    if (
      !fs.existsSync('/usr/sbin/runuser') &&
      !fs.existsSync('/sbin/runuser')
    ) {
      return 'running as root without runuser to switch to the postgres user';
    }
  }
  return undefined;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0)
    return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  return [cmd, args];
}

/** Starts the server; throws when {@link postgresUnavailableReason} says it cannot. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const reason = postgresUnavailableReason();
  if (reason) throw new Error(`Cannot start a throwaway PostgreSQL: ${reason}`);
  const bin = PG_BIN_CANDIDATES.find(d =>
    fs.existsSync(path.join(d, 'initdb')),
  )!;
  const host = '127.0.0.1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-pg-'));
  fs.chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const dataDir = path.join(dir, 'data');
  const [initCmd, initArgs] = asPostgresUser(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });

  const port = await freePort(host);
  const [cmd, args] = asPostgresUser(path.join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-k',
    dir,
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
  const server: ChildProcess = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let serverLog = '';
  server.stderr?.on('data', chunk => {
    serverLog = (serverLog + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>(resolve =>
    server.once('exit', () => resolve()),
  );

  const admin = knexFactory({
    client: 'pg',
    connection: { host, port, user: 'postgres', database: 'postgres' },
    pool: { min: 0, max: 2 },
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await admin.raw('select 1');
      break;
    } catch (e) {
      if (server.exitCode !== null || Date.now() > deadline) {
        await admin.destroy();
        throw new Error(`PostgreSQL did not start: ${e}\n${serverLog}`);
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }

  const clients: Knex[] = [];
  return {
    host,
    port,
    async createDatabase() {
      const name = `kpaas_${crypto.randomBytes(6).toString('hex')}`;
      await admin.raw(`create database ${name}`);
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
      // Fast shutdown of the postmaster (its pid is the first line of postmaster.pid).
      const pidFile = path.join(dataDir, 'postmaster.pid');
      if (fs.existsSync(pidFile)) {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0) {
          try {
            process.kill(pid, 'SIGINT');
          } catch {
            // already gone
          }
        }
      }
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
