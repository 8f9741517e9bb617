/*
 * The Operations section in Chromium at 1280 and 1400 px: the fleet page's operations warnings
 * and the demo cluster's Operations section (etcd backups, version support, certificate expiry).
 * The demo's API stand-in gets what kpaas's certificate collector writes on a real cluster
 * (ConfigMap kube-system/kpaas-cert-expiry with `kubeadm certs check-expiration -o json`),
 * one certificate 5 days and one 20 days from expiry; the serving certificate's expiry comes
 * from the TLS handshake, the version's from the running v1.35.1. Each screen is checked for
 * layout defects and saved to docs/images/ for the README.
 */
import fs from 'node:fs';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { rawRequest } from '@internal/kpaas-testkit';
import { startApp, RunningApp } from './appHarness';
import { CHROMIUM_PATH, launchChromium } from './browser';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';
import {
  expectClean,
  HEIGHT,
  openPage,
  screenshot,
  waitUntil,
  WIDTHS,
} from './layoutChecks';

jest.setTimeout(E2E_SLOT_WAIT_MS + 660_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

const DAY_MS = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY_MS).toISOString();

/** Top and bottom (page coordinates) of the card titled `title`. */
async function cardBand(page: Page, title: string) {
  const card = page
    .locator('.MuiCard-root', {
      has: page.getByText(title, { exact: true }),
    })
    .first();
  await card.scrollIntoViewIfNeeded();
  const box = (await card.boundingBox())!;
  const scrollY = await page.evaluate(() => window.scrollY);
  return { top: box.y + scrollY, bottom: box.y + scrollY + box.height };
}

