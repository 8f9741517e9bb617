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
    let emptyMirror: string;

    beforeAll(async () => {
      // An empty provider mirror: a Multipass order fails at `terraform init` (the real
      // terraform) with a classified cause, for the failed-task page.
      emptyMirror = fs.mkdtempSync(
        path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-empty-mirror-'),
      );
      app = await startApp({
        extraConfig: {
          kpaas: { terraform: { providerMirror: { filesystem: emptyMirror } } },
        },
      });
      browser = await launchChromium();
      context = await browser.newContext({
        viewport: { width: WIDTHS[0], height: HEIGHT },
      });
      context.setDefaultTimeout(120_000);
      context.setDefaultNavigationTimeout(240_000);
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', e => pageErrors.push(String(e)));
      page.on('console', m => {
        if (m.type() === 'warning' || m.type() === 'error')
          pageErrors.push(`${m.type()}: ${m.text()}`);
      });
      try {
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
        // The scaffolder's bundle is compiled on first use: open the form once before timing pages.
        await page.goto(`${app.appUrl}/create/templates/default/kpaas-cluster`);
        await page.locator('#root_name').waitFor({ timeout: 300_000 });
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nthe page said: ${(
            await page
              .locator('body')
              .innerText()
              .catch(() => '')
          ).slice(0, 1500)}\npage errors: ${pageErrors.join(
            '\n',
          )}\napp output: ${app.output().slice(-3000)}`,
        );
      }
      await page.close();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
      if (emptyMirror) fs.rmSync(emptyMirror, { recursive: true, force: true });
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

    it('shows a failed order with the classified error first and the raw Terraform output collapsed', async () => {
      // the backend keeps idle connections longer than a stalled machine's pause (keepAlive.test.ts)
      const health = await fetch(`${app.backendUrl}/api/kpaas/health`);
      expect(health.headers.get('keep-alive')).toBe('timeout=65');

      const page = await context.newPage();
      await page.goto(`${app.appUrl}/create/templates/default/kpaas-cluster`);
      await fillClusterOrder(
        page,
        {
          ...order('existing'),
          name: 'mp-fails',
          environment: 'sandbox', // built right away: provision runs terraform init
          target: 'multipass',
          hosts: [],
          controlPlaneCount: 1,
          workerCount: 1,
          addonTitles: ['Metrics Server'],
          repoName: 'mp-fails-cluster',
        },
        'order-form-failing',
      );
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const error = page.getByTestId('kpaas-task-error');
      await error.waitFor({ timeout: 300_000 });
      const explanation = await page
        .getByTestId('kpaas-task-error-explanation')
        .innerText();
      // the classified cause first, then what failed
      expect(explanation).toMatch(
        /^terraform init could not install hashicorp\/\S+: it is not in the filesystem mirror /,
      );
      expect(explanation).toContain('kpaas:provision phase "init"');
      // the raw tail is there, collapsed: Terraform's own error text is not on the page
      const terraformError =
        'Error: Failed to query available provider packages';
      expect(await page.locator('body').innerText()).not.toContain(
        terraformError,
      );
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: HEIGHT });
        await screenshot(page, `order-failed-${width}.png`);
        await expectClean(page, `failed order at ${width}`, { whole: [] });
      }
      await page.getByText(/^Show the raw output/).click();
      // expanded (the accordion mounts it): Terraform's output as it printed it (-no-color)
      await page
        .getByTestId('kpaas-task-error-output')
        .locator('pre', { hasText: terraformError })
        .waitFor({ timeout: 15_000 });
      await page.setViewportSize({ width: WIDTHS[0], height: HEIGHT });
      await screenshot(page, `order-failed-raw-${WIDTHS[0]}.png`);
      await page.close();
    });

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
