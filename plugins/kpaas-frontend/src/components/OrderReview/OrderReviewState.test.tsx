/*
 * The kpaas-cluster review page through the scaffolder's own ReviewState, with the values
 * formatted by OrderReviewState: page order, the existing hosts as a table, VM sizes on one
 * line, booleans as Yes / No (the scaffolder's ✅/❌ emoji is a missing-glyph box without an
 * emoji font).
 */
import fs from 'node:fs';
import path from 'node:path';
import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { parse } from 'yaml';
import { OrderReviewState } from './OrderReviewState';

jest.setTimeout(30_000);

// eslint-disable-next-line no-restricted-syntax -- tests run from source
const repoRoot = path.resolve(__dirname, '../../../../..');
const pages: any[] = parse(
  fs.readFileSync(
    path.join(repoRoot, 'templates/kpaas-cluster/template.yaml'),
    'utf8',
  ),
).spec.parameters;
const schemas = pages.map(page => ({
  title: page.title,
  schema: page,
  mergedSchema: page,
  uiSchema: {},
}));

const host = (name: string, role: string, address: string) => ({
  name,
  role,
  address,
  port: 22,
  hostKeyFingerprint: `SHA256:${name.toUpperCase().padEnd(43, 'X')}`,
});

async function review(formState: Record<string, unknown>) {
  await renderInTestApp(
    <OrderReviewState schemas={schemas as any} formState={formState as any} />,
  );
  return document.body.textContent ?? '';
}

/** The review's row titles, top to bottom. */
const rowTitles = () =>
  Array.from(document.querySelectorAll('tr'))
    .map(tr => tr.querySelector('td, th')?.textContent?.trim() ?? '')
    .filter(Boolean);

describe('OrderReviewState', () => {
  it('lists the fields in page order, the hosts as a table and booleans as words', async () => {
    const text = await review({
      // the order RJSF leaves them in: defaults first
      environment: 'dev',
      reviewFirst: false,
      controlPlaneCount: 1,
      workerCount: 1,
      name: 'lab',
      owner: 'group:default/platform-team',
      target: 'existing',
      existing: {
        hosts: [
          host('cp-1', 'control-plane', '172.16.0.101'),
          host('worker-1', 'worker', '172.16.0.111'),
        ],
      },
    });
    const table = await screen.findByTestId('kpaas-review-table');
    const headers = within(table)
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toEqual([
      'Host name',
      'Role',
      'Address',
      'SSH port',
      'Host key fingerprint',
    ]);
    const rows = within(table).getAllByTestId('kpaas-review-row');
    expect(rows.map(r => r.textContent)).toEqual([
      `cp-1control-plane172.16.0.10122SHA256:CP-1${'X'.repeat(39)}`,
      `worker-1worker172.16.0.11122SHA256:WORKER-1${'X'.repeat(35)}`,
    ]);
    // a fingerprint is cut to one line on screen; its whole text is the cell's tooltip
    expect(
      within(rows[0]).getByText(`SHA256:CP-1${'X'.repeat(39)}`),
    ).toHaveAttribute('title', `SHA256:CP-1${'X'.repeat(39)}`);
    expect(within(rows[0]).getByText('cp-1')).not.toHaveAttribute('title');
    expect(text).not.toMatch(/name:\s*cp-1/);
    expect(text).not.toMatch(/[\u2705\u274C]/);

    const titles = rowTitles().filter(t =>
      [
        'Cluster name',
        'Owner',
        'Environment',
        'Target',
        'Hosts',
        'Control-plane nodes',
        'Worker nodes',
        'Review first',
      ].includes(t),
    );
    expect(titles).toEqual([
      'Cluster name',
      'Owner',
      'Environment',
      'Target',
      'Hosts',
      'Control-plane nodes',
      'Worker nodes',
      'Review first',
    ]);
    const reviewFirst = Array.from(document.querySelectorAll('tr')).find(
      tr => tr.querySelector('td, th')?.textContent === 'Review first',
    )!;
    expect(reviewFirst.textContent).toBe('Review firstNo');
  });

  it('shows a VM size on one line and keeps the target branch and secret masks', async () => {
    const text = await review({
      name: 'lab',
      target: 'multipass',
      multipass: {
        image: '24.04',
        controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
        worker: { cpus: 4, memoryGiB: 8, diskGiB: 50 },
      },
      kakao: { keyPair: 'KAKAO-KEYPAIR-MARKER' },
      sshPrivateKey: '******',
    });
    expect(
      await screen.findByText('vCPUs: 2 · Memory (GiB): 4 · Disk (GiB): 40'),
    ).toBeTruthy();
    expect(text).toContain('vCPUs: 4 · Memory (GiB): 8 · Disk (GiB): 50');
    expect(text).toContain('Control-plane VM size');
    expect(text).toContain('<secret>');
    expect(text).not.toContain('KAKAO-KEYPAIR-MARKER');
  });
});
