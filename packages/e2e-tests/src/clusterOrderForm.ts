/*
 * Fills the kpaas-cluster template's form (templates/kpaas-cluster/template.yaml) in the
 * scaffolder UI the way a user does: text fields by their RJSF ids (root_<field>), selects and
 * autocompletes by clicking their options, checkboxes by their titles, the Secret field by
 * typing into it. Screenshots of every page go to artifacts/.
 */
import { Page } from 'playwright-core';
import { saveScreenshot } from './browser';

export interface ClusterOrder {
  name: string;
  /** Typed into the OwnerPicker; the option whose text contains it is chosen. */
  owner: string;
  description: string;
  environment: 'sandbox' | 'dev' | 'staging' | 'production';
  /**
   * Default `existing` (the hosts below). `multipass` keeps the page's default image and VM
   * sizes: Terraform creates the machines, so no hosts are entered. `kakao-cloud` keeps the
   * page's defaults and types `kakaoKeyPair` and the credential.
   */
  target?: 'existing' | 'multipass' | 'kakao-cloud';
  /** The Kakao key pair name (kakao-cloud). */
  kakaoKeyPair?: string;
  /** The machines of target existing (ignored for multipass). */
  hosts: Array<{
    name: string;
    role: 'control-plane' | 'worker' | 'lb';
    address: string;
    port: number;
    hostKeyFingerprint: string;
  }>;
  controlPlaneCount: 1 | 3 | 5;
  workerCount: number;
  nodeCidr: string;
  metallbRange: string;
  ingressIp: string;
  domain: string;
  apiEndpointType: 'auto' | 'vip' | 'lb' | 'host';
  apiEndpointAddress?: string;
  /** Titles of the add-on checkboxes that must end up checked (all others unchecked). */
  addonTitles: string[];
  sshUser: string;
  sshPrivateKey: string;
  /** Secret fields left empty when not given. */
  sshPassphrase?: string;
  /** Asked on the Target page for kakao-cloud only; ignored for the other targets. */
  kakaoCredentialId?: string;
  kakaoCredentialSecret?: string;
  /** Host of the cluster repository (an allowedHosts entry); default the first (github.com). */
  repoHost?: string;
  repoOwner: string;
  repoName: string;
}

async function fillText(page: Page, id: string, value: string) {
  const field = page.locator(`#${id}`);
  await field.fill(value);
}

/** A MUI Select (RJSF enum): opens it and clicks the option. */
async function choose(page: Page, id: string, option: string) {
  await page.locator(`#${id}`).click();
  await page.getByRole('option', { name: option, exact: true }).click();
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}

/** Types into the Secret fields the page shows; values not given, or fields not shown, are skipped. */
async function fillSecrets(
  page: Page,
  fields: ReadonlyArray<readonly [string, string | undefined]>,
) {
  for (const [label, value] of fields) {
    const field = page.getByLabel(label, { exact: false }).first();
    if (!value || (await field.count()) === 0) continue;
    await field.click();
    await field.fill(value);
  }
}

async function next(page: Page, button: 'Next' | 'Review' = 'Next') {
  await page.getByRole('button', { name: button, exact: true }).click();
}

/** The step header the stepper marks active, to know the page changed. */
async function waitForStep(page: Page, title: string) {
  await page
    .locator(
      '.MuiStepLabel-active, .MuiStepLabel-label.Mui-active, [class*="MuiStepLabel-active"]',
    )
    .filter({ hasText: title })
    .first()
    .waitFor({ timeout: 30_000 });
}

/** Called on each page once it is filled, before Next (the layout checks take screenshots). */
export type OrderPageHook = (page: Page, step: string) => Promise<void>;

