import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';

const repoRoot = path.resolve(__dirname, '../../..');

/** The app (backend + frontend dev server) started by a test, with its demo cluster. */
export interface RunningApp {
  appUrl: string;
  backendUrl: string;
  kubeApi: KubeApiStandIn;
  /** Everything Backstage printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
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

async function waitForHttp(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Backstage exited (${child.exitCode}) before ${url} answered:\n${output().slice(-4000)}`);
    }
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output().slice(-4000)}`);
}

/**
 * Starts the Kubernetes API stand-in with the K-PaaS HA fixture and the whole Backstage app on
 * free ports of 127.0.0.1, registering the stand-in as the `demo` cluster through
 * `kpaas.clusters[]` (the same wiring `npm start` uses).
 */
export async function startApp(options: { timeoutMs?: number } = {}): Promise<RunningApp> {
  const host = '127.0.0.1';
  const readerToken = randomBytes(24).toString('hex');
  const kubeApi = await startKubeApiStandIn({
    host,
    fixture: kpaasHaFixture(),
    tokens: {
      [readerToken]: {
        user: 'system:serviceaccount:kube-system:kpaas-reader',
        groups: ['system:serviceaccounts'],
        readOnly: true,
      },
    },
  });
  const [appPort, backendPort] = [await freePort(host), await freePort(host)];
  const appUrl = `http://${host}:${appPort}`;
  const backendUrl = `http://${host}:${backendPort}`;
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-'));
  const configPath = path.join(dir, 'app-config.e2e.yaml');
  fs.writeFileSync(
    configPath,
    YAML.stringify({
      app: { baseUrl: appUrl, listen: { host, port: appPort } },
      backend: {
        baseUrl: backendUrl,
        listen: { host, port: backendPort },
        cors: { origin: appUrl },
      },
      kpaas: {
        clusters: [
          {
            name: 'demo',
            entityRef: 'resource:default/demo',
            url: kubeApi.url,
            caData: kubeApi.caPem,
            serviceAccountToken: readerToken,
          },
        ],
      },
    }),
  );

  let log = '';
  const child = spawn(
    'yarn',
    ['backstage-cli', 'repo', 'start', '--config', path.join(repoRoot, 'app-config.yaml'), '--config', configPath],
    {
      cwd: repoRoot,
      detached: true, // own process group: stop() takes the dev server and backend down together
      env: { ...process.env, BROWSER: 'none', NODE_ENV: 'development', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', d => (log += d.toString()));
  child.stderr!.on('data', d => (log += d.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await kubeApi.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const timeoutMs = options.timeoutMs ?? 240_000;
    await waitForHttp(`${backendUrl}/api/kpaas/health`, child, () => log, timeoutMs);
    await waitForHttp(appUrl, child, () => log, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { appUrl, backendUrl, kubeApi, output: () => log, stop };
}
