/*
 * Why an e2e test's fetch failed with "TypeError: fetch failed / Cause: read ECONNRESET" on a
 * loaded machine. The tests call the backend with Node's fetch (undici), which keeps the
 * connection open and reuses it for the next request. Node's HTTP server closes an idle
 * keep-alive connection after `server.keepAliveTimeout`, 5 s by default (+1 s buffer on Node
 * 24). On a busy machine the backend process itself gets no CPU for seconds: the test's next
 * request, sent well inside undici's reuse window, lands in the socket's receive buffer while the
 * backend is stalled; when the backend runs again its timers come first, the keep-alive timeout
 * has passed, and it destroys the connection with the request unread, which the kernel answers
 * with a reset. The backend's keep-alive timeout now comes from app-config
 * (`backend.server.keepAliveTimeout`, Backstage's own setting) and outlasts such stalls; this
 * test reproduces the reset with Node's default and shows it gone with the configured value.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const repoRoot = path.resolve(__dirname, '../../..');
// longer than Node's default keep-alive timeout of 5 s and its 1 s buffer
const STALL_MS = 7_000;

jest.setTimeout(60_000);

/** `backend.server.keepAliveTimeout` of app-config.yaml, in ms. */
function configuredKeepAliveMs(): number {
  const config = YAML.parse(
    fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'),
  );
  const value = config?.backend?.server?.keepAliveTimeout;
  if (typeof value !== 'number') {
    throw new Error(
      `app-config.yaml backend.server.keepAliveTimeout must be a number of ms, got ${value}`,
    );
  }
  return value;
}

interface Server {
  url: string;
  process: ChildProcess;
}

/** An HTTP server in its own process (a blocked test process must not block it). */
async function startServer(keepAliveTimeout?: number): Promise<Server> {
  const script = `
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      // after this answer the backend gets no CPU for a while, as on a loaded machine: the
      // stall ends before the next loop turn, whose timers run before its socket reads
      if (req.url === '/then-stall') {
        res.on('finish', () =>
          setImmediate(() => {
            const end = Date.now() + ${STALL_MS};
            while (Date.now() < end) {}
          }),
        );
      }
      res.end('ok');
    });
    ${
      keepAliveTimeout === undefined
        ? ''
        : `server.keepAliveTimeout = ${keepAliveTimeout};`
    }
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  `;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', d => resolve(String(d).trim()));
    child.once('exit', code => reject(new Error(`server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, process: child };
}

/**
 * A request after which the server stalls for longer than Node's default keep-alive timeout,
 * and the next request on the same connection 1 s later (inside undici's reuse window).
 */
async function requestDuringStall(server: Server): Promise<string> {
  expect(await (await fetch(`${server.url}then-stall`)).text()).toBe('ok');
  await new Promise(resolve => setTimeout(resolve, 1_000));
  try {
    return await (await fetch(server.url)).text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } })
      .cause;
    return `${(error as Error).message}: ${cause?.code ?? cause?.message}`;
  }
}

describe('keep-alive between the tests and the backend', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.process.kill();
    server = undefined;
  });

  it("resets the reused connection with Node's default keep-alive timeout (the failure seen under load)", async () => {
    server = await startServer();
    expect(await requestDuringStall(server)).toMatch(
      /^fetch failed: (ECONNRESET|UND_ERR_SOCKET)/,
    );
  });

  it("answers after the same stall with the backend's configured keep-alive timeout", async () => {
    const keepAlive = configuredKeepAliveMs();
    // longer than any stall of the backend on a loaded machine (a 31.8 s page phase was seen)
    expect(keepAlive).toBeGreaterThanOrEqual(60_000);
    server = await startServer(keepAlive);
    expect(await requestDuringStall(server)).toBe('ok');
  });
});
