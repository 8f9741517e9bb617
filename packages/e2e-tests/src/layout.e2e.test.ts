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

// the app may first wait for the e2e slot (see e2eSlot.ts)
jest.setTimeout(E2E_SLOT_WAIT_MS + 420_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

/** Where the README's screenshots live (committed). */
const IMAGES_DIR = path.resolve(__dirname, '../../../docs/images');
const HEIGHT = 900;
const WIDTHS = [1280, 1400];

/** Everything that overflows its box horizontally, as `selector-ish: scrollWidth > clientWidth`. */
async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${
        el.getAttribute('data-testid')
          ? `[data-testid=${el.getAttribute('data-testid')}]`
          : ''
      }.${[...el.classList].slice(0, 2).join('.')} "${(el.textContent ?? '')
        .trim()
        .slice(0, 40)}"`;
    const root = document.scrollingElement ?? document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) {
      found.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    }
    // Cards, and every scroll container (material-table wraps its table in one).
    for (const el of document.querySelectorAll('body *')) {
      if (el.closest('nav')) continue; // the sidebar truncates its own labels
      const style = getComputedStyle(el);
      const scrolls = ['auto', 'scroll'].includes(style.overflowX);
      const card = el.classList.contains('MuiCard-root');
      if (!scrolls && !card) continue;
      if (el.clientWidth === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) {
        found.push(`${describe(el)}: ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
    return found;
  });
}

/**
 * Broken texts inside elements with the given test ids. A `whole` text (a name, an address, a
 * version) must stay on one line; a `words` text (a title, a reason) may wrap between words but
 * never inside one (a break after a hyphen is fine). Each visible text node is measured with
 * ranges (their client rects, one per line box), so icons and block boxes do not count.
 */
async function brokenTexts(
  page: Page,
  testIds: { whole: string[]; words?: string[] },
): Promise<string[]> {
  return page.evaluate(({ whole, words = [] }) => {
    // Every table cell counts as `words`, unless it opted into breaking anywhere.
    const broken: string[] = [];
    const lines = (node: Node, start: number, end: number) => {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      return new Set(
        [...range.getClientRects()]
          .filter(r => r.width > 0)
          .map(r => Math.round(r.top)),
      ).size;
    };
    const check = (id: string, wholeText: boolean) => {
      const selector = id === 'td' ? 'td' : `[data-testid="${id}"]`;
      for (const el of document.querySelectorAll(selector)) {
        if (id === 'td' && getComputedStyle(el).overflowWrap === 'anywhere')
          continue;
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          // Visually hidden helper text ("Opens in a new window") lives in a 1 px box.
          if (
            !text.trim() ||
            node.parentElement!.getBoundingClientRect().width <= 2
          )
            continue;
          if (wholeText) {
            const n = lines(node, 0, text.length);
            if (n > 1) broken.push(`${id}: "${text}" on ${n} lines`);
            continue;
          }
          for (const word of text.matchAll(/[^\s-]+-?/g)) {
            const n = lines(node, word.index!, word.index! + word[0].length);
            if (n > 1)
              broken.push(
                `${id}: "${word[0]}" of "${text}" broken over ${n} lines`,
              );
          }
        }
      }
    };
    whole.forEach(id => check(id, true));
    [...words, 'td'].forEach(id => check(id, false));
    return broken;
  }, testIds);
}

/** Labelled text fields whose label is not lifted above the value it labels. */
async function overlappingLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const field of document.querySelectorAll('.MuiTextField-root')) {
      const label = field.querySelector('label');
      const input = field.querySelector('input, select');
      if (!label || !input) continue;
      const l = label.getBoundingClientRect();
      const i = input.getBoundingClientRect();
      const textTop = i.top + parseFloat(getComputedStyle(input).paddingTop);
      if (l.bottom > textTop + 1) {
        found.push(
          `"${label.textContent}" label ends at ${l.bottom}, its value starts at ${textTop}`,
        );
      }
    }
    return found;
  });
}

async function expectClean(
  page: Page,
  what: string,
  testIds: { whole: string[]; words?: string[] },
) {
  expect({ what, overflow: await horizontalOverflow(page) }).toEqual({
    what,
    overflow: [],
  });
  expect({ what, broken: await brokenTexts(page, testIds) }).toEqual({
    what,
    broken: [],
  });
  expect({ what, labels: await overlappingLabels(page) }).toEqual({
    what,
    labels: [],
  });
}

/** A signed-in page `width` px wide. */
async function openPage(context: BrowserContext, width: number) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: HEIGHT });
  return page;
}

/** Polls `check` every second until it holds; fails naming `what` after `timeoutMs`. */
async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/**
 * Saves the whole page, or the band between `from` and `to` (page y coordinates), as a PNG in
 * docs/images/. No PNG optimiser is assumed, so long pages are saved in bands to stay small.
 */
async function screenshot(
  page: Page,
  name: string,
  band?: { from: number; to?: number },
) {
  fs.mkdirSync(IMAGES_DIR, { recursive: true });
  const file = path.join(IMAGES_DIR, name);
  await page.mouse.move(0, 0); // no hover state or tooltip in the picture
  const { width, height } = await page.evaluate(() => ({
    width: document.documentElement.clientWidth,
    height: document.documentElement.scrollHeight,
  }));
  const clip = band
    ? { x: 0, y: band.from, width, height: (band.to ?? height) - band.from }
    : undefined;
  await page.screenshot({
    path: file,
    fullPage: true,
    animations: 'disabled',
    clip,
  });
  return file;
}

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
          'v1.33.5',
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
