/*
 * Orders a Multipass cluster through the real UI flow of the running app: Chromium fills the
 * kpaas-cluster template with target multipass (sandbox, so no review first), and the scaffolder
 * runs fetch:template → kpaas:provision (mode apply) → kpaas:bootstrap → kpaas:addons →
 * publish:github.
 *
 * kpaas:provision runs the terraform stand-in (first on the Backstage process's PATH). The
 * stand-in keeps its state in the running kpaas-backend through the http backend, with the
 * per-run credential kpaas:provision issued. Its `terraform output -json` follows the Multipass
 * module's output contract (templates/kpaas-cluster/targets/multipass/terraform/multipass/outputs.tf):
 * the "VMs" are the SSH rig's nodes. kpaas:bootstrap takes the inventory as the template passes
 * it, with no hand edits, and trusts the new machines' host keys on first use. The API endpoint
 * is type host (Multipass has no load balancer): the API stand-in comes up on the first control
 * plane's address when kubeadm init runs there.
 *
 * publish:github is the one step that cannot succeed on this machine (no GitHub, no network):
 * the test expects it to fail reaching GitHub, after everything before it completed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  readTerraformCalls,
  terraformStandInEnv,
  TerraformFixture,
  writeTerraformFixture,
} from '@internal/kpaas-testkit';
import { rigSkipReason, OrderSession, startOrderSession } from './orderHarness';
import { ClusterRig, startClusterRig } from './clusterRig';
import { fillClusterOrder } from './clusterOrderForm';
import { E2E_SLOT_WAIT_MS } from './e2eSlot';

// the app may first wait for the e2e slot (see e2eSlot.ts)
jest.setTimeout(E2E_SLOT_WAIT_MS + 600_000);

const CLUSTER = 'e2e-mp';

const skipReason = rigSkipReason();
const describeIfRig = skipReason ? describe.skip : describe;

/**
 * What `terraform apply` of the Multipass module creates and outputs, with the rig's nodes as
 * the VMs Multipass DHCP addressed: the resources of main.tf and the outputs of outputs.tf.
 */
function multipassFixture(rig: ClusterRig): TerraformFixture {
  return {
    providers: {
      'hashicorp/null': '3.2.4',
      'hashicorp/local': '2.5.3',
      'hashicorp/external': '2.3.5',
    },
    resources: [
      {
        address: 'local_file.cloud_init',
        attributes: { filename: 'generated/cloud-init.yaml' },
      },
      ...rig.nodes.map(n => ({
        address: `null_resource.vm["${n.name}"]`,
        attributes: { triggers: { name: n.name, image: '24.04' } },
      })),
    ],
    outputs: {
      nodes: {
        value: rig.nodes.map(n => ({
          name: n.name,
          role: n.role,
          private_ip: n.address,
          public_ip: null,
          ssh_port: n.port,
        })),
      },
      api_lb_vip: { value: null },
      api_lb_public_ip: { value: null },
      api_server_url: { value: `https://${rig.nodes[0].address}:6443` },
      ingress_ip: { value: rig.ingressIp },
    },
    // kpaas:provision derives it from the task's SSH private key (variables.tf has no default)
    requiredEnv: ['TF_VAR_ssh_public_key'],
  };
}

