/*
 * The review page of the kpaas-cluster order, rendered by the scaffolder's own ReviewState with
 * the template's pages: it lists only the chosen target's fields, even when the form still holds
 * another target's block from before the target was changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import {
  extractSchemaFromStep,
  ReviewState,
} from '@backstage/plugin-scaffolder-react/alpha';
import { parse } from 'yaml';

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

const kakao = {
  region: 'kr-central-2',
  availabilityZone: 'kr-central-2-a',
  image: 'Ubuntu 24.04',
  controlPlaneFlavor: 't1i.large',
  workerFlavor: 't1i.xlarge',
  volumeSizeGiB: 200,
  keyPair: 'KAKAO-KEYPAIR-MARKER',
  vpcCidr: '172.16.0.0/16',
};
const multipass = {
  image: 'MULTIPASS-IMAGE-MARKER',
  controlPlane: { cpus: 2, memoryGiB: 4, diskGiB: 40 },
  worker: { cpus: 2, memoryGiB: 4, diskGiB: 50 },
};

async function review(formState: Record<string, unknown>) {
  await renderInTestApp(
    <ReviewState schemas={schemas as any} formState={formState as any} />,
  );
  return document.body.textContent ?? '';
}

describe('kpaas-cluster review page', () => {
  it('shows the Multipass fields and none of the Kakao block the form kept from before', async () => {
    const text = await review({
      name: 'lab',
      target: 'multipass',
      multipass,
      // filled in (defaults) while kakao-cloud, the default target, was chosen
      kakao,
    });
    expect(await screen.findByText('MULTIPASS-IMAGE-MARKER')).toBeTruthy();
    expect(text).not.toContain('KAKAO-KEYPAIR-MARKER');
    expect(text).not.toMatch(/Kakao/i);
  });

  it('shows the Kakao fields with the credential masked for kakao-cloud, and no stale Multipass block', async () => {
    const text = await review({
      name: 'cloud',
      target: 'kakao-cloud',
      kakao,
      kakaoCredentialId: '******',
      kakaoCredentialSecret: '******',
      multipass,
    });
    expect(await screen.findByText('KAKAO-KEYPAIR-MARKER')).toBeTruthy();
    expect(text).toContain('Key pair');
    expect(text).toContain('Kakao application credential ID');
    expect(text).toContain('<secret>');
    expect(text).not.toContain('MULTIPASS-IMAGE-MARKER');
  });
});

describe('kpaas-cluster Target page form', () => {
  it('keeps every target block and the Kakao credential fields visible where they belong', () => {
    // the scaffolder merges ui: options by field name across the if/then/else branches
    const target = pages.find(p => p.properties?.target);
    const { uiSchema } = extractSchemaFromStep(
      JSON.parse(JSON.stringify(target)),
    );
    for (const block of ['kakao', 'multipass', 'vagrant', 'existing']) {
      expect(uiSchema[block]?.['ui:widget']).toBeUndefined();
    }
    for (const key of ['kakaoCredentialId', 'kakaoCredentialSecret']) {
      expect(uiSchema[key]).toMatchObject({ 'ui:field': 'Secret' });
      expect(uiSchema[key]['ui:widget']).toBeUndefined();
    }
  });
});
