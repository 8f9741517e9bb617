/*
 * kpaas:retire with the real terraform (the test kit's rig target) and kpaas-backend's real
 * state store: the name typed again, the machines destroyed from exactly this cluster's state,
 * then kpaas-backend's retire route (a recording stand-in here that archives the real state;
 * the route itself is tested in kpaas-backend's retire.plugin.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  describeRealTerraform,
  KAKAO_RIG_RESOURCES,
  Rig,
  startRig,
} from '../provision/__testUtils__/provisionRig';
import { createRetireAction } from './retire';

jest.setTimeout(180_000);

const outputsOf = (ctx: any): Record<string, any> =>
  Object.fromEntries(ctx.output.mock.calls);

async function stateVersions(rig: Rig) {
  const res = await fetch(`${rig.server.stateUrl('demo')}/versions`, {
    headers: { Authorization: mockCredentials.user.header() },
  });
  return res.json();
}

describeRealTerraform('kpaas:retire', () => {
  let rig: Rig;
  let retired: Array<{ cluster: string; body: any }>;
  beforeEach(async () => {
    rig = await startRig();
    retired = [];
    // kpaas-backend's retire route, as far as the action sees it: the state archived for real
    rig.server.app.post('/clusters/:name/retire', async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = JSON.parse(text);
      retired.push({ cluster: req.params.name, body });
      const { archivedVersions } = await rig.server.store.archiveCluster(
        req.params.name,
      );
      rig.registrations.delete(req.params.name);
      res.json({
        retired: { cluster: req.params.name, registration: {}, retiredAt: '' },
        archivedStateVersions: archivedVersions,
        archivedTimelineEntries: rig.timeline.length,
      });
    });
    rig.renderRepo('kakao-cloud');
    // no add-ons: nothing holds resources outside the machines
    const file = path.join(rig.workspace, 'cluster.yaml');
    const doc = yaml.parseDocument(fs.readFileSync(file, 'utf8'));
    doc.setIn(['spec', 'addons'], []);
    fs.writeFileSync(file, doc.toString());
    await rig.action().handler(rig.context({ mode: 'apply' }));
    rig.registrations.set('demo', {
      name: 'demo',
      entityRef: 'resource:default/demo',
      createdAt: '2026-12-01T00:00:00Z',
    });
  });
  afterEach(() => rig.close());

  const action = (catalog?: ReturnType<typeof catalogServiceMock.mock>) =>
    createRetireAction({
      catalog,
      discovery: {
        getBaseUrl: async () => rig.server.baseUrl,
        getExternalBaseUrl: async () => rig.server.baseUrl,
      },
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
      permissions: mockServices.permissions(),
      config: new ConfigReader({
        kpaas: {
          terraform: {
            providerMirror: { filesystem: rig.mirrorDir },
            pluginCacheDir: path.join(rig.root, 'plugin-cache'),
          },
        },
      }),
      env: rig.env,
    });

  it('refuses a name typed wrong before anything runs', async () => {
    const calls = rig.calls().length;
    const ctx = rig.context({ confirm: 'demo-prod' });
    await expect(action().handler(ctx)).rejects.toThrow(
      'confirm: type the cluster\'s name "demo" again to retire it (got "demo-prod"); nothing was run',
    );
    expect(rig.calls()).toHaveLength(calls);
    expect(retired).toEqual([]);
  });

  it('destroys the machines of its Terraform state, then retires the entry: state archived, timeline with the retire phases, catalog location removed as the initiator', async () => {
    const ctx = rig.context({ confirm: 'demo' });
    // Backstage's catalog service test double: the location catalog:register made
    const target =
      'https://github.com/acme/demo-cluster/blob/main/catalog-info.yaml';
    const catalog = catalogServiceMock.mock({
      getEntityByRef: async () =>
        ({ kind: 'Resource', metadata: { name: 'demo' } } as any),
      getLocationByEntity: async () => ({
        id: 'loc-7',
        type: 'url',
        target,
        entityRef: 'location:default/generated-demo',
      }),
      getEntities: async () => ({ items: [] }),
      removeLocationById: jest.fn(async () => undefined),
    });
    await action(catalog).handler(ctx);
    const out = outputsOf(ctx);
    expect(out).toMatchObject({
      clusterName: 'demo',
      uninstalled: [],
      destroyed: KAKAO_RIG_RESOURCES,
      archivedStateVersions: 2,
      entityRef: 'resource:default/demo',
      catalogRemoved: true,
      catalogNote: `catalog location url:${target} removed, and with it resource:default/demo`,
    });
    expect(catalog.removeLocationById).toHaveBeenCalledWith('loc-7', {
      credentials: await ctx.getInitiatorCredentials(),
    });
    expect(out.phaseTimings.map((t: any) => t.phase)).toEqual([
      'destroy machines',
    ]);
    expect(
      rig
        .calls()
        .map(c => c.subcommand)
        .slice(-4),
    ).toEqual(['init', 'plan', 'show', 'apply']);
    expect(retired).toEqual([
      { cluster: 'demo', body: { confirm: 'demo', taskId: 'task-1' } },
    ]);
    // the state: every version archived, none current (a new order of the name starts empty)
    const versions = await stateVersions(rig);
    expect(versions.items).toEqual([]);
    expect(versions.archived[0].resources).toBe(0);
    const retireSteps = rig.timeline
      .filter(e => e.body.phase === 'retire')
      .map(e => [e.body.step, e.body.status]);
    expect(retireSteps).toEqual([
      ['destroy machines', 'succeeded'],
      ['retire registry entry', 'succeeded'],
    ]);
  });

  it('refuses to destroy a state that holds resources the configuration does not declare, naming them; nothing destroyed, the entry stays', async () => {
    // a resource in the state that the cluster repository does not declare (any more)
    fs.writeFileSync(
      path.join(rig.workspace, 'terraform', 'extra.tf'),
      'resource "terraform_data" "shared_dns" {\n  input = "kpaas.example.com"\n}\n',
    );
    await rig.action().handler(rig.context({ mode: 'apply' }));
    fs.rmSync(path.join(rig.workspace, 'terraform', 'extra.tf'));
    const before = (await stateVersions(rig)).items[0].resources;
    const ctx = rig.context({ confirm: 'demo' });
    const error = await action()
      .handler(ctx)
      .then(
        () => undefined,
        e => e as Error,
      );
    expect(error?.message).toContain(
      'kpaas:provision refused to destroy cluster "demo": its Terraform state holds 1 resource(s) the cluster repository\'s configuration does not declare, so they may not be this cluster\'s:\n  - terraform_data.shared_dns\nNothing was destroyed.',
    );
    expect((await stateVersions(rig)).items[0].resources).toBe(before);
    expect(retired).toEqual([]);
    expect(rig.registrations.has('demo')).toBe(true);
  });
});
