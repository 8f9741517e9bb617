/*
 * Layout checks of the browser tests (layout.e2e.test.ts, orderForm.e2e.test.ts): horizontal
 * overflow, texts broken inside a word or a name, labels on top of their values, and the
 * README screenshots saved to docs/images/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BrowserContext, Page } from 'playwright-core';

/** Where the README's screenshots live (committed). */
export const IMAGES_DIR = path.resolve(__dirname, '../../../docs/images');
export const HEIGHT = 900;
export const WIDTHS = [1280, 1400];

/** Everything that overflows its box horizontally, as `selector-ish: scrollWidth > clientWidth`. */
export async function horizontalOverflow(page: Page): Promise<string[]> {
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
export async function brokenTexts(
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
export async function overlappingLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const field of document.querySelectorAll('.MuiTextField-root')) {
      const label = field.querySelector('label');
      const input = field.querySelector('input, select');
      if (!label || !input) continue;
      // An empty, unfocused field shows its label in the input as a placeholder, by design.
      if (!(input as HTMLInputElement).value) continue;
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

export async function expectClean(
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
export async function openPage(context: BrowserContext, width: number) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: HEIGHT });
  return page;
}

/** Polls `check` every second until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
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
export async function screenshot(
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