describeIfRig(
  `ordering a Multipass cluster in the running app${skipReason}`,
  () => {
    let rig: ClusterRig;
    let session: OrderSession;
    let tfDir: string;

    beforeAll(async () => {
      rig = await startClusterRig(CLUSTER, {
        apiEndpoint: 'first-control-plane',
      });
      tfDir = fs.mkdtempSync(
        path.join(process.env.TMPDIR ?? os.tmpdir(), 'kpaas-e2e-tf-'),
      );
      const fixturePath = writeTerraformFixture(
        path.join(tfDir, 'fixture.json'),
        multipassFixture(rig),
      );
      session = await startOrderSession({
        env: {
          // `terraform` is the stand-in, driven by the Multipass fixture
          PATH: terraformStandInEnv().PATH!,
          KPAAS_TF_FIXTURE: fixturePath,
          KPAAS_TF_CALLS: path.join(tfDir, 'calls.jsonl'),
        },
        // terraform's environment is allow-listed: the stand-in's fixture and call log are extras
        extraConfig: {
          kpaas: {
            actions: {
              environment: {
                passthrough: ['KPAAS_TF_FIXTURE', 'KPAAS_TF_CALLS'],
              },
            },
          },
        },
      });
    });

    afterAll(async () => {
      await session?.stop();
      await rig?.stop();
      if (tfDir) fs.rmSync(tfDir, { recursive: true, force: true });
    });

    it('provisions with Terraform (apply, state in kpaas-backend), bootstraps the VMs it output and installs add-ons; only publish:github fails', async () => {
      const started = Date.now();
      // ---- the order, through every page of the form
      await session.page.goto(
        `${session.app.appUrl}/create/templates/default/kpaas-cluster`,
      );
      await fillClusterOrder(
        session.page,
        {
          name: CLUSTER,
          owner: 'platform-team',
          description: 'e2e: Multipass cluster ordered through the UI',
          environment: 'sandbox', // reviewFirst defaults off: built right away
          target: 'multipass',
          hosts: [],
          controlPlaneCount: 1,
          workerCount: 2,
          nodeCidr: rig.nodeCidr,
          metallbRange: rig.metallbRange,
          ingressIp: rig.ingressIp,
          domain: 'mp.kpaas.test',
          // Multipass has no load balancer: the API is the first control-plane VM
          apiEndpointType: 'host',
          addonTitles: [
            'MetalLB',
            // selected explicitly: it is retired upstream and no longer the default (the picker
            // marks it retired; Envoy Gateway, the default, is unticked first)
            'Ingress NGINX',
            'Prometheus & Grafana (kube-prometheus-stack)',
          ],
          sshUser: 'root',
          sshPrivateKey: rig.rig.privateKey,
          repoOwner: 'platform-team',
          repoName: `${CLUSTER}-cluster`,
        },
        'cluster-order-multipass',
      );
      const result = await session.createAndWait('cluster-order-multipass');
      const { taskId, log, stepStatus } = result;
      const task = { status: result.status };
      const context = `task ${taskId} log:\n${log.slice(-6000)}`;
      expect({ status: task.status, context }).toMatchObject({
        status: 'failed',
      });
      for (const id of [
        'fetch',
        'fetch-multipass',
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
      for (const id of [
        'plan',
        'review-pr',
        'fetch-kakao-cloud',
        'fetch-vagrant',
      ])
        expect(stepStatus(id)).toBe('skipped');
      // the one step that cannot succeed here: there is no GitHub (nor any network) on this machine
      expect(stepStatus('publish')).toBe('failed');
      const publishError = result.stepError('publish');
      expect(publishError).toMatch(
        /(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH)\b.*api\.github\.com/,
      );
      expect(stepStatus('register')).toBe('skipped');

      // ---- Terraform ran in apply mode, from the app, against the kpaas-backend state
      const calls = readTerraformCalls(path.join(tfDir, 'calls.jsonl'));
      const subcommands = calls.map(c => c.subcommand);
      expect(subcommands).toEqual(
        expect.arrayContaining(['init', 'plan', 'apply', 'output']),
      );
      expect(subcommands.indexOf('apply')).toBeGreaterThan(
        subcommands.indexOf('plan'),
      );
      for (const apply of calls.filter(c => c.subcommand === 'apply')) {
        expect(apply.chdir ?? apply.cwd).toMatch(/terraform\/multipass$/);
        expect(apply.tfVarNames).toContain('TF_VAR_ssh_public_key');
        expect(apply.tfEnvNames).toEqual(
          expect.arrayContaining([
            'TF_HTTP_ADDRESS',
            'TF_HTTP_LOCK_ADDRESS',
            'TF_HTTP_UNLOCK_ADDRESS',
            'TF_HTTP_USERNAME',
            'TF_HTTP_PASSWORD',
          ]),
        );
      }
      expect(log).toMatch(/==> \[apply\]/);

      // the state the stand-in wrote lives in kpaas-backend; the lock was released
      const versions = await session.json(
        `/api/kpaas/clusters/${CLUSTER}/terraform/state/versions`,
      );
      expect(versions.items.length).toBeGreaterThanOrEqual(1);
      expect(versions.items[0].resources).toBe(rig.nodes.length + 1);
      expect(versions.lock).toBeUndefined();

      // ---- step outputs, as the scaffolder recorded them
      const out = result.output;

      // kpaas:provision (multipass, apply): the plan created the VMs; the inventory is the
      // Terraform output, i.e. the rig's nodes
      expect(out('provision').target).toBe('multipass');
      expect(out('provision').planSummary).toMatchObject({
        add: rig.nodes.length + 1,
        change: 0,
        destroy: 0,
      });
      expect(out('provision').planSummary.add).toBeGreaterThan(0);
      const inventory = rig.nodes.map(n => ({
        name: n.name,
        role: n.role,
        address: n.address,
        privateAddress: n.address,
        port: n.port,
      }));
      expect(out('provision').inventory).toEqual(inventory);
      const apiServerUrl = `https://${rig.nodes[0].address}:6443`;
      expect(out('provision').endpoints).toMatchObject({
        apiServerUrl,
        ingressAddress: rig.ingressIp,
      });

      // kpaas:bootstrap took that inventory as is: the same nodes, Ready behind the first control
      // plane; the new machines' host keys trusted on first use are the rig's keys
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
        rig.nodes.map(n => ({
          name: n.name,
          fingerprint: n.hostKeyFingerprint,
        })),
      );
      expect(log).toMatch(/trust/i);
      for (const n of rig.nodes) {
        const sshCalls = rig.rig.calls(n.name);
        const kinds = sshCalls.map(c => `${c.cmd} ${c.args[0] ?? ''}`);
        expect(kinds).toContain(
          n.role === 'control-plane' ? 'kubeadm init' : 'kubeadm join',
        );
      }
      // workers joined the API on the first control plane
      const joins = rig.nodes
        .filter(n => n.role === 'worker')
        .flatMap(n => rig.rig.calls(n.name))
        .filter(c => c.cmd === 'kubeadm' && c.args[0] === 'join');
      expect(joins.length).toBe(2);
      for (const j of joins) expect(j.args.join(' ')).not.toMatch(/\.200:6443/);

      // kpaas:addons: the chosen add-ons (dependencies included) installed on the API of the VMs
      expect(out('addons').addons).toEqual(
        expect.arrayContaining(
          ['metallb', 'ingress-nginx', 'kube-prometheus-stack'].map(id =>
            expect.objectContaining({ id, status: 'installed' }),
          ),
        ),
      );
      expect(out('addons').addons).toHaveLength(3);
      expect(out('addons').endpoints).toEqual([
        { host: 'grafana.mp.kpaas.test', address: rig.ingressIp },
      ]);
      const helm = await rig.helmCalls(rig.nodes[0].name);
      const installs = helm.filter(
        c => c.phase === 'start' && c.args[0] === 'upgrade',
      );
      // calico: the CNI kpaas:bootstrap installs; the rest: the add-ons of the order
      expect(installs.map(c => c.release).sort()).toEqual([
        'calico',
        'ingress-nginx',
        'kube-prometheus-stack',
        'metallb',
      ]);

      // ---- the cluster in kpaas-backend: registered behind the first control plane, status read
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
      expect(rig.api.countRequests()).toBeGreaterThan(0);

      const timeline = await session.json(
        `/api/kpaas/clusters/${CLUSTER}/timeline`,
      );
      const provisionSteps = timeline.items
        .filter((e: { phase: string }) => e.phase === 'provision')
        .map((e: { step?: string }) => e.step);
      expect(provisionSteps).toEqual(expect.arrayContaining(['apply']));

      // ---- no secret in the task log: neither the key nor any line of its body
      const keyLines = rig.rig.privateKey
        .split('\n')
        .filter(l => l && !l.startsWith('-----'));
      expect(keyLines.length).toBeGreaterThan(2);
      for (const line of keyLines) expect(log).not.toContain(line);

      // eslint-disable-next-line no-console
      console.log(
        `multipass cluster order: form + task in ${Math.round(
          (Date.now() - started) / 1000,
        )} s`,
      );
    });
  },
);
