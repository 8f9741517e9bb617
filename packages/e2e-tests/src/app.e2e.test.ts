import fs from 'node:fs';
import { Browser } from 'playwright-core';
import { startApp, RunningApp } from './appHarness';
import {
  CHROMIUM_PATH,
  launchChromium,
  saveScreenshot,
  signInAsGuest,
} from './browser';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';

// the app may first wait for the e2e slot (see e2eSlot.ts)
jest.setTimeout(E2E_SLOT_WAIT_MS + 300_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium(
  `the running app in Chromium${
    haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'
  }`,
  () => {
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
      await page
        .getByText(/create a new component|templates/i)
        .first()
        .waitFor();
      expect(page.url()).toContain('/create');
      await saveScreenshot(page, 'create-page.png');
      await page.close();
    });

    it('shows the demo cluster card and tab with live data, and a node going NotReady', async () => {
      const page = await browser.newPage({
        viewport: { width: 1400, height: 1000 },
      });
      await signInAsGuest(page, app.appUrl);
      await page.goto(`${app.appUrl}/catalog/default/resource/demo`);

      // Overview card: health badge, version, node count, etcd quorum, platform links.
      const health = page.getByTestId('cluster-health');
      await health.waitFor({ timeout: 60_000 });
      expect(await health.getAttribute('aria-label')).toMatch(
        /^Cluster health: (Healthy|Degraded)$/,
      );
      await expect(
        page.getByTestId('cluster-nodes').textContent(),
      ).resolves.toBe('6/6 nodes ready');
      // the demo cluster runs kpaas's DEFAULT_KUBERNETES_VERSION
      expect(await page.getByTestId('cluster-version').textContent()).toBe(
        'v1.35.1',
      );
      expect(
        await page.getByTestId('cluster-control-plane').textContent(),
      ).toContain('3/3 control planes ready, etcd quorum (3/3 members)');
      const grafana = page
        .getByTestId('platform-link')
        .filter({ hasText: 'Grafana' });
      expect(await grafana.getAttribute('href')).toBe(
        'https://grafana.k-paas.io',
      );
      await saveScreenshot(page, 'kpaas-card.png', {
        selector:
          '[data-testid="cluster-health"] >> xpath=ancestor::div[contains(@class, "MuiCard-root")][1]',
      });

      // The stand-in marks a worker NotReady; a manual refresh shows it on the card (or, if the
      // refresh is rate-limited right after the first check, the next 30 s poll does).
      app.kubeApi.setNodeReady('worker-2', false, 'KubeletNotReady');
      await page
        .getByRole('button', { name: 'Refresh cluster status' })
        .first()
        .click();
      await page
        .getByTestId('cluster-nodes')
        .filter({ hasText: '5/6 nodes ready' })
        .waitFor({ timeout: 90_000 });
      expect(await health.getAttribute('aria-label')).toBe(
        'Cluster health: Degraded',
      );

      // Cluster tab: the node table shows worker-2 as NotReady.
      await page.goto(`${app.appUrl}/catalog/default/resource/demo/kpaas`);
      const worker2 = page.locator('tr', {
        has: page.getByTestId('node-name').filter({ hasText: /^worker-2$/ }),
      });
      await worker2.waitFor({ timeout: 60_000 });
      expect(await worker2.getByTestId('node-status').textContent()).toBe(
        'NotReady',
      );
      const cp1 = page.locator('tr', {
        has: page.getByTestId('node-name').filter({ hasText: /^cp-1$/ }),
      });
      expect(await cp1.getByTestId('node-status').textContent()).toBe('Ready');
      await saveScreenshot(page, 'kpaas-cluster-tab.png');
      await page.close();
    });
  },
);
