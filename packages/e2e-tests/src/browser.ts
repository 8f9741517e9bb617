import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots and other test artefacts go (ignored by git). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '../../../artifacts');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google hosts that this
    // closed network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs in with the guest provider on the app's sign-in page. */
export async function signInAsGuest(page: Page, appUrl: string) {
  await page.goto(appUrl);
  const enter = page.getByRole('button', { name: /enter/i });
  await enter.click();
  await enter.waitFor({ state: 'detached' });
}

export async function saveScreenshot(
  page: Page,
  name: string,
  options: { selector?: string } = {},
) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  if (options.selector) {
    await page.locator(options.selector).first().screenshot({ path: file });
  } else {
    await page.screenshot({ path: file, fullPage: true });
  }
  return file;
}
