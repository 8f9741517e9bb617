import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { acquireE2eSlot } from './e2eSlot';
import {
  DemoCluster,
  freePort,
  KubeApiStandIn,
  startDemoCluster,
} from '@internal/kpaas-testkit';

const repoRoot = path.resolve(__dirname, '../../..');

/** The app (backend + frontend dev server) started by a test, with its demo cluster. */
export interface RunningApp {
  appUrl: string;
  backendUrl: string;
  kubeApi: KubeApiStandIn;
  /** Where the plugins' SQLite databases live (`<pluginId>.sqlite`), removed by stop(). */
  databaseDir: string;
  /** Everything Backstage printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
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
      throw new Error(
        `Backstage exited (${
          child.exitCode
        }) before ${url} answered:\n${output().slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  throw new Error(
    `${url} did not answer within ${timeoutMs} ms:\n${output().slice(-4000)}`,
  );
}

/** Options of {@link startApp}; all optional. */
export interface StartAppOptions {
  /** How long to wait for the backend and the frontend to answer (default 240 s). */
  timeoutMs?: number;
  /**
   * More app-config, given to Backstage as a last `--config` file: objects merge into the
   * generated config, arrays and scalars replace.
   */
  extraConfig?: Record<string, unknown>;
  /** Extra environment of the Backstage process (e.g. a PATH with stand-ins first). */
  env?: Record<string, string>;
  /**
   * More `kpaas.clusters[]` entries after the demo's, given the demo (its API stand-in serves
   * them too).
   */
  moreClusters?: (demo: DemoCluster) => Array<Record<string, unknown>>;
}

/**
 * Starts the Kubernetes API stand-in with the K-PaaS HA fixture and the whole Backstage app on
 * free ports of 127.0.0.1, registering the stand-in as the `demo` cluster through
 * `kpaas.clusters[]` (the same wiring `npm start` uses).
 */
export async function startApp(
  options: StartAppOptions = {},
): Promise<RunningApp> {
  // One whole app at a time across the jest workers (see e2eSlot.ts), released by stop().
  const release = await acquireE2eSlot(
    `the app of ${path.basename(expect.getState().testPath ?? 'an e2e test')}`,
  );
  try {
    const app = await startAppInSlot(options);
    return {
      ...app,
      stop: async () => {
        try {
          await app.stop();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

async function startAppInSlot(options: StartAppOptions): Promise<RunningApp> {
  const host = '127.0.0.1';
  // The demo cluster as `npm start` serves it (API stand-in, platform UI stand-in, config).
  const demo = await startDemoCluster({ host });
  const kubeApi = demo.kubeApi;
  const [appPort, backendPort] = [await freePort(host), await freePort(host)];
  const appUrl = `http://${host}:${appPort}`;
  const backendUrl = `http://${host}:${backendPort}`;
  const dir = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-'),
  );
  const configPath = path.join(dir, 'app-config.e2e.yaml');
  fs.writeFileSync(
    configPath,
    YAML.stringify({
      app: { baseUrl: appUrl, listen: { host, port: appPort } },
      backend: {
        baseUrl: backendUrl,
        listen: { host, port: backendPort },
        cors: { origin: appUrl },
        // One SQLite file per plugin in the run's temp dir instead of `:memory:`: in-memory
        // databases are restored through the CLI's dev IPC, whose 5 s timeout fails the backend
        // start on a loaded machine ("IPC request 'DevDataStore.load' … timed out").
        database: {
          client: 'better-sqlite3',
          connection: { directory: path.join(dir, 'db') },
        },
      },
      kpaas: {
        ...demo.config.kpaas,
        clusters: [
          ...(demo.config.kpaas.clusters as unknown[]),
          ...(options.moreClusters?.(demo) ?? []),
        ],
      },
    }),
  );

  const configArgs = [
    '--config',
    path.join(repoRoot, 'app-config.yaml'),
    '--config',
    configPath,
  ];
  if (options.extraConfig) {
    const extraPath = path.join(dir, 'app-config.e2e.extra.yaml');
    fs.writeFileSync(extraPath, YAML.stringify(options.extraConfig));
    configArgs.push('--config', extraPath);
  }

  let log = '';
  const child = spawn(
    'yarn',
    ['backstage-cli', 'repo', 'start', ...configArgs],
    {
      cwd: repoRoot,
      detached: true, // own process group: stop() takes the dev server and backend down together
      env: {
        ...process.env,
        BROWSER: 'none',
        NODE_ENV: 'development',
        FORCE_COLOR: '0',
        ...options.env,
      },
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
    await demo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const timeoutMs = options.timeoutMs ?? 240_000;
    await waitForHttp(
      `${backendUrl}/api/kpaas/health`,
      child,
      () => log,
      timeoutMs,
    );
    await waitForHttp(appUrl, child, () => log, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    appUrl,
    backendUrl,
    kubeApi,
    databaseDir: path.join(dir, 'db'),
    output: () => log,
    stop,
  };
}
