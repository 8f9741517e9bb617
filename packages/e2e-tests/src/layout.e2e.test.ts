/*
 * The screens a newcomer meets first, at 1280 and 1400 px wide in Chromium: the fleet page
 * (where `/` lands), the demo cluster's overview and its Cluster tab. Each is checked for
 * layout defects (cards and tables wider than their box, IP addresses and names broken over two
 * lines, filter labels on top of their values, the kpaas card below the fold) and saved to
 * docs/images/ for the README.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startApp, RunningApp } from './appHarness';
import { CHROMIUM_PATH, launchChromium } from './browser';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';
import {
  expectClean,
  HEIGHT,
  IMAGES_DIR,
  openPage,
  screenshot,
  waitUntil,
  WIDTHS,
} from './layoutChecks';

// the app may first wait for the e2e slot (see e2eSlot.ts)
jest.setTimeout(E2E_SLOT_WAIT_MS + 420_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

/** Top of a card (page coordinates): the outermost Paper holding `inner`. */
async function cardTop(page: Page, inner: Locator): Promise<number> {
  const box = (await page
    .locator('.MuiPaper-root', { has: inner })
    .first()
    .boundingBox())!;
  return box.y + (await page.evaluate(() => window.scrollY)) - 16;
}

describeWithChromium(
  `first screens at 1280 and 1400 px${
    haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'
  }`,
  () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;

    beforeAll(async () => {
      app = await startApp();
      browser = await launchChromium();
      // One guest sign-in for every page (the app remembers the provider in local storage).
      context = await browser.newContext({
        viewport: { width: 1400, height: HEIGHT },
      });
      context.setDefaultTimeout(120_000);
      context.setDefaultNavigationTimeout(240_000);
      const page = await context.newPage();
      // The first bundle of the dev server can come late on a loaded machine: click Enter until
      // the app (its sidebar) shows.
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
        240_000,
      );
      await page.close();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    it.each(WIDTHS)(
      'lands on the fleet page and lists the demo cluster at %i px',
      async width => {
        const page = await openPage(context, width);
        await page.goto(app.appUrl);
        // `/` redirects to the fleet page.
        await page.waitForURL(/\/kpaas(\?|$)/);
        const demoRow = page.locator('tr', {
          has: page
            .getByTestId('fleet-cluster-name')
            .filter({ hasText: /^demo$/ }),
        });
        await demoRow.waitFor();
        // The status is computed right after start: wait for the first check to be listed.
        await waitUntil(async () => {
          if (
            (await demoRow.getByTestId('fleet-nodes').textContent()) ===
            '6/6 ready'
          )
            return true;
          await page.getByRole('button', { name: 'Reload clusters' }).click();
          return false;
        }, 'the demo cluster listed with 6/6 nodes ready');
        expect(await demoRow.getByTestId('fleet-version').textContent()).toBe(
          'v1.35.1', // the demo runs kpaas's DEFAULT_KUBERNETES_VERSION
        );
        expect(await demoRow.getByTestId('fleet-owner').textContent()).toBe(
          'platform-team',
        );
        expect(
          await demoRow.getByTestId('fleet-environment').textContent(),
        ).toBe('sandbox');
        expect(await demoRow.getByTestId('fleet-target').textContent()).toBe(
          'existing',
        );
        expect(
          await demoRow.getByTestId('fleet-cluster-name').getAttribute('href'),
        ).toBe('/catalog/default/resource/demo');
        expect(
          await page.getByTestId('fleet-create').getAttribute('href'),
        ).toBe('/create');
        expect(
          await page
            .getByRole('link', { name: 'Clusters' })
            .first()
            .getAttribute('href'),
        ).toBe('/kpaas');

        await screenshot(page, `fleet-${width}.png`);
        await expectClean(page, `fleet page at ${width}`, {
          whole: [
            'fleet-cluster-name',
            'fleet-health',
            'fleet-version',
            'fleet-nodes',
            'fleet-addons',
            'fleet-owner',
            'fleet-environment',
            'fleet-target',
          ],
          words: ['fleet-health-reason'],
        });

        // The catalog is still there, one click away.
        await page.goto(`${app.appUrl}/catalog`);
        await page
          .getByRole('heading', { name: /Catalog$/ })
          .first()
          .waitFor();
        await page.close();
      },
    );

    it.each(WIDTHS)(
      'shows the demo overview with the kpaas card above the fold at %i px',
      async width => {
        const page = await openPage(context, width);
        await page.goto(`${app.appUrl}/catalog/default/resource/demo`);
        const health = page.getByTestId('cluster-health');
        await health.waitFor();
        await page
          .getByTestId('cluster-nodes')
          .filter({ hasText: 'nodes ready' })
          .waitFor();
        await screenshot(page, `overview-${width}.png`);
        const card = page
          .locator('.MuiCard-root', { has: page.getByTestId('cluster-health') })
          .first();
        const box = (await card.boundingBox())!;
        // Above the fold: the card starts in the first screen and its health line is visible.
        expect(box.y).toBeLessThan(HEIGHT / 2);
        const healthBox = (await health.boundingBox())!;
        expect(healthBox.y + healthBox.height).toBeLessThan(HEIGHT);

        await expectClean(page, `overview at ${width}`, {
          whole: [
            'cluster-health',
            'cluster-nodes',
            'cluster-version',
            'platform-link',
          ],
          words: ['cluster-health-reason', 'cluster-control-plane'],
        });
        await page.close();
      },
    );

    it.each(WIDTHS)(
      'fits the Cluster tab into %i px without broken addresses or names',
      async width => {
        const page = await openPage(context, width);
        await page.goto(`${app.appUrl}/catalog/default/resource/demo/kpaas`);
        await page.getByTestId('node-name').first().waitFor();
        expect(await page.getByTestId('node-ip').count()).toBeGreaterThan(0);

        // Three bands: summary and nodes; add-ons; platform services and versions.
        const addonsTop = await cardTop(
          page,
          page.getByTestId('addon-title').first(),
        );
        const servicesTop = await cardTop(
          page,
          page.getByTestId('platform-service-link').first(),
        );
        await screenshot(page, `cluster-tab-${width}.png`, {
          from: 0,
          to: addonsTop,
        });
        await screenshot(page, `cluster-tab-addons-${width}.png`, {
          from: addonsTop,
          to: servicesTop,
        });
        await screenshot(page, `cluster-tab-services-${width}.png`, {
          from: servicesTop,
        });
        await expectClean(page, `Cluster tab at ${width}`, {
          whole: [
            'node-name',
            'node-ip',
            'node-status',
            'platform-service-link',
          ],
          words: [
            'addon-title',
            'addon-state',
            'platform-service-route',
            'cluster-health-reason',
          ],
        });

        // The secondary columns are one click away, in the row's details.
        await page
          .locator('tr', {
            has: page.getByTestId('node-name').filter({ hasText: /^cp-1$/ }),
          })
          .getByRole('button', { name: 'Detail panel visiblity toggle' })
          .click();
        await page
          .getByTestId('node-details')
          .filter({ hasText: 'Container runtime' })
          .waitFor();
        await expectClean(
          page,
          `Cluster tab with a node's details at ${width}`,
          { whole: ['node-name', 'node-ip'], words: ['node-details'] },
        );
        await page.close();
      },
    );

    it('keeps every screenshot small enough for the README', () => {
      for (const width of WIDTHS) {
        for (const name of [
          'fleet',
          'overview',
          'cluster-tab',
          'cluster-tab-addons',
          'cluster-tab-services',
        ]) {
          const file = path.join(IMAGES_DIR, `${name}-${width}.png`);
          expect({ file, small: fs.statSync(file).size < 160_000 }).toEqual({
            file,
            small: true,
          });
        }
      }
    });
  },
);
