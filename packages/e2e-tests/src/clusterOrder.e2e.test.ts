/*
 * The whole flow, end to end, in the running app: Chromium orders an HA cluster through every page
 * of the kpaas-cluster form (target existing on 3 control planes + 3 workers + 2 lb machines of the
 * SSH rig, real sshd), the scaffolder runs fetch:template → kpaas:provision → kpaas:bootstrap
 * (kubeadm stand-in on the nodes creates the cluster in the Kubernetes API stand-in) →
 * kpaas:addons (helm stand-in creates the add-on workloads) → publish:gitea (a real git server:
 * bare repositories behind git-http-backend with the Gitea API in front) → catalog:register, and
 * the new cluster's entity page shows it healthy, then degraded when a worker goes NotReady.
 * The order keeps the form's default entry point (a Gateway API implementation) and certificate
 * issuer: every platform link is an HTTPRoute host on the cluster Gateway, Accepted with its refs
 * resolved, and the add-ons step's endpoints are the Gateway's address.
 *
 * Around it: secret canaries (SSH key passphrase, Kakao credential, Gitea password, the join
 * tokens, certificate keys and ServiceAccount token the stand-ins issued) must not appear in the
 * task log, the task outputs, the published repository, kpaas-backend's answers, the backend's log
 * or the frontend bundle; 48 invalid orders are refused naming the field before anything runs; a
 * second order for the same name is refused; kpaas-cluster-apply repairs the cluster from its
 * repository without redoing finished work; reviewFirst stops after the plan and shows the review
 * pull request's body.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import {
  exampleCatalogLocations,
  GiteaStandIn,
  startGiteaStandIn,
} from '@internal/kpaas-testkit';
import {
  rigSkipReason,
  OrderSession,
  startOrderSession,
  TaskResult,
} from './orderHarness';
import { ClusterRig, startClusterRig } from './clusterRig';
import { fillClusterOrder } from './clusterOrderForm';
import { saveScreenshot } from './browser';
import { INVALID_ORDERS, applyMutation } from './invalidOrders';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';

// the app may first wait for the e2e slot (see e2eSlot.ts)
jest.setTimeout(E2E_SLOT_WAIT_MS + 900_000);

const CLUSTER = 'e2e-lab';
const ORG = 'platform-team';
const REPO = `${CLUSTER}-cluster`;
/**
 * The add-ons the order ticks besides the form's default entry point and certificate issuer
 * (kept as the form defaults them, read from the template and the catalog in the test).
 */
const CHOSEN_ADDONS = [
  'metallb',
  'kube-prometheus-stack',
  'argo-cd',
  'harbor',
  'keycloak',
];
/** The platform UIs of CHOSEN_ADDONS: link title, add-on, host on the order's domain */
const PLATFORM_UIS = [
  ['Grafana', 'kube-prometheus-stack', 'grafana.lab.kpaas.test'],
  ['Argo CD', 'argo-cd', 'argocd.lab.kpaas.test'],
  ['Harbor', 'harbor', 'harbor.lab.kpaas.test'],
  ['Keycloak', 'keycloak', 'keycloak.lab.kpaas.test'],
] as const;

const repoRoot = path.resolve(__dirname, '../../..');

const canary = (what: string) =>
  `kpaas-canary-${what}-${randomBytes(6).toString('hex')}`;
const CANARIES = {
  sshPassphrase: canary('passphrase'),
  kakaoCredentialId: canary('kakao-id'),
  kakaoCredentialSecret: canary('kakao-secret'),
  giteaPassword: canary('gitea-password'),
};

