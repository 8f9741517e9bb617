/*
 * Loopback address handling for the SSH node rig.
 *
 * Every rig node listens on its own 127.x.y.z address. Rigs started by
 * parallel jest workers (or parallel test runs) must not collide, so each rig
 * claims a whole 127.a.b.0/24 block with an exclusive lock file and double
 * checks that the block is unused by binding a probe socket.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Thrown for a node host that is not an IPv4 loopback address (127.0.0.0/8). */
export class NonLoopbackHostError extends Error {
  constructor(host: string, nodeName?: string) {
    super(
      `SSH node rig: refusing host '${host}'${
        nodeName ? ` for node '${nodeName}'` : ''
      }: rig nodes may only listen on an IPv4 loopback address 127.x.y.z (127.0.0.0/8), ` +
        `never on a routable or wildcard address`,
    );
    this.name = 'NonLoopbackHostError';
  }
}

/** True for a dotted-quad IPv4 address inside 127.0.0.0/8 (excluding .0 and .255 hosts). */
export function isLoopbackIPv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const o = m.slice(1).map(Number);
  if (o.some(n => n > 255)) return false;
  if (m.slice(1).some(s => s.length > 1 && s.startsWith('0'))) return false;
  return o[0] === 127 && o[3] !== 0 && o[3] !== 255;
}

export function assertLoopbackHost(host: string, nodeName?: string): void {
  if (!isLoopbackIPv4(host)) throw new NonLoopbackHostError(host, nodeName);
}

/** Resolves true if `host:port` can be bound right now (TCP, exclusive). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** Asks the kernel for a currently free TCP port on `host`. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** Port 22 if it is free on `host`, else a free ephemeral port. */
export async function pickPort(host: string, preferred = 22): Promise<number> {
  if (await canBind(host, preferred)) return preferred;
  return freePort(host);
}

/** A claimed 127.a.b.0/24 block; `release()` drops the lock file. */
export interface LoopbackBlock {
  /** e.g. '127.23.140' */
  prefix: string;
  /** The n-th host address of the block, n in 1..254. */
  address(n: number): string;
  release(): void;
}

let blockCounter = 0;

function lockDir(): string {
  return path.join(os.tmpdir(), 'kpaas-ssh-rig-locks');
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes lock files left behind by dead processes (e.g. a SIGKILLed jest worker). */
function sweepStaleLocks(dir: string): void {
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.lock')) continue;
    const file = path.join(dir, f);
    try {
      const owner = parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (!pidAlive(owner)) fs.unlinkSync(file);
    } catch {
      /* raced with its owner */
    }
  }
}

export { pidAlive as isPidAlive };

function tryLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // stale lock from a dead process? take it over.
      let owner = NaN;
      try {
        owner = parseInt(fs.readFileSync(file, 'utf8'), 10);
      } catch {
        continue; // vanished meanwhile, retry
      }
      if (pidAlive(owner)) return false;
      try {
        fs.unlinkSync(file);
      } catch {
        /* someone else removed it */
      }
    }
  }
  return false;
}

/**
 * Claims a free 127.a.b.0/24 block (a in 10..249). The starting point is
 * derived from the pid and a per-process counter, then probed linearly. A
 * block is taken only if its lock file could be created exclusively and
 * 127.a.b.1 / 127.a.b.2 are bindable on port 22.
 */
export async function claimLoopbackBlock(): Promise<LoopbackBlock> {
  const dir = lockDir();
  fs.mkdirSync(dir, { recursive: true });
  sweepStaleLocks(dir);
  const span = 240 * 256;
  const seed =
    (process.pid * 7919 +
      blockCounter++ * 104729 +
      Math.floor(Math.random() * 4096)) %
    span;
  for (let i = 0; i < span; i++) {
    const idx = (seed + i * 257) % span;
    const a = 10 + Math.floor(idx / 256);
    const b = idx % 256;
    const prefix = `127.${a}.${b}`;
    const file = path.join(dir, `${prefix}.lock`);
    if (!tryLock(file)) continue;
    const free =
      (await canBind(`${prefix}.1`, 22)) && (await canBind(`${prefix}.2`, 22));
    if (!free) {
      try {
        fs.unlinkSync(file);
      } catch {
        /* ignore */
      }
      continue;
    }
    let released = false;
    return {
      prefix,
      address: (n: number) => {
        if (!Number.isInteger(n) || n < 1 || n > 254) {
          throw new Error(
            `loopback block ${prefix}.0/24 has no host number ${n}`,
          );
        }
        return `${prefix}.${n}`;
      },
      release: () => {
        if (released) return;
        released = true;
        try {
          if (parseInt(fs.readFileSync(file, 'utf8'), 10) === process.pid) {
            fs.unlinkSync(file);
          }
        } catch {
          /* ignore */
        }
      },
    };
  }
  throw new Error('SSH node rig: no free 127.a.b.0/24 loopback block left');
}
