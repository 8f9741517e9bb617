/*
 * Day 2 in the browser (issue 15): a Multipass cluster's page has "Change cluster", which opens
 * the kpaas-cluster-change template with the cluster preselected; a worker scale change shows
 * its plan on the Change page (KpaasChangePlan: the registered cluster.yaml with the change
 * applied by kpaas-common's applyClusterChange and described by changeSummary, as
 * kpaas:cluster-change does for the pull request). Screenshots at 1280 and 1400 px go to
 * docs/images/ for the README's day-2 section. Nothing is created: the pull request needs GitHub.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { Browser, BrowserContext } from 'playwright-core';
import { demoClusterSpec } from '@internal/kpaas-testkit';
import { startApp, RunningApp } from './appHarness';
import { CHROMIUM_PATH, launchChromium, saveScreenshot } from './browser';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';
import {
  expectClean,
  HEIGHT,
  openPage,
  screenshot,
  waitUntil,
  WIDTHS,
} from './layoutChecks';

jest.setTimeout(E2E_SLOT_WAIT_MS + 600_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

const CLUSTER = 'lab-mp';
const repoRoot = path.resolve(__dirname, '../../..');

/** A registered Multipass cluster: 1 control plane, 2 workers (the demo's add-ons and network). */
function multipassSpec() {
  const demo = demoClusterSpec(CLUSTER);
  return {
    ...demo,
    spec: {
      ...demo.spec,
      target: { type: 'multipass' },
      controlPlane: { count: 1, endpoint: { type: 'host' } },
      workers: { count: 2 },
    },
  };
}

/** Its catalog entity, as the order registers it (catalog-info.yaml of the cluster repo). */
const ENTITY = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: CLUSTER,
    title: `${CLUSTER} (Multipass)`,
    annotations: {
      'kpaas.io/cluster-name': CLUSTER,
      'kpaas.io/target': 'multipass',
    },
  },
  spec: {
    type: 'kubernetes-cluster',
    owner: 'platform-team',
    system: 'kpaas-platform',
  },
};

describeWithChromium(
  `the change template from the cluster page${
    haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'
  }`,
  () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;
    let dir: string;

    beforeAll(async () => {
      dir = fs.mkdtempSync(
        path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-change-e2e-'),
      );
      const entityFile = path.join(dir, `${CLUSTER}.yaml`);
      fs.writeFileSync(entityFile, YAML.stringify(ENTITY));
      // catalog.locations replaces the list: the repo's own locations, then the cluster's entity
      const locations = YAML.parse(
        fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'),
      ).catalog.locations;
      app = await startApp({
        extraConfig: {
          catalog: {
            locations: [...locations, { type: 'file', target: entityFile }],
          },
        },
        // served by the demo's API stand-in: the page has nodes to show
        moreClusters: demo => [
          {
            ...(
              demo.config.kpaas.clusters as Array<Record<string, unknown>>
            )[0],
            name: CLUSTER,
            entityRef: `resource:default/${CLUSTER}`,
            spec: multipassSpec(),
          },
        ],
      });
      browser = await launchChromium();
      context = await browser.newContext({
        viewport: { width: WIDTHS[0], height: HEIGHT },
      });
      context.setDefaultTimeout(120_000);
      context.setDefaultNavigationTimeout(240_000);
      const page = await context.newPage();
      await page.goto(app.appUrl);
      const enter = page.getByRole('button', { name: /enter/i });
      const signedIn = page.getByRole('link', { name: 'Clusters' }).first();
      await waitUntil(
        async () => {
          if (await signedIn.isVisible()) return true;
          if (await enter.isVisible())
            await enter.click().catch(() => undefined);
          return false;
        },
        'the guest sign-in',
        // a dev backend restarting on a changed file takes minutes on a loaded machine
        480_000,
      );
      await page.close();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('opens the change template from the cluster page and shows the plan of a worker scale-up', async () => {
      const page = await openPage(context, WIDTHS[0]);
      try {
        await page.goto(
          `${app.appUrl}/catalog/default/resource/${CLUSTER}/kpaas`,
        );
        const change = page.getByRole('link', { name: /change cluster/i });
        await change.waitFor({ timeout: 300_000 });
        await change.click();
        await page.waitForURL(
          /\/create\/templates\/default\/kpaas-cluster-change/,
        );

        // the Cluster page: the cluster is preselected; this cluster has no registered repo
        await page
          .getByLabel(/^Owner/)
          .first()
          .waitFor();
        expect(decodeURIComponent(page.url())).toContain(
          `"cluster":"resource:default/${CLUSTER}"`,
        );
        for (const [label, value] of [
          [/^Owner/, 'platform-team'],
          [/^Repository/, `${CLUSTER}-cluster`],
        ] as const) {
          const input = page.getByLabel(label).first();
          await input.click();
          await input.fill(value);
          await input.press('Tab');
        }
        await page.getByRole('button', { name: 'Next', exact: true }).click();

        // the Change page: 2 → 3 workers, and its plan
        const workers = page.locator('#root_workers');
        await workers.waitFor();
        await workers.fill('3');
        const plan = page.getByTestId('kpaas-change-plan');
        await waitUntil(
          async () =>
            (
              await plan.innerText()
            ).includes(`Workers: 2 → 3; new nodes ${CLUSTER}-worker-3`),
          'the plan of the scale-up',
        );
        expect(await plan.innerText()).toContain(
          `Change to cluster ${CLUSTER}`,
        );
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: HEIGHT });
          await page.evaluate(
            () => new Promise(r => requestAnimationFrame(() => r(null))),
          );
          await screenshot(page, `change-plan-${width}.png`);
          await expectClean(page, `change plan at ${width}`, { whole: [] });
        }
      } catch (error) {
        await saveScreenshot(page, 'change-template-failed.png');
        throw new Error(
          `${(error as Error).message}\nthe page said: ${(
            await page.locator('body').innerText()
          ).slice(0, 1500)}`,
        );
      }
      await page.close();
    });
  },
);
