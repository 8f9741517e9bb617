import fs from 'node:fs';
import { Browser } from 'playwright-core';
import { startApp, RunningApp } from './appHarness';
import { CHROMIUM_PATH, launchChromium, saveScreenshot, signInAsGuest } from './browser';

jest.setTimeout(300_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium(`the running app in Chromium${haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'}`, () => {
  let app: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('answers /api/kpaas/health', async () => {
    const res = await fetch(`${app.backendUrl}/api/kpaas/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('shows the Create page after guest sign-in', async () => {
    const page = await browser.newPage();
    await signInAsGuest(page, app.appUrl);
    await page.goto(`${app.appUrl}/create`);
    await page.getByText(/create a new component|templates/i).first().waitFor();
    expect(page.url()).toContain('/create');
    await saveScreenshot(page, 'create-page.png');
    await page.close();
  });

  it('shows the kpaas card on the demo cluster entity page', async () => {
    const page = await browser.newPage();
    await signInAsGuest(page, app.appUrl);
    await page.goto(`${app.appUrl}/catalog/default/resource/demo`);
    await page.getByText('Kubernetes cluster').first().waitFor();
    await saveScreenshot(page, 'demo-cluster-page.png');
    await page.close();
  });
});
