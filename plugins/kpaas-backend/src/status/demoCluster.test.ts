import {
  DEGRADED_SCENARIO,
  DemoCluster,
  SHIPPED_ADDON_CATALOG_PATH,
  shippedAddonCatalog,
  startDemoCluster,
} from '@internal/kpaas-testkit';
import request from 'supertest';
import { startKpaas } from '../__testUtils__/rig';

// What `npm start` shows: the demo cluster (startDemoCluster, as scripts/start-dev.sh starts
// it) registered through its own app-config fragment, judged by the real status API against
// the shipped catalog (values/addons.yaml).
describe('the demo cluster through the status API', () => {
  let demo: DemoCluster | undefined;
  let rig: Awaited<ReturnType<typeof startKpaas>> | undefined;

  afterEach(async () => {
    await rig?.stop();
    await demo?.close();
    rig = undefined;
    demo = undefined;
  });

  async function statusOf(scenario: 'healthy' | 'degraded') {
    demo = await startDemoCluster({ scenario });
    rig = await startKpaas({
      catalogPath: SHIPPED_ADDON_CATALOG_PATH,
      config: demo.config.kpaas,
    });
    const res = await request(rig.server).get(
      '/api/kpaas/clusters/demo/status',
    );
    expect(res.status).toBe(200);
    return res.body;
  }

  it('is Healthy by default: pinned chart versions, every add-on ready, platform links answer', async () => {
    const s = await statusOf('healthy');
    expect({ state: s.state, reason: s.reason }).toEqual({ state: 'Healthy' });
    const pinned = new Map(
      shippedAddonCatalog().addons.map(a => [
        a.id,
        a.type === 'helm' ? a.helm.version : undefined,
      ]),
    );
    expect(
      s.addons.map((a: any) => [a.id, a.state, a.runningVersion]).sort(),
    ).toEqual(
      [
        'argo-cd',
        'cert-manager',
        'envoy-gateway',
        'kube-prometheus-stack',
        'metallb',
      ].map(id => [id, 'Healthy', pinned.get(id)]),
    );
    expect(s.links.map((l: any) => [l.title, l.url]).sort()).toEqual([
      ['Argo CD', 'https://argocd.k-paas.io'],
      ['Grafana', 'https://grafana.k-paas.io'],
    ]);
    for (const link of s.links) {
      expect(link.probe).toMatchObject({ ok: true, httpStatus: 200 });
      expect(link.probe.tlsExpiresInDays).toBeGreaterThan(300);
    }
  });

  it('KPAAS_DEMO_SCENARIO=degraded: a NotReady worker, a drifted chart and Alertmanager down, each named', async () => {
    const s = await statusOf('degraded');
    expect(s.state).toBe('Degraded');
    expect(s.reason).toContain(
      `1/6 nodes not ready (${DEGRADED_SCENARIO.notReadyNodes[0]})`,
    );
    const byId = new Map(s.addons.map((a: any) => [a.id, a]));
    expect(byId.get('argo-cd')).toMatchObject({
      state: 'Degraded',
      runningVersion: '7.8.23',
      reason: expect.stringContaining(
        '7.8.23 is running but 10.1.1 is declared',
      ),
    });
    expect(byId.get('kube-prometheus-stack')).toMatchObject({
      state: 'Degraded',
      reason: expect.stringContaining(
        'alertmanager-kube-prometheus-stack-alertmanager',
      ),
    });
    expect(s.links.every((l: any) => l.probe.ok)).toBe(true);
  });
});
