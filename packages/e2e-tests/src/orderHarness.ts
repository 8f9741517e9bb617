/**
 * What the cluster-order browser tests share: the prerequisite check, the running app with
 * Chromium signed in as guest, a guest-authenticated backend client, waiting for a scaffolder
 * task and reading its log and step outputs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { RunningApp, startApp, StartAppOptions } from './appHarness';
import {
  ARTIFACTS_DIR,
  CHROMIUM_PATH,
  launchChromium,
  saveScreenshot,
  signInAsGuest,
} from './browser';

function sshdAvailable(): boolean {
  try {
    execFileSync('/usr/sbin/sshd', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return fs.existsSync('/usr/sbin/sshd');
  }
}

/** ` [skipped: <why>]` when Chromium, sshd or root is missing, else ''. */
export function rigSkipReason(): string {
  let missing: string | undefined;
  if (!fs.existsSync(CHROMIUM_PATH)) missing = '/usr/bin/chromium missing';
  else if (!sshdAvailable()) missing = '/usr/sbin/sshd missing';
  else if (process.getuid?.() !== 0) missing = 'the SSH rig needs root';
  return missing ? ` [skipped: ${missing}]` : '';
}

export interface TaskEvent {
  type: string;
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    [k: string]: unknown;
  };
}

/** The finished task: its status, events, log and per-step statuses and outputs. */
export interface TaskResult {
  taskId: string;
  status: string;
  events: TaskEvent[];
  log: string;
  stepStatus(id: string): string | undefined;
  /** The failure message(s) of one step. */
  stepError(id: string): string;
  /** A completed step's output, as the scaffolder recorded it (task recovery state). */
  output(id: string): Record<string, any>;
}

// better-sqlite3 ships no types; the harness only reads one row
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database: new (file: string, options: { readonly: boolean }) => {
  prepare(sql: string): {
    get(...params: unknown[]): { state?: string } | undefined;
  };
  close(): void;
} = require('better-sqlite3');

export interface OrderSession {
  app: RunningApp;
  page: Page;
  /** GET on the backend with a guest token; throws on a non-200 answer. */
  json(pathAndQuery: string): Promise<any>;
  /** GET on the backend with a guest token. */
  get(pathAndQuery: string): Promise<{ status: number; text: string }>;
  /** POST on the backend with a guest token and a JSON body. */
  post(
    pathAndQuery: string,
    body: unknown,
  ): Promise<{ status: number; text: string }>;
  /** Clicks Create on the review step and waits for the task to end. */
  createAndWait(artifactPrefix: string): Promise<TaskResult>;
  /** Waits for a task (started any way) to end and collects its result. */
  waitForTask(taskId: string, artifactPrefix: string): Promise<TaskResult>;
  stop(): Promise<void>;
}

/**
 * Starts the app with task recovery on (the scaffolder then keeps each completed step's output,
 * which is how the tests read outputs) and a GitHub token (publish:github really tries GitHub,
 * and fails: there is no network here), and signs Chromium in as guest.
 */
export async function startOrderSession(
  options: StartAppOptions = {},
): Promise<OrderSession> {
  const app = await startApp({
    ...options,
    extraConfig: {
      scaffolder: { taskRecovery: { enabled: true } },
      ...options.extraConfig,
    },
    env: { GITHUB_TOKEN: 'e2e-no-github-on-this-machine', ...options.env },
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1000 },
    });
    page.setDefaultTimeout(30_000);
    await signInAsGuest(page, app.appUrl);
    const refresh = await fetch(`${app.backendUrl}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    const token: string = (await refresh.json()).backstageIdentity.token;

    const get = async (pathAndQuery: string) => {
      const res = await fetch(`${app.backendUrl}${pathAndQuery}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, text: await res.text() };
    };
    const json = async (pathAndQuery: string) => {
      const { status, text } = await get(pathAndQuery);
      if (status !== 200) {
        throw new Error(
          `GET ${pathAndQuery}: HTTP ${status} ${text.slice(0, 500)}`,
        );
      }
      return JSON.parse(text);
    };

    const post = async (pathAndQuery: string, body: unknown) => {
      const res = await fetch(`${app.backendUrl}${pathAndQuery}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };

    const waitForTask = async (
      taskId: string,
      artifactPrefix: string,
    ): Promise<TaskResult> => {
      let task: { status: string } = { status: 'open' };
      try {
        for (
          let i = 0;
          i < 600 &&
          !['completed', 'failed', 'cancelled'].includes(task.status);
          i++
        ) {
          await new Promise(r => setTimeout(r, 1000));
          task = await json(`/api/scaffolder/v2/tasks/${taskId}`);
        }
      } finally {
        // the app's own output (backend log, dev-server restarts), also when the backend is gone
        fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
        fs.writeFileSync(
          path.join(ARTIFACTS_DIR, `${artifactPrefix}-app.log`),
          app.output(),
        );
      }
      const events: TaskEvent[] = await json(
        `/api/scaffolder/v2/tasks/${taskId}/events`,
      );
      const log = events
        .map(e => `[${e.body.stepId ?? '-'}] ${e.body.message ?? ''}`)
        .join('\n');
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      fs.writeFileSync(
        path.join(ARTIFACTS_DIR, `${artifactPrefix}-task.log`),
        log,
      );

      const db = new Database(path.join(app.databaseDir, 'scaffolder.sqlite'), {
        readonly: true,
      });
      const row = db
        .prepare('select state from tasks where id = ?')
        .get(taskId);
      db.close();
      const steps = JSON.parse(row?.state ?? '{}').state?.steps ?? {};
      return {
        taskId,
        status: task.status,
        events,
        log,
        stepStatus: id =>
          events
            .filter(e => e.body.stepId === id && e.body.status)
            .map(e => e.body.status)
            .pop(),
        stepError: id =>
          events
            .filter(e => e.body.stepId === id && e.body.status === 'failed')
            .map(e => e.body.message)
            .join('\n'),
        output: id => steps[id]?.output ?? {},
      };
    };

    const createAndWait = async (
      artifactPrefix: string,
    ): Promise<TaskResult> => {
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+/, { timeout: 60_000 });
      const taskId = /\/create\/tasks\/([0-9a-f-]+)/.exec(page.url())![1];
      const result = await waitForTask(taskId, artifactPrefix);
      // the task page shows the run's end: its output links, or the failed step's error
      await page
        .getByText(/Open in catalog|api\.github\.com/)
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(() => undefined);
      await saveScreenshot(page, `${artifactPrefix}-9-task.png`);
      return result;
    };

    return {
      app,
      page,
      get,
      json,
      post,
      createAndWait,
      waitForTask,
      stop: async () => {
        await browser?.close();
        await app.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await app.stop();
    throw error;
  }
}
