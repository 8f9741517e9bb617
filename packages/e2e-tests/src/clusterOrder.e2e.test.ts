/*
 * Orders a cluster through the real UI flow of the running app: Chromium fills the
 * kpaas-cluster template (target existing) with the SSH rig's hosts, the scaffolder runs
 * fetch:template → kpaas:provision → kpaas:bootstrap → kpaas:addons → publish:github against the
 * rig (kubeadm/helm stand-ins, Kubernetes API stand-in), and the test checks what each step
 * produced: step outputs, the cluster in kpaas-backend, the timeline, the helm calls, the log.
 *
 * publish:github is the one step that cannot succeed on this machine (no GitHub, no network):
 * the test expects it to fail reaching GitHub, after everything before it completed.
 */
import { rigSkipReason, OrderSession, startOrderSession } from './orderHarness';
import { ClusterRig, startClusterRig } from './clusterRig';
import { fillClusterOrder } from './clusterOrderForm';

jest.setTimeout(600_000);

const CLUSTER = 'e2e-lab';

const skipReason = rigSkipReason();
const describeIfRig = skipReason ? describe.skip : describe;

describeIfRig(`ordering a cluster in the running app${skipReason}`, () => {
  let rig: ClusterRig;
  let session: OrderSession;

  beforeAll(async () => {
    rig = await startClusterRig(CLUSTER);
    session = await startOrderSession();
  });

  afterAll(async () => {
    await session?.stop();
    await rig?.stop();
  });

  it('provisions (existing), bootstraps and installs add-ons from the UI; only publish:github fails (no GitHub here)', async () => {
    const started = Date.now();
    // ---- the order, through every page of the form
    await session.page.goto(`${session.app.appUrl}/create/templates/default/kpaas-cluster`);
    await fillClusterOrder(
      session.page,
      {
        name: CLUSTER,
        owner: 'platform-team',
        description: 'e2e: ordered through the UI against the SSH rig',
        environment: 'sandbox', // reviewFirst defaults off: built right away
        hosts: rig.nodes,
        controlPlaneCount: 1,
        workerCount: 2,
        nodeCidr: rig.nodeCidr,
        metallbRange: rig.metallbRange,
        ingressIp: rig.ingressIp,
        domain: 'lab.kpaas.test',
        apiEndpointType: 'lb',
        apiEndpointAddress: rig.apiAddress,
        addonTitles: [
          'MetalLB',
          'Ingress NGINX (brings metallb)',
          'Prometheus & Grafana (kube-prometheus-stack)',
        ],
        sshUser: 'root',
        sshPrivateKey: rig.rig.privateKey,
        repoOwner: 'platform-team',
        repoName: `${CLUSTER}-cluster`,
      },
      'cluster-order',
    );
    const result = await session.createAndWait('cluster-order');
    const { taskId, log, stepStatus } = result;
    const task = { status: result.status };
    const context = `task ${taskId} log:\n${log.slice(-6000)}`;
    expect({ status: task.status, context }).toMatchObject({
      status: 'failed',
    });
    for (const id of [
      'fetch',
      'addon-values',
      'provision',
      'bootstrap',
      'addons',
    ]) {
      expect({ id, status: stepStatus(id), context }).toMatchObject({
        id,
        status: 'completed',
      });
    }
    for (const id of ['plan', 'review-pr'])
      expect(stepStatus(id)).toBe('skipped');
    // the one step that cannot succeed here: there is no GitHub (nor any network) on this machine
    expect(stepStatus('publish')).toBe('failed');
    const publishError = result.stepError('publish');
    expect(publishError).toMatch(
      /(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH)\b.*api\.github\.com/,
    );
    expect(stepStatus('register')).toBe('skipped');

    // ---- step outputs, as the scaffolder recorded them
    const out = result.output;

    // kpaas:provision (existing): the inventory is the rig's hosts, and kpaas:bootstrap took it as is
    expect(out('provision').target).toBe('existing');
    expect(out('provision').inventory).toEqual(
      rig.nodes.map(n => ({
        name: n.name,
        role: n.role,
        address: n.address,
        privateAddress: n.address,
        port: n.port,
        hostKeyFingerprint: n.hostKeyFingerprint,
      })),
    );
    const apiServerUrl = `https://${rig.apiAddress}:6443`;
    expect(out('provision').endpoints).toMatchObject({
      apiServerUrl,
      ingressAddress: rig.ingressIp,
    });

    // kpaas:bootstrap: the nodes of the inventory, Ready behind the API endpoint, host keys verified
    expect(out('bootstrap')).toMatchObject({
      clusterName: CLUSTER,
      apiServerUrl,
    });
    expect(
      out('bootstrap')
        .nodes.map((n: { name: string }) => n.name)
        .sort(),
    ).toEqual(rig.nodes.map(n => n.name).sort());
    expect(out('bootstrap').hostKeys).toEqual(
      rig.nodes.map(n => ({ name: n.name, fingerprint: n.hostKeyFingerprint })),
    );
    for (const n of rig.nodes) {
      const kinds = rig.rig
        .calls(n.name)
        .map(c => `${c.cmd} ${c.args[0] ?? ''}`);
      expect(kinds).toContain(
        n.role === 'control-plane' ? 'kubeadm init' : 'kubeadm join',
      );
    }

    // kpaas:addons: the chosen add-ons (dependencies included) installed, UI endpoints listed
    expect(out('addons').addons).toEqual(
      expect.arrayContaining(
        ['metallb', 'ingress-nginx', 'kube-prometheus-stack'].map(id =>
          expect.objectContaining({ id, status: 'installed' }),
        ),
      ),
    );
    expect(out('addons').addons).toHaveLength(3);
    expect(out('addons').endpoints).toEqual([
      { host: 'grafana.lab.kpaas.test', address: rig.ingressIp },
    ]);
    expect(out('addons').hostsSnippet).toContain(
      `${rig.ingressIp} grafana.lab.kpaas.test`,
    );

    // helm ran on the control plane with the pinned charts
    const helm = await rig.helmCalls(rig.nodes[0].name);
    const installs = helm.filter(
      c => c.phase === 'start' && c.args[0] === 'upgrade',
    );
    const pinned = Object.fromEntries(
      installs.map(c => [c.release, c.version]),
    );
    expect(pinned).toMatchObject({
      metallb: '0.16.1',
      'ingress-nginx': '4.15.1',
      'kube-prometheus-stack': '88.5.3',
    });
    for (const c of installs)
      expect(c.args.slice(0, 2)).toEqual(['upgrade', '--install']);

    // ---- the cluster in kpaas-backend: registered, no credential served, status from the cluster
    const registration = await session.get(`/api/kpaas/clusters/${CLUSTER}`);
    expect(registration.status).toBe(200);
    expect(JSON.parse(registration.text)).toMatchObject({
      name: CLUSTER,
      apiServerUrl,
    });
    expect(registration.text).not.toMatch(
      /serviceAccountToken|"token"|BEGIN .*PRIVATE KEY/,
    );
    let status: any;
    for (let i = 0; i < 60; i++) {
      status = await session.json(`/api/kpaas/clusters/${CLUSTER}/status`);
      if ((status.nodes?.length ?? 0) === rig.nodes.length) break;
      await new Promise(r => setTimeout(r, 1000));
    }
    expect(status.nodes.map((n: { name: string }) => n.name).sort()).toEqual(
      rig.nodes.map(n => n.name).sort(),
    );

    const timeline = await session.json(`/api/kpaas/clusters/${CLUSTER}/timeline`);
    const phases = new Set(
      timeline.items.map((e: { phase: string }) => e.phase),
    );
    expect(phases.has('provision')).toBe(true);
    expect(phases.has('addons')).toBe(true);
    expect(phases.has('bootstrap')).toBe(true);

    // ---- no secret in the task log: neither the key nor any line of its body
    const keyLines = rig.rig.privateKey
      .split('\n')
      .filter(l => l && !l.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(2);
    for (const line of keyLines) expect(log).not.toContain(line);
    expect(log).not.toContain(keyLines.join(''));

    // eslint-disable-next-line no-console
    console.log(
      `cluster order: form + task in ${Math.round(
        (Date.now() - started) / 1000,
      )} s`,
    );
  });
});