export async function fillClusterOrder(
  page: Page,
  order: ClusterOrder,
  shotPrefix: string,
  onPage: OrderPageHook = async () => undefined,
) {
  // ---- Cluster
  await page.locator('#root_name').waitFor({ timeout: 120_000 });
  await fillText(page, 'root_name', order.name);
  const owner = page.locator('#root_owner');
  await owner.click();
  await owner.fill(order.owner);
  await page
    .getByRole('option')
    .filter({ hasText: order.owner })
    .first()
    .click();
  await fillText(page, 'root_description', order.description);
  await choose(page, 'root_environment', order.environment);
  await saveScreenshot(page, `${shotPrefix}-1-cluster.png`);
  await onPage(page, 'cluster');
  await next(page);

  // ---- Target
  await waitForStep(page, 'Target');
  const target = order.target ?? 'existing';
  await page.getByRole('radio', { name: target, exact: true }).check();
  if (target === 'multipass') {
    // the Multipass settings appear with their defaults (image 24.04, 2 vCPU / 4 GiB VMs)
    await page.locator('#root_multipass_image').waitFor();
  }
  if (target === 'kakao-cloud') {
    await fillText(page, 'root_kakao_keyPair', order.kakaoKeyPair ?? 'kpaas');
  }
  if (target === 'existing') {
    // the host table (KpaasHostsField) of the existing machines
    await page.getByTestId('kpaas-hosts-field').waitFor({ state: 'visible' });
  }
  for (let i = 0; target === 'existing' && i < order.hosts.length; i++) {
    const h = order.hosts[i];
    const p = `root_existing_hosts_${i}`;
    // minItems: 1 gives an empty first entry; the others come from the array's add button
    if ((await page.locator(`#${p}_name`).count()) === 0) {
      await page.getByRole('button', { name: /add/i }).last().click();
    }
    await page.locator(`#${p}_name`).waitFor();
    await fillText(page, `${p}_name`, h.name);
    await choose(page, `${p}_role`, h.role);
    await fillText(page, `${p}_address`, h.address);
    await fillText(page, `${p}_port`, String(h.port));
    await fillText(page, `${p}_hostKeyFingerprint`, h.hostKeyFingerprint);
  }
  // the Kakao credential is asked on this page, and only for kakao-cloud
  await fillSecrets(page, [
    ['Kakao application credential ID', order.kakaoCredentialId],
    ['Kakao application credential secret', order.kakaoCredentialSecret],
  ]);
  await saveScreenshot(page, `${shotPrefix}-2-target.png`);
  await onPage(page, 'target');
  await next(page);

  // ---- Nodes
  await waitForStep(page, 'Nodes');
  await choose(page, 'root_controlPlaneCount', String(order.controlPlaneCount));
  await fillText(page, 'root_workerCount', String(order.workerCount));
  await saveScreenshot(page, `${shotPrefix}-3-nodes.png`);
  await onPage(page, 'nodes');
  await next(page);

  // ---- Network
  await waitForStep(page, 'Network');
  await fillText(page, 'root_nodeCidr', order.nodeCidr);
  await fillText(page, 'root_metallbRange', order.metallbRange);
  await fillText(page, 'root_ingressIp', order.ingressIp);
  await fillText(page, 'root_domain', order.domain);
  await choose(page, 'root_apiEndpointType', order.apiEndpointType);
  if (order.apiEndpointAddress) {
    await fillText(page, 'root_apiEndpointAddress', order.apiEndpointAddress);
  }
  await saveScreenshot(page, `${shotPrefix}-4-network.png`);
  await onPage(page, 'network');
  await next(page);

  // ---- Add-ons
  await waitForStep(page, 'Add-ons');
  // The KpaasAddonPicker: each checkbox is labelled with the add-on's title. Untick what is not
  // wanted first (an add-on others need stays locked until they are unticked), then tick the
  // wanted ones (their dependencies come along).
  const picker = page.getByTestId('kpaas-addon-picker');
  await picker.waitFor();
  const boxes = picker.locator('input[type=checkbox]');
  const count = await boxes.count();
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < count; i++) {
      const box = boxes.nth(i);
      const label = (await box.getAttribute('aria-label')) ?? '';
      if (
        !order.addonTitles.includes(label) &&
        (await box.isChecked()) &&
        (await box.isEnabled())
      ) {
        await box.click();
        changed = true;
      }
    }
  }
  for (const title of order.addonTitles) {
    const box = picker.getByRole('checkbox', { name: title, exact: true });
    if (!(await box.isChecked())) await box.click();
  }
  await saveScreenshot(page, `${shotPrefix}-5-addons.png`);
  await onPage(page, 'addons');
  await next(page);

  // ---- Access
  await waitForStep(page, 'Access');
  await fillText(page, 'root_sshUser', order.sshUser);
  const secret = page.getByLabel('SSH private key', { exact: false }).first();
  await secret.click();
  await secret.fill(order.sshPrivateKey);
  await fillSecrets(page, [['SSH key passphrase', order.sshPassphrase]]);
  await saveScreenshot(page, `${shotPrefix}-6-access.png`);
  await onPage(page, 'access');
  await next(page);

  // ---- Repository: the first RepoUrlPicker is the cluster repository (its host select is the
  // first native select of the page); the platform clusters repository keeps its default
  await waitForStep(page, 'Repository');
  if (order.repoHost) {
    await page.locator('select').first().selectOption(order.repoHost);
  }
  for (const [label, value] of [
    [/^Owner/, order.repoOwner],
    [/^Repository/, order.repoName],
  ] as const) {
    const input = page.getByLabel(label).first();
    await input.click();
    await input.fill(value);
    await input.press('Tab');
  }
  await saveScreenshot(page, `${shotPrefix}-7-repository.png`);
  await onPage(page, 'repository');
  await next(page, 'Review');

  // ---- Review
  await waitForStep(page, 'Review');
  await page.getByRole('button', { name: 'Create', exact: true }).waitFor();
  await saveScreenshot(page, `${shotPrefix}-8-review.png`);
  await onPage(page, 'review');
}

/** The value the browser holds in the SSH private key field (what the form sends as the secret). */
export async function secretFieldValue(page: Page): Promise<string> {
  return page
    .getByLabel('SSH private key', { exact: false })
    .first()
    .inputValue();
}