/** The rig's client key, encrypted with the passphrase canary (ssh-keygen -p, bcrypt KDF). */
function encryptKey(privateKey: string, passphrase: string): string {
  const dir = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-key-'),
  );
  try {
    const file = path.join(dir, 'id');
    fs.writeFileSync(file, privateKey, { mode: 0o600 });
    execFileSync('ssh-keygen', [
      '-q',
      '-p',
      '-f',
      file,
      '-P',
      '',
      '-N',
      passphrase,
    ]);
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The template pack as a platform team deploys it: the shipped templates with their Gitea host
 * added to the RepoUrlPicker's allowedHosts (the one line the template says to edit).
 */
function deployTemplates(giteaHost: string): { dir: string; files: string[] } {
  const dir = fs.mkdtempSync(
    path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-templates-'),
  );
  const files: string[] = [];
  for (const name of ['kpaas-cluster', 'kpaas-cluster-apply']) {
    fs.cpSync(path.join(repoRoot, 'templates', name), path.join(dir, name), {
      recursive: true,
    });
    const file = path.join(dir, name, 'template.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace(
      'allowedHosts: [github.com]',
      `allowedHosts: [github.com, '${giteaHost}']`,
    );
    expect(edited).not.toBe(text);
    fs.writeFileSync(file, edited);
    files.push(file);
  }
  return { dir, files };
}

const skipReason = rigSkipReason();
const describeIfRig = skipReason ? describe.skip : describe;

describeIfRig(`a cluster order, end to end${skipReason}`, () => {
  let rig: ClusterRig;
  let gitea: GiteaStandIn;
  let session: OrderSession;
  let templates: { dir: string; files: string[] };
  let sshPrivateKey: string;
  let order: TaskResult;
  let orderValues: Record<string, any>;
  /** Every add-on ordered: CHOSEN_ADDONS plus the form's default entry point and issuer */
  let orderedAddons: string[];
  const secrets = () => ({
    sshPrivateKey,
    sshPassphrase: CANARIES.sshPassphrase,
    kakaoCredentialId: CANARIES.kakaoCredentialId,
    kakaoCredentialSecret: CANARIES.kakaoCredentialSecret,
  });
  const started = Date.now();
  const timings: Record<string, number> = {};

  /** sshd logs and stand-in calls of every node: any SSH connection or command shows here. */
  const nodeActivity = () =>
    rig.nodes
      .map(n => {
        const log = path.join(rig.rig.nodeDir(n.name), 'sshd.log');
        const sshd = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
        return `${n.name}\n${sshd}\n${JSON.stringify(rig.rig.calls(n.name))}`;
      })
      .join('\n');

  beforeAll(async () => {
    gitea = await startGiteaStandIn({
      username: 'kpaas-bot',
      password: CANARIES.giteaPassword,
      orgs: [ORG],
    });
    rig = await startClusterRig(CLUSTER, {
      controlPlanes: 3,
      workers: 3,
      lbs: 2,
    });
    sshPrivateKey = encryptKey(rig.rig.privateKey, CANARIES.sshPassphrase);
    templates = deployTemplates(gitea.host);
    session = await startOrderSession({
      extraConfig: {
        integrations: { gitea: [gitea.integrationConfig()] },
        catalog: {
          locations: [
            ...exampleCatalogLocations(),
            ...templates.files.map(target => ({
              type: 'file',
              target,
              rules: [{ allow: ['Template'] }],
            })),
          ],
        },
      },
    });
    timings.setup = Date.now() - started;
  });

  afterAll(async () => {
    await session?.stop();
    await rig?.stop();
    await gitea?.close();
    if (templates) fs.rmSync(templates.dir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(
      `end-to-end timings (ms): ${JSON.stringify({
        ...timings,
        total: Date.now() - started,
      })}`,
    );
  });

  it('orders through every page, builds on the rig, publishes to git, registers, and the page shows it healthy then degraded', async () => {
    const t0 = Date.now();
    const { page } = session;
    // the form's default add-ons (the template) and what each is (the catalog the picker shows)
    const { catalog } = await session.json('/api/kpaas/addons');
    const addonsField = YAML.parse(
      fs.readFileSync(templates.files[0], 'utf8'),
    ).spec.parameters.find((p: any) => p.properties?.addons).properties.addons;
    const defaults: string[] = addonsField.default;
    const defaultAddon = (what: (a: any) => boolean) =>
      catalog.addons.find((a: any) => defaults.includes(a.id) && what(a));
    // the default entry point is a Gateway API implementation, not the retired ingress-nginx
    const entryPoint = defaultAddon(a => a.gatewayApi !== undefined);
    const issuer = defaultAddon(a => a.provides.includes('certificate-issuer'));
    expect({ defaults, entryPoint: entryPoint?.id }).toMatchObject({
      entryPoint: expect.any(String),
    });
    expect(defaults).not.toContain('ingress-nginx');
    expect(issuer).toBeDefined();
    orderedAddons = [entryPoint.id, issuer.id, ...CHOSEN_ADDONS];
    const titleOf = (id: string) =>
      catalog.addons.find((a: any) => a.id === id).title;
    const namespaceOf = (id: string) =>
      catalog.addons.find((a: any) => a.id === id).helm.namespace;
    await page.goto(
      `${session.app.appUrl}/create/templates/default/kpaas-cluster`,
    );
    await fillClusterOrder(
      page,
      {
        name: CLUSTER,
        owner: 'platform-team',
        description: 'e2e: ordered through the UI against the SSH rig',
        environment: 'sandbox', // reviewFirst defaults off: built right away
        hosts: rig.nodes,
        controlPlaneCount: 3,
        workerCount: 3,
        nodeCidr: rig.nodeCidr,
        metallbRange: rig.metallbRange,
        ingressIp: rig.ingressIp,
        domain: 'lab.kpaas.test',
        apiEndpointType: 'vip',
        apiEndpointAddress: rig.apiAddress,
        // the default entry point and issuer stay ticked as the form defaults them
        addonTitles: orderedAddons.map(titleOf),
        sshUser: 'root',
        sshPrivateKey,
        sshPassphrase: CANARIES.sshPassphrase,
        kakaoCredentialId: CANARIES.kakaoCredentialId,
        kakaoCredentialSecret: CANARIES.kakaoCredentialSecret,
        repoHost: gitea.host,
        repoOwner: ORG,
        repoName: REPO,
      },
      'cluster-order',
    );
    // the review page masks every secret
    const review = await page.locator('body').innerText();
    for (const value of [
      CANARIES.sshPassphrase,
      CANARIES.kakaoCredentialId,
      CANARIES.kakaoCredentialSecret,
    ]) {
      expect(review).not.toContain(value);
    }

    order = await session.createAndWait('cluster-order');
    const { stepStatus, log } = order;
    const context = `task ${order.taskId} log:\n${log.slice(-6000)}`;
    expect({ status: order.status, context }).toMatchObject({
      status: 'completed',
    });
    for (const id of [
      'fetch',
      'addon-values',
      'provision',
      'bootstrap',
      'addons',
      'publish-gitea',
      'register',
    ]) {
      expect({ id, status: stepStatus(id) }).toEqual({
        id,
        status: 'completed',
      });
    }
    for (const id of ['plan', 'review-pr', 'publish'])
      expect(stepStatus(id)).toBe('skipped');
    timings.order = Date.now() - t0;

    const task = await session.json(`/api/scaffolder/v2/tasks/${order.taskId}`);
    orderValues = task.spec.parameters;

    // ---- step outputs: the seams between the actions
    const out = order.output;
    const apiServerUrl = `https://${rig.apiAddress}:6443`;
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
    expect(out('bootstrap')).toMatchObject({
      clusterName: CLUSTER,
      apiServerUrl,
    });
    expect(
      out('bootstrap')
        .nodes.map((n: { name: string }) => n.name)
        .sort(),
    ).toEqual(
      rig.nodes
        .filter(n => n.role !== 'lb')
        .map(n => n.name)
        .sort(),
    );
    expect(out('bootstrap').hostKeys).toEqual(
      rig.nodes.map(n => ({ name: n.name, fingerprint: n.hostKeyFingerprint })),
    );
    const calls = (name: string) =>
      rig.rig.calls(name).map(c => `${c.cmd} ${c.args[0] ?? ''}`);
    expect(calls(`${CLUSTER}-cp-1`)).toContain('kubeadm init');
    for (const n of rig.nodes.slice(1).filter(x => x.role !== 'lb')) {
      expect(calls(n.name)).toContain('kubeadm join');
    }
    for (const lb of rig.nodes.filter(n => n.role === 'lb')) {
      expect(
        await rig.rig.readNodeFile(lb.name, '/etc/keepalived/keepalived.conf'),
      ).toContain(rig.apiAddress);
    }
    expect(
      out('addons')
        .addons.map((a: { id: string; status: string }) => [a.id, a.status])
        .sort(),
    ).toEqual(orderedAddons.map(id => [id, 'installed']).sort());
    // the UI hosts resolve to the ingress address, where the Gateway's proxy Service listens
    expect(
      out('addons').endpoints.sort((a: any, b: any) =>
        a.host.localeCompare(b.host),
      ),
    ).toEqual(
      PLATFORM_UIS.map(([, , host]) => ({ host, address: rig.ingressIp })).sort(
        (a, b) => a.host.localeCompare(b.host),
      ),
    );
    // on the cluster: one Gateway, Programmed on that address, and an HTTPRoute per UI on it,
    // Accepted with its backend refs resolved, for exactly the link's host
    const gatewayApi = (kind: string) =>
      rig.api.store.list({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind,
      } as any) as any[];
    const condition = (conditions: any[] | undefined, type: string) =>
      conditions?.find(c => c.type === type)?.status;
    const gateways = gatewayApi('Gateway');
    expect(
      gateways.map(g => ({
        namespace: g.metadata.namespace,
        programmed: condition(g.status?.conditions, 'Programmed'),
        addresses: g.status?.addresses?.map((a: any) => a.value),
      })),
    ).toEqual([
      {
        namespace: namespaceOf(entryPoint.id),
        programmed: 'True',
        addresses: [rig.ingressIp],
      },
    ]);
    const gateway = gateways[0].metadata;
    const routes = gatewayApi('HTTPRoute');
    for (const [, addonId, host] of PLATFORM_UIS) {
      const route = routes.find(
        r =>
          r.metadata.namespace === namespaceOf(addonId) &&
          r.metadata.name === `${addonId}-ui`,
      );
      const parent = route?.status?.parents?.[0];
      expect({
        route: `${addonId}-ui`,
        hostnames: route?.spec.hostnames,
        parentRef: route?.spec.parentRefs?.[0]?.name,
        accepted: condition(parent?.conditions, 'Accepted'),
        resolvedRefs: condition(parent?.conditions, 'ResolvedRefs'),
      }).toEqual({
        route: `${addonId}-ui`,
        hostnames: [host],
        parentRef: gateway.name,
        accepted: 'True',
        resolvedRefs: 'True',
      });
    }
    // the cluster's sign-in realm and kubelogin client, created in the rig's Keycloak (served at
    // the keycloak Service's cluster IP, reached from the first control plane over SSH)
    expect(rig.keycloak.realms.get(CLUSTER)?.clients[0]).toMatchObject({
      clientId: 'kubernetes',
      publicClient: true,
    });
    const repoUrl = `${gitea.url}/${ORG}/${REPO}`;
    expect(out('publish-gitea')).toMatchObject({
      remoteUrl: `${repoUrl}.git`,
      repoContentsUrl: `${repoUrl}/src/branch/main/`,
    });
    expect(out('register').entityRef).toBe(`resource:default/${CLUSTER}`);
    // the run's output links: the UI link the template offers is the Grafana HTTPRoute's host
    const runOutput = order.events.find(e => e.type === 'completion')?.body
      .output as { links?: Array<{ title: string; url?: string }> } | undefined;
    expect(runOutput?.links?.find(l => l.title === 'Grafana')?.url).toBe(
      `https://${PLATFORM_UIS[0][2]}`,
    );

    // ---- the published repository: one commit on main with the cluster repo
    const commits = await gitea.gitLog(ORG, REPO);
    expect(commits).toHaveLength(1);
    const files = await gitea.files(ORG, REPO);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'cluster.yaml',
        'catalog-info.yaml',
        'README.md',
        'values/harbor.yaml',
      ]),
    );
    expect(YAML.parse(files['cluster.yaml']).metadata.name).toBe(CLUSTER);

    // ---- the catalog has the entity, read from the git server
    let entity: any;
    for (let i = 0; i < 90 && !entity; i++) {
      const res = await session.get(
        `/api/catalog/entities/by-name/resource/default/${CLUSTER}`,
      );
      if (res.status === 200) entity = JSON.parse(res.text);
      else await new Promise(r => setTimeout(r, 1000));
    }
    expect(entity?.metadata.annotations['kpaas.io/cluster-name']).toBe(CLUSTER);
    expect(
      entity.metadata.annotations['backstage.io/managed-by-location'],
    ).toBe(`url:${repoUrl}/src/branch/main/catalog-info.yaml`);

    // ---- the entity page: healthy, every node and add-on, the platform links
    const t1 = Date.now();
    await page.goto(
      `${session.app.appUrl}/catalog/default/resource/${CLUSTER}`,
    );
    const health = page.getByTestId('cluster-health');
    await health.waitFor({ timeout: 60_000 });
    await page
      .getByTestId('cluster-nodes')
      .filter({ hasText: '6/6 nodes ready' })
      .waitFor({ timeout: 90_000 });
    await page
      .getByTestId('cluster-addons')
      .filter({
        hasText: `${orderedAddons.length}/${orderedAddons.length} add-ons healthy`,
      })
      .waitFor({ timeout: 90_000 });
    expect(await health.getAttribute('aria-label')).toBe(
      'Cluster health: Healthy',
    );
    expect(
      await page.getByTestId('cluster-control-plane').textContent(),
    ).toContain('3/3 control planes ready');
    // the platform links are the HTTPRoute hosts (https: the issuer gives the Gateway TLS)
    for (const [title, , host] of PLATFORM_UIS) {
      const link = page
        .getByTestId('platform-link')
        .filter({ hasText: title })
        .first();
      expect(await link.getAttribute('href')).toBe(`https://${host}`);
    }
    await saveScreenshot(page, 'cluster-order-10-entity-healthy.png');

    // one worker goes NotReady in the stand-in: the page turns Degraded and names it
    rig.api.setNodeReady(`${CLUSTER}-worker-2`, false, 'KubeletNotReady');
    await page
      .getByRole('button', { name: 'Refresh cluster status' })
      .first()
      .click();
    await page
      .getByTestId('cluster-nodes')
      .filter({ hasText: '5/6 nodes ready' })
      .waitFor({ timeout: 90_000 });
    expect(await health.getAttribute('aria-label')).toBe(
      'Cluster health: Degraded',
    );
    expect(
      await page.getByTestId('cluster-health-reason').first().textContent(),
    ).toContain(`${CLUSTER}-worker-2`);
    await saveScreenshot(page, 'cluster-order-11-entity-degraded.png');
    rig.api.setNodeReady(`${CLUSTER}-worker-2`, true);

    // the cluster tab's platform services: each link is its HTTPRoute's host, the route named
    // with its Gateway API state (Accepted, ResolvedRefs) as the backend judged it
    await page.goto(
      `${session.app.appUrl}/catalog/default/resource/${CLUSTER}/kpaas`,
    );
    await page
      .getByTestId('platform-service-link')
      .first()
      .waitFor({ timeout: 60_000 });
    for (const [title, addonId, host] of PLATFORM_UIS) {
      const row = page
        .locator('tr')
        .filter({ has: page.getByTestId('platform-service-link') })
        .filter({ hasText: title })
        .first();
      expect(
        await row.getByTestId('platform-service-link').getAttribute('href'),
      ).toBe(`https://${host}`);
      await row
        .getByTestId('platform-service-route')
        .filter({
          hasText: `HTTPRoute ${namespaceOf(addonId)}/${addonId}-ui`,
        })
        .filter({ hasText: 'Accepted, refs resolved' })
        .waitFor({ timeout: 60_000 });
    }
    timings.entityPage = Date.now() - t1;
  });

  it('keeps every secret canary out of the task log and outputs, the repository, kpaas-backend, the backend log and the frontend bundle', async () => {
    expect(order).toBeDefined();
    // the secrets the stand-ins issued: join tokens and certificate keys (kept in each node's
    // stand-in state), the read-only ServiceAccount token kpaas-backend holds
    const issued: string[] = [];
    for (const n of rig.nodes) {
      for (const file of ['tokens', 'certificate-keys']) {
        const text = await rig.rig
          .readNodeFile(n.name, `/var/lib/kpaas-standins/${file}`)
          .catch(() => '');
        issued.push(...String(text).split('\n').filter(Boolean));
      }
    }
    expect(issued.length).toBeGreaterThan(0);
    const saTokens = rig.api.store
      .list({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'kube-system',
      } as any)
      .map(
        (s: any) =>
          s.data?.token && Buffer.from(s.data.token, 'base64').toString(),
      )
      .filter(Boolean) as string[];
    expect(saTokens.length).toBeGreaterThan(0);
    const keyLines = sshPrivateKey
      .split('\n')
      .filter(l => l.length > 20 && !l.startsWith('-----'));
    const secretsToFind = [
      ...Object.values(CANARIES),
      ...issued,
      ...saTokens,
      ...keyLines,
    ];

    const backendAnswers: string[] = [];
    for (const p of [
      '/api/kpaas/clusters',
      `/api/kpaas/clusters/${CLUSTER}`,
      `/api/kpaas/clusters/${CLUSTER}/status`,
      `/api/kpaas/clusters/${CLUSTER}/timeline`,
    ]) {
      const res = await session.get(p);
      expect({ p, status: res.status }).toEqual({ p, status: 200 });
      backendAnswers.push(res.text);
    }
    // the frontend bundle: index.html and every script it loads
    const bundle: string[] = [];
    const html = await (await fetch(session.app.appUrl)).text();
    bundle.push(html);
    for (const src of html.matchAll(/<script[^>]+src="([^"]+)"/g)) {
      bundle.push(
        await (await fetch(new URL(src[1], session.app.appUrl))).text(),
      );
    }
    expect(bundle.join('').length).toBeGreaterThan(100_000);

    const places: Record<string, string> = {
      'task log': order.log,
      'task events': JSON.stringify(order.events),
      'task outputs': JSON.stringify(
        [
          'fetch',
          'provision',
          'bootstrap',
          'addons',
          'publish-gitea',
          'register',
        ].map(order.output),
      ),
      'task spec': JSON.stringify(
        await session.json(`/api/scaffolder/v2/tasks/${order.taskId}`),
      ),
      'published repository (all commits)': await gitea.allCommittedText(
        ORG,
        REPO,
      ),
      'kpaas-backend answers': backendAnswers.join('\n'),
      'backend log': session.app.output(),
      'frontend bundle': bundle.join('\n'),
    };
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secretsToFind) {
        if (text.includes(secret))
          leaks.push(`${where}: ${secret.slice(0, 12)}…`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it(`refuses ${INVALID_ORDERS.length} invalid orders naming the field, before any SSH connection or registry write`, async () => {
    expect(orderValues).toBeDefined();
    const activityBefore = nodeActivity();
    const clustersBefore = await session.json('/api/kpaas/clusters');
    const problems: string[] = [];
    for (const invalid of INVALID_ORDERS) {
      const values = applyMutation(orderValues, invalid);
      const taskSecrets = { ...secrets(), ...(invalid.secrets ?? {}) };
      for (const k of Object.keys(taskSecrets)) {
        if ((taskSecrets as any)[k] === undefined)
          delete (taskSecrets as any)[k];
      }
      const res = await session.post('/api/scaffolder/v2/tasks', {
        templateRef: 'template:default/kpaas-cluster',
        values,
        secrets: taskSecrets,
      });
      let message: string;
      if (res.status === 400) {
        message = res.text; // the scaffolder's schema check: no task at all
      } else if (res.status === 201 && invalid.at === 'cluster-repo') {
        // rules beyond JSON Schema: kpaas:cluster-repo refuses before any side effect
        const result = await session.waitForTask(
          JSON.parse(res.text).id,
          `invalid-${invalid.field}`,
        );
        if (
          result.status !== 'failed' ||
          result.stepStatus('cluster-repo') !== 'failed' ||
          result.stepStatus('provision') !== 'skipped'
        ) {
          problems.push(
            `${invalid.name}: task ${
              result.status
            }, cluster-repo ${result.stepStatus(
              'cluster-repo',
            )}, provision ${result.stepStatus('provision')}`,
          );
          continue;
        }
        message = result.stepError('cluster-repo');
      } else {
        problems.push(
          `${invalid.name}: HTTP ${res.status} ${res.text.slice(0, 200)}`,
        );
        continue;
      }
      if (!invalid.expect.test(message)) {
        problems.push(
          `${invalid.name}: message does not name ${
            invalid.field
          }: ${message.slice(0, 400)}`,
        );
      }
    }
    expect(problems).toEqual([]);
    expect(INVALID_ORDERS.length).toBeGreaterThanOrEqual(30);
    // nothing was started: no SSH connection or command on any node, no cluster registered
    expect(nodeActivity()).toBe(activityBefore);
    const names = (list: any) =>
      list.items.map((c: { name: string }) => c.name).sort();
    expect(names(await session.json('/api/kpaas/clusters'))).toEqual(
      names(clustersBefore),
    );
  });

  it('refuses a second order for the same cluster name, and kpaas-cluster-apply repairs it from its repository without redoing finished work', async () => {
    const t0 = Date.now();
    const kubeadmCalls = () =>
      rig.nodes.flatMap(n =>
        rig.rig
          .calls(n.name)
          .filter(
            c => c.cmd === 'kubeadm' && ['init', 'join'].includes(c.args[0]),
          ),
      );
    const helmUpgrades = async () =>
      (await rig.helmCalls(`${CLUSTER}-cp-1`)).filter(
        c => c.phase === 'start' && c.args[0] === 'upgrade',
      );
    const kubeadmBefore = kubeadmCalls().length;
    const helmBefore = (await helmUpgrades()).length;
    const activityBefore = nodeActivity();

    // the same order again (another repository name, so only the cluster name clashes)
    const again = await session.post('/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/kpaas-cluster',
      values: {
        ...orderValues,
        repoUrl: `${gitea.host}?owner=${ORG}&repo=${REPO}-again`,
      },
      secrets: secrets(),
    });
    expect(again.status).toBe(201);
    const refused = await session.waitForTask(
      JSON.parse(again.text).id,
      'cluster-order-again',
    );
    expect(refused.status).toBe('failed');
    expect(refused.stepError('provision')).toMatch(
      new RegExp(
        `cluster "${CLUSTER}" already exists in kpaas .*choose another cluster name.*kpaas-cluster-apply`,
      ),
    );
    for (const id of ['bootstrap', 'addons', 'publish-gitea', 'register']) {
      expect(refused.stepStatus(id)).not.toBe('completed');
    }
    expect(nodeActivity()).toBe(activityBefore);

    // repair: kpaas-cluster-apply on the published repository
    const repair = await session.post('/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/kpaas-cluster-apply',
      values: {
        repoUrl: `${gitea.host}?owner=${ORG}&repo=${REPO}`,
        branch: 'main',
        path: '.',
        sshUser: 'root',
      },
      secrets: secrets(),
    });
    expect(repair.status).toBe(201);
    const repaired = await session.waitForTask(
      JSON.parse(repair.text).id,
      'cluster-repair',
    );
    expect({
      status: repaired.status,
      log: repaired.log.slice(-4000),
    }).toMatchObject({ status: 'completed' });
    for (const id of [
      'fetch',
      'provision',
      'bootstrap',
      'addons',
      'register',
    ]) {
      expect({ id, status: repaired.stepStatus(id) }).toEqual({
        id,
        status: 'completed',
      });
    }
    expect(repaired.log).toMatch(
      /every node has already joined; nothing to do/,
    );

    // on failure, the add-ons step's own words say why an add-on was not current
    expect({
      addons: repaired
        .output('addons')
        .addons.map((a: { id: string; status: string }) => [a.id, a.status])
        .sort(),
      log: repaired.log
        .split('\n')
        .filter(line => line.includes('[addons]'))
        .slice(-60),
    }).toMatchObject({
      addons: orderedAddons.map(id => [id, 'current']).sort(),
    });
    // nothing redone: no kubeadm init/join, no helm upgrade
    expect(kubeadmCalls()).toHaveLength(kubeadmBefore);
    expect(await helmUpgrades()).toHaveLength(helmBefore);
    timings.rerunAndRepair = Date.now() - t0;
  });

  it('with reviewFirst on, stops after the plan and shows the review pull request body (plan, resource totals) in the dry-run output', async () => {
    const templateFile = templates.files[0];
    const templateDir = path.dirname(templateFile);
    const directoryContents: Array<{ path: string; base64Content: string }> =
      [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else
          directoryContents.push({
            path: path.relative(templateDir, p),
            base64Content: fs.readFileSync(p).toString('base64'),
          });
      }
    };
    walk(templateDir);
    const res = await session.post('/api/scaffolder/v2/dry-run', {
      template: YAML.parse(fs.readFileSync(templateFile, 'utf8')),
      values: {
        ...orderValues,
        name: 'e2e-review',
        environment: 'dev',
        reviewFirst: true,
      },
      secrets: secrets(),
      directoryContents,
    });
    expect({ status: res.status, body: res.text.slice(0, 2000) }).toMatchObject(
      { status: 200 },
    );
    const body = JSON.parse(res.text);
    const logText = body.log.map((l: any) => l.body?.message ?? '').join('\n');
    // the plan ran (dry run), then the review pull request; nothing was built
    expect(logText).toContain('Running kpaas:provision in dry-run mode');
    expect(logText).toContain('Performing dry run of creating pull request');
    expect(logText).not.toMatch(/Running kpaas:(bootstrap|addons)/);
    // the pull request's description is the template's summary, which is also the run's output
    const prInput = logText.match(
      /Running publish:github:pull-request in dry-run mode with inputs \(secrets redacted\): (\{[\s\S]*?\n\})/,
    );
    expect(JSON.parse(prInput![1])).toMatchObject({
      branchName: 'kpaas/cluster-e2e-review',
      targetPath: 'clusters/e2e-review',
    });
    const prBody: string = body.output.text[0].content;
    expect(prBody).toContain('## Cluster `e2e-review` (dev) on existing');
    // kpaas:cluster-repo's summary: the machines of cluster.yaml and the endpoints
    expect(prBody).toMatch(/\| e2e-lab-cp-1 \| control-plane \| [\d.]+ \|/);
    expect(prBody).toMatch(
      /\*\*API server:\*\* https:\/\/[\d.]+:6443 \(vip\); \*\*ingress:\*\* [\d.]+\./,
    );
    expect(prBody).toMatch(/\| control-plane \| 3 \| existing \|/);
    expect(prBody).toMatch(/\| worker \| 3 \| existing \|/);
    expect(prBody).toMatch(/\| lb \| 2 \| existing \|/);
    expect(prBody).toContain('**Total:** 8 machines');
    for (const value of Object.values(CANARIES))
      expect(res.text).not.toContain(value);
    expect(body.output.links.map((l: any) => l.title)).toEqual([
      'Review pull request',
    ]);
    expect(await session.get('/api/kpaas/clusters/e2e-review')).toMatchObject({
      status: 404,
    });
  });
});
