/*
 * A throwaway Redis (or Valkey) for tests: `redis-server` on 127.0.0.1 and a free port, no
 * persistence, stopped afterwards. Resolves to `{ skipped: <reason> }` when no server binary is
 * installed, so callers skip with a visible reason instead of failing.
 *
 *   const redis = await startTestRedis();
 *   if ('skipped' in redis) { ... }
 *   redis.url  // redis://127.0.0.1:<port>
 *   await redis.stop();
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../ssh/addresses';

export interface TestRedis {
  host: string;
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

const SERVER_BINARIES = ['/usr/bin/valkey-server', '/usr/bin/redis-server'];

/** Why a throwaway Redis cannot be started here, or undefined when it can. */
export function redisUnavailableReason(): string | undefined {
  return SERVER_BINARIES.some(existsSync)
    ? undefined
    : 'neither valkey-server nor redis-server is installed (apt-get install redis-server)';
}

/** Sends PING; resolves true on +PONG. */
function ping(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', data => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startTestRedis(
  options: { host?: string; startTimeoutMs?: number } = {},
): Promise<TestRedis | { skipped: string }> {
  const binary = SERVER_BINARIES.find(existsSync);
  if (!binary) return { skipped: redisUnavailableReason()! };
  const host = options.host ?? '127.0.0.1';
  const port = await freePort(host);
  const child: ChildProcess = spawn(
    binary,
    [
      '--bind',
      host,
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', chunk => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await ping(host, port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      return {
        skipped: `${binary} did not start: ${stderr.trim() || 'no PONG'}`,
      };
    }
    await sleep(50);
  }
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
