import {
  kpaasHaFixture,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import { parseClusterSpec } from '@internal/plugin-kpaas-common';
import * as k8s from '@kubernetes/client-node';
import { AddonCluster } from '../addons/cluster';
import { applyCertExpiryCollector } from './certCollectorStep';

function spec() {
  const r = parseClusterSpec({
    apiVersion: 'kpaas.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'demo',
      owner: 'group:default/platform',
      environment: 'dev',
    },
    spec: {
      target: { type: 'multipass' },
      controlPlane: { count: 1 },
      workers: { count: 1 },
      network: { nodeCidr: '10.10.0.0/24', domain: 'k.test' },
    },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('applyCertExpiryCollector (against the API stand-in)', () => {
  let standIn: KubeApiStandIn;
  let kc: k8s.KubeConfig;
  const lines: string[] = [];
  const logger = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`WARN ${m}`),
  };
  beforeEach(async () => {
    standIn = await startKubeApiStandIn({
      fixture: kpaasHaFixture({ addons: false }),
    });
    kc = new k8s.KubeConfig();
    kc.loadFromString(standIn.kubeconfigYaml());
  });
  afterEach(() => standIn.close());

  it('applies the CronJob and starts a first run, once', async () => {
    const cluster = new AddonCluster(kc, { pollMaxMs: 50 });
    const run = () =>
      applyCertExpiryCollector({
        spec: spec(),
        cluster,
        logger,
        deadline: Date.now() + 20_000,
      });
    expect(await run()).toBe('applied');
    expect(await run()).toBe('applied');
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const cron = await batch.readNamespacedCronJob({
      namespace: 'kube-system',
      name: 'kpaas-cert-expiry',
    });
    expect(cron.spec?.schedule).toBe('17 3 * * *');
    const jobs = await batch.listNamespacedJob({ namespace: 'kube-system' });
    expect(jobs.items.map(j => j.metadata?.name)).toEqual([
      'kpaas-cert-expiry-first',
    ]);
    // the kubelet certificates' collector on every node, in its own namespace
    const ds = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({
      namespace: 'kpaas-node-certs',
      name: 'kpaas-kubelet-certs',
    });
    expect(ds.spec?.template.spec?.tolerations).toEqual([
      { operator: 'Exists' },
    ]);
    expect(ds.spec?.template.spec?.containers[0].image).toBe(
      `registry.k8s.io/kubectl:${spec().spec.kubernetes.version}`,
    );
  });

  it("gives kpaas-backend's reader the Operations records on every installer", async () => {
    const kpaasCp = spec();
    kpaasCp.spec.kubernetes.installer = 'kpaas-cp';
    const result = await applyCertExpiryCollector({
      spec: kpaasCp,
      cluster: new AddonCluster(kc, { pollMaxMs: 50 }),
      logger,
      deadline: Date.now() + 20_000,
    });
    expect(result).toBe('skipped');
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const binding = await rbac.readNamespacedRoleBinding({
      namespace: 'kube-system',
      name: 'kpaas-reader-operations',
    });
    expect(binding.subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'kpaas-reader',
        namespace: 'kube-system',
      },
    ]);
    const certificates = await rbac.readClusterRole({
      name: 'kpaas-reader-operations',
    });
    expect(certificates.rules?.[0].apiGroups).toEqual(['cert-manager.io']);
  });

  it('only warns when the API refuses (the add-ons run goes on)', async () => {
    const denied = new k8s.KubeConfig();
    denied.loadFromString(standIn.kubeconfigYaml());
    denied.users[0] = {
      name: denied.users[0].name,
      token: 'not-a-token',
    } as any;
    const result = await applyCertExpiryCollector({
      spec: spec(),
      cluster: new AddonCluster(denied, { pollMaxMs: 50 }),
      logger,
      deadline: Date.now() + 2_000,
    });
    expect(result).toBe('failed');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^WARN kpaas-reader's access to the Operations records not applied: /,
      ),
    );
    expect(lines.at(-1)).toMatch(
      /^WARN certificate expiry collector not installed: .*until kpaas:addons runs again$/,
    );
  });
});