describeWithChromium(
  `the Operations section at 1280 and 1400 px${
    haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'
  }`,
  () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;

    beforeAll(async () => {
      app = await startApp();
      // What the collector CronJob writes (certExpiryCollector.ts), through the API as it does.
      const written = await rawRequest(
        app.kubeApi,
        '/api/v1/namespaces/kube-system/configmaps',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: 'kpaas-cert-expiry',
              namespace: 'kube-system',
              labels: { 'app.kubernetes.io/name': 'kpaas-cert-expiry' },
            },
            data: {
              collectedAt: new Date().toISOString(),
              node: 'cp-1',
              'check-expiration.json': JSON.stringify({
                kind: 'CertificateExpirationInfo',
                apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
                certificates: [
                  { name: 'apiserver', expirationDate: inDays(20.5) },
                  {
                    name: 'apiserver-etcd-client',
                    expirationDate: inDays(5.5),
                  },
                ],
                certificateAuthorities: [
                  { name: 'etcd-ca', expirationDate: inDays(3000) },
                ],
              }),
            },
          }),
        },
      );
      expect(written.status).toBe(201);

      browser = await launchChromium();
      context = await browser.newContext({
        viewport: { width: 1400, height: HEIGHT },
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
        // the dev server's first bundle on a loaded 2-core machine
        480_000,
      ).catch(async error => {
        const seen = await page
          .evaluate(() => document.body.innerText.slice(0, 500))
          .catch(() => 'no page');
        const compiler = app
          .output()
          .split('\n')
          .filter(l => /compiled|ERROR|webpack|rspack|error/i.test(l))
          .slice(-20)
          .join('\n');
        throw new Error(
          `${error.message}; the page shows: ${seen}\nthe dev server said:\n${compiler}`,
        );
      });
      await page.close();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    it.each(WIDTHS)(
      'lists the fleet’s operations warnings, most severe first, at %i px',
      async width => {
        const page = await openPage(context, width);
        await page.goto(`${app.appUrl}/kpaas`);
        const rows = page.getByTestId('fleet-warning');
        // The demo is read once its first status is stored: reload until its warnings show.
        await waitUntil(async () => {
          if ((await rows.count()) > 0) return true;
          await page.reload();
          await page
            .getByTestId('fleet-warnings-count')
            .waitFor({ timeout: 60_000 })
            .catch(() => undefined);
          return (await rows.count()) > 0;
        }, 'the demo cluster’s operations warnings');
        const texts = await rows.allInnerTexts();
        expect(texts.map(t => t.replace(/\s+/g, ' '))).toEqual([
          expect.stringMatching(
            /^Critical demo apiserver-etcd-client Expiry expires in 5 days .*Action: renew the kubeadm certificates/,
          ),
          expect.stringMatching(
            /^Warning demo apiserver Expiry expires in 20 days /,
          ),
          expect.stringMatching(
            /^Warning demo Kubernetes 1\.35 Version Kubernetes 1\.35 reaches end of life on 2027-02-28/,
          ),
          expect.stringMatching(
            /^Warning demo etcd backup not configured Backup no scheduled etcd backup: spec\.backup is not set/,
          ),
        ]);
        expect(
          await page.getByTestId('fleet-warnings-count').textContent(),
        ).toBe('4 warnings (1 critical), most severe and soonest first.');
        expect(
          await rows
            .first()
            .getByTestId('fleet-warning-cluster')
            .getAttribute('href'),
        ).toBe('/catalog/default/resource/demo/kpaas');
        // the fleet table is still below it
        await page.getByTestId('fleet-cluster-name').first().waitFor();

        const band = await cardBand(page, 'Operations warnings');
        await screenshot(page, `fleet-warnings-${width}.png`, {
          from: 0,
          to: band.bottom + 16,
        });
        await expectClean(page, `fleet warnings at ${width}`, {
          whole: [
            'fleet-warning-cluster',
            'fleet-cluster-name',
            'fleet-warnings-header',
          ],
          words: ['fleet-warnings-count'],
        });

        // The link leads to the cluster's Operations section.
        await rows.first().getByTestId('fleet-warning-cluster').click();
        await page.waitForURL(/\/catalog\/default\/resource\/demo\/kpaas$/);
        await page.getByTestId('expiry-row').first().waitFor();
        await page.close();
      },
    );

    it.each(WIDTHS)(
      'shows backups, version support and expiries soonest first at %i px',
      async width => {
        const page = await openPage(context, width);
        await page.goto(`${app.appUrl}/catalog/default/resource/demo/kpaas`);
        // the Cluster tab first (its status), then the Operations section at its end
        await page.getByTestId('node-name').first().waitFor();
        const expiries = page.getByTestId('expiry-row');
        await expiries
          .first()
          .waitFor({ state: 'attached' })
          .catch(async error => {
            const text = await page.evaluate(() =>
              document.body.innerText.slice(-1500),
            );
            throw new Error(`${error.message}\nthe page ends with:\n${text}`);
          });

        expect(await page.getByTestId('operations-backup').textContent()).toBe(
          'Not configured no scheduled etcd backup: spec.backup is not set',
        );
        expect(
          await page.getByTestId('operations-version').textContent(),
        ).toMatch(
          /^v1\.35\.1: \d+ days of support left Kubernetes 1\.35 reaches end of life on 2027-02-28/,
        );
        // the upgrade action the version leads to (the change template)
        const versionCard = page.locator('.MuiCard-root', {
          has: page.getByTestId('operations-version'),
        });
        expect(await versionCard.textContent()).toContain(
          'Action: upgrade to Kubernetes 1.37 one minor at a time',
        );

        const names = await page.getByTestId('expiry-name').allTextContents();
        const sources = await page
          .getByTestId('expiry-source')
          .allTextContents();
        const whens = await page.getByTestId('expiry-when').allTextContents();
        // soonest first: the two the collector flags, the serving certificate (a year from the
        // stand-in's CA), the CA last
        expect(names).toEqual([
          'apiserver-etcd-client',
          'apiserver',
          'kube-apiserver serving certificate',
          'etcd-ca (CA)',
        ]);
        expect(sources).toEqual([
          'kubeadm (collector)',
          'kubeadm (collector)',
          'TLS handshake',
          'kubeadm (collector)',
        ]);
        expect(whens[0]).toMatch(/^5 days \(\d{4}-\d\d-\d\d\)$/);
        expect(whens[1]).toMatch(/^20 days \(\d{4}-\d\d-\d\d\)$/);
        const firstRow = await expiries.first().textContent();
        expect(firstRow).toContain(
          'renew the kubeadm certificates on every control plane',
        );
        // an ok certificate has no action
        expect(await expiries.last().locator('td').last().textContent()).toBe(
          '',
        );

        const top = await cardBand(page, 'etcd backups');
        const bottom = await cardBand(page, 'Certificate expiry');
        await screenshot(page, `operations-${width}.png`, {
          from: top.top - 16,
          to: bottom.bottom + 16,
        });
        await expectClean(page, `Operations section at ${width}`, {
          whole: ['expiry-when', 'expiry-source'],
          words: ['expiry-name', 'operations-backup', 'operations-version'],
        });
        await page.close();
      },
    );
  },
);
