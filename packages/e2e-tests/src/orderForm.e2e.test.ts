/*
 * The order form a newcomer fills, at 1280 and 1400 px wide in Chromium, for two targets
 * (existing machines and Kakao Cloud): every page and the review page, each checked for layout
 * defects (overflow, words or names broken inside, labels on top of their values) and saved to
 * docs/images/ for the README. The existing machines are entered in the compact host table
 * (KpaasHostsField) and the add-ons in the picker (KpaasAddonPicker).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { startApp, RunningApp } from './appHarness';
import { CHROMIUM_PATH, launchChromium, saveScreenshot } from './browser';
import { ClusterOrder, fillClusterOrder } from './clusterOrderForm';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';
import {
  expectClean,
  HEIGHT,
  IMAGES_DIR,
  screenshot,
  waitUntil,
  WIDTHS,
} from './layoutChecks';

jest.setTimeout(E2E_SLOT_WAIT_MS + 600_000);

const haveChromium = fs.existsSync(CHROMIUM_PATH);
const describeWithChromium = haveChromium ? describe : describe.skip;

/** A throwaway key for the form's Secret field (nothing is ordered). */
function sshKey(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-order-form-'));
  try {
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-f',
      `${dir}/key`,
    ]);
    return fs.readFileSync(`${dir}/key`, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fingerprint = (i: number) =>
  `SHA256:${String(i)
    .repeat(43)
    .slice(0, 43)
    .replace(/\d/g, d => 'ABCDEFGHIJ'[Number(d)])}`;

function order(target: 'existing' | 'kakao-cloud'): ClusterOrder {
  return {
    name: target === 'existing' ? 'lab' : 'kakao-lab',
    owner: 'platform-team',
    description: 'Screenshots of the order form',
    environment: 'dev',
    target,
    kakaoKeyPair: 'kpaas-key',
    kakaoCredentialId: 'screenshot-credential-id',
    kakaoCredentialSecret: 'screenshot-credential-secret',
    hosts: [
      ...[1, 2, 3].map(i => ({
        name: `cp-${i}`,
        role: 'control-plane' as const,
        address: `172.16.0.${100 + i}`,
        port: 22,
        hostKeyFingerprint: fingerprint(i),
      })),
      ...[1, 2, 3].map(i => ({
        name: `worker-${i}`,
        role: 'worker' as const,
        address: `172.16.0.${110 + i}`,
        port: 22,
        hostKeyFingerprint: fingerprint(i + 3),
      })),
    ],
    controlPlaneCount: 3,
    workerCount: 3,
    nodeCidr: '172.16.0.0/24',
    metallbRange: '172.16.0.210-172.16.0.250',
    ingressIp: '172.16.0.201',
    domain: 'lab.k-paas.io',
    apiEndpointType: 'auto',
    addonTitles: [
      'MetalLB',
      'Envoy Gateway (Gateway API)',
      'Metrics Server',
      'Local Path Provisioner',
      'cert-manager',
      'Prometheus & Grafana (kube-prometheus-stack)',
      'Argo CD',
    ],
    sshUser: 'ubuntu',
    sshPrivateKey: sshKey(),
    repoOwner: 'platform-team',
    repoName: `${target}-cluster`,
  };
}

const STEPS = [
  'cluster',
  'target',
  'nodes',
  'network',
  'addons',
  'access',
  'repository',
  'review',
];

describeWithChromium(
  `order form pages at 1280 and 1400 px${
    haveChromium ? '' : ' [skipped: /usr/bin/chromium missing]'
  }`,
  () => {
    let app: RunningApp;
    let browser: Browser;
    let context: BrowserContext;

    beforeAll(async () => {
      app = await startApp();
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
        240_000,
      );
      // The scaffolder's bundle is compiled on first use: open the form once before timing pages.
      await page.goto(`${app.appUrl}/create/templates/default/kpaas-cluster`);
      await page.locator('#root_name').waitFor({ timeout: 300_000 });
      await page.close();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    /** At each width: the page's screenshot and its layout checks. */
    const checkPage = (target: string) => async (page: Page, step: string) => {
      const n = STEPS.indexOf(step) + 1;
      if (step === 'target' && target === 'existing') {
        // six hosts take six table rows, not six stacked forms (~370 px each before)
        const rows = page.getByTestId('kpaas-host-row');
        expect(await rows.count()).toBe(6);
        for (let i = 0; i < 6; i++) {
          expect((await rows.nth(i).boundingBox())!.height).toBeLessThan(80);
        }
      }
      if (step === 'review') {
        // only the chosen target's settings are reviewed
        const review = await page.locator('body').innerText();
        if (target === 'existing') {
          expect(review).toContain('cp-1');
          expect(review).not.toMatch(/Availability zone/);
        } else {
          expect(review).toMatch(/kr-central-2/);
          expect(review).not.toMatch(/Hosts/);
        }
      }
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: HEIGHT });
        // the stepper and the fields reflow: measure after the next frame
        await page.evaluate(
          () => new Promise(r => requestAnimationFrame(() => r(null))),
        );
        await screenshot(page, `order-${target}-${n}-${step}-${width}.png`);
        await expectClean(page, `${target} ${step} page at ${width}`, {
          whole: ['kpaas-host-row'],
          words: ['addon-needed-by', 'addon-blocked'],
        });
      }
      await page.setViewportSize({ width: WIDTHS[0], height: HEIGHT });
    };

    it.each(['existing', 'kakao-cloud'] as const)(
      'walks the %s order through every page to the review, clean at both widths',
      async target => {
        const page = await context.newPage();
        await page.goto(`${app.appUrl}/create/templates/default/kpaas-cluster`);
        try {
          await fillClusterOrder(
            page,
            order(target),
            `order-form-${target}`,
            checkPage(target),
          );
        } catch (error) {
          await saveScreenshot(page, `order-form-${target}-failed.png`);
          throw new Error(
            `${(error as Error).message}\nthe page said: ${(
              await page.locator('body').innerText()
            ).slice(0, 1500)}`,
          );
        }
        await page.close();
      },
    );

    it('keeps every order form screenshot small enough for the README', () => {
      for (const target of ['existing', 'kakao-cloud']) {
        for (const [i, step] of STEPS.entries()) {
          for (const width of WIDTHS) {
            const file = path.join(
              IMAGES_DIR,
              `order-${target}-${i + 1}-${step}-${width}.png`,
            );
            expect({ file, small: fs.statSync(file).size < 300_000 }).toEqual({
              file,
              small: true,
            });
          }
        }
      }
    });
  },
);
