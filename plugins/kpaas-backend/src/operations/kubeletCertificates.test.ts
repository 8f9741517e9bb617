import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  KUBECTL,
  kpaasHaFixture,
  kubectlAvailable,
  KubeApiStandIn,
  startKubeApiStandIn,
} from '@internal/kpaas-testkit';
import {
  KUBELET_CERT_NAMESPACE,
  renderKubeletCertCollector,
} from '@internal/plugin-kpaas-common';
import { ClusterNetworks } from '../network/ClusterNetworks';
import { KubeClusterClient } from '../status/KubeClusterClient';
import {
  kubeletCertificateExpiries,
  leafNotAfter,
  readKubeletCertificates,
} from './kubeletCertificates';

const now = new Date();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-kubelet-certs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real certificate valid for `days` (openssl), as kubelet.crt or the client .pem holds it. */
function certificate(days: number, cn: string): { cert: string; key: string } {
  const base = path.join(dir, `${cn}-${days}`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.crt`,
      '-days',
      String(days),
      '-subj',
      `/CN=${cn}`,
    ],
    { stdio: 'pipe' },
  );
  return {
    cert: fs.readFileSync(`${base}.crt`, 'utf8'),
    key: fs.readFileSync(`${base}.key`, 'utf8'),
  };
}
const day = (notAfter: Date | undefined) =>
  Math.round((notAfter!.getTime() - now.getTime()) / 86_400_000);

const record = (node: string, client: number, serving: number) => ({
  node,
  collectedAt: now.toISOString(),
  'client.pem': certificate(client, `system:node:${node}`).cert,
  'serving.pem': certificate(serving, `${node}@1700000000`).cert,
});

describe('kubelet certificate expiry', () => {
  it('lists every certificate inside 30 days, the soonest other one of each kind, and the gaps', () => {
    const { items, unavailable } = kubeletCertificateExpiries(
      [
        record('cp-1', 5, 300),
        record('w-1', 20, 200),
        record('w-2', 300, 400),
        { node: 'w-3', collectedAt: '2020-01-01T00:00:00Z' },
      ],
      ['cp-1', 'w-1', 'w-2', 'w-3', 'w-4'],
      now,
    );
    expect(items.map(i => [i.name, i.state, i.source])).toEqual([
      ['kubelet client certificate (cp-1)', 'critical', 'kubelet-collector'],
      ['kubelet client certificate (w-1)', 'warning', 'kubelet-collector'],
      ['kubelet client certificate (w-2)', 'ok', 'kubelet-collector'],
      [
        'kubelet serving certificate (w-1, soonest of 3 nodes)',
        'ok',
        'kubelet-collector',
      ],
    ]);
    expect(items[0].action).toContain('kubectl get csr');
    expect(unavailable).toEqual([
      'kubelet certificates: no record from 1 node(s) (w-4); the DaemonSet kpaas-node-certs/kpaas-kubelet-certs writes one per node (kpaas:addons installs it)',
      "kubelet certificates: the records of 1 node(s) are older than 18 hours (w-3 (2020-01-01T00:00:00Z)); check the DaemonSet's pod on those nodes",
    ]);
  });

  it('reads the leaf of a bundle and refuses what is not a certificate', () => {
    const leaf = certificate(10, 'leaf').cert;
    const ca = certificate(3650, 'ca').cert;
    expect(day(leafNotAfter(`${leaf}${ca}`))).toBe(10);
    expect(
      leafNotAfter(
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
      ),
    ).toBeUndefined();
    expect(leafNotAfter(undefined)).toBeUndefined();
  });
});

const describeWithKubectl = kubectlAvailable() ? describe : describe.skip;

describeWithKubectl(
  'the collector DaemonSet’s script with the real kubectl',
  () => {
    let standIn: KubeApiStandIn;
    let collector: ChildProcess | undefined;
    beforeAll(async () => {
      standIn = await startKubeApiStandIn({
        fixture: kpaasHaFixture({ addons: false }),
      });
    });
    afterAll(async () => {
      collector?.kill('SIGKILL');
      await standIn.close();
    });

    it('records only the certificates of the node’s pki, and kpaas-backend reads their dates', async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromString(standIn.kubeconfigYaml());
      const manifests = renderKubeletCertCollector({
        kubernetesVersion: 'v1.35.1',
      });
      await kc.makeApiClient(k8s.CoreV1Api).createNamespace({
        body: manifests.find(m => m.kind === 'Namespace') as k8s.V1Namespace,
      });
      // the node's /var/lib/kubelet/pki: the client file holds certificate AND key
      const pki = path.join(dir, 'pki');
      fs.mkdirSync(pki);
      const client = certificate(12, 'system:node:demo-w-1');
      const serving = certificate(365, 'demo-w-1@1700000000');
      const ca = certificate(3650, 'demo-w-1-ca@1700000000');
      fs.writeFileSync(
        path.join(pki, 'kubelet-client-current.pem'),
        `${client.cert}${client.key}`,
      );
      fs.writeFileSync(
        path.join(pki, 'kubelet.crt'),
        `${serving.cert}${ca.cert}`,
      );
      fs.writeFileSync(path.join(pki, 'kubelet.key'), serving.key);
      const kubeconfig = await standIn.writeKubeconfig(
        path.join(dir, 'kubeconfig'),
      );
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(KUBECTL, path.join(bin, 'kubectl'));

      const daemonSet = manifests.find(m => m.kind === 'DaemonSet') as any;
      const container = daemonSet.spec.template.spec.containers[0];
      expect(container.volumeMounts).toEqual([
        { name: 'pki', mountPath: '/pki', readOnly: true },
      ]);
      const script = (container.command[2] as string).replaceAll(
        '/pki/',
        `${pki}/`,
      );
      collector = spawn('bash', ['-c', script], {
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          KUBECONFIG: kubeconfig,
          NODE_NAME: 'demo-w-1',
          HOME: dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      collector.stdout!.on('data', d => (output += d));
      collector.stderr!.on('data', d => (output += d));

      const core = kc.makeApiClient(k8s.CoreV1Api);
      const deadline = Date.now() + 60_000;
      let cm: k8s.V1ConfigMap | undefined;
      while (!cm) {
        cm = await core
          .readNamespacedConfigMap({
            namespace: KUBELET_CERT_NAMESPACE,
            name: 'kubelet-certs-demo-w-1',
          })
          .catch(() => undefined);
        if (!cm) {
          if (Date.now() > deadline || collector.exitCode !== null)
            throw new Error(`no record from the collector:\n${output}`);
          await new Promise(r => setTimeout(r, 200));
        }
      }
      expect(JSON.stringify(cm)).not.toContain('PRIVATE KEY');
      expect(cm.metadata?.labels?.['app.kubernetes.io/name']).toBe(
        'kpaas-kubelet-certs',
      );
      expect(Object.keys(cm.data ?? {}).sort()).toEqual([
        'client.pem',
        'collectedAt',
        'node',
        'serving.pem',
      ]);

      const read = await readKubeletCertificates(
        new KubeClusterClient(
          {
            name: 'demo',
            apiServerUrl: standIn.url,
            caData: standIn.caPem,
            token: standIn.adminToken,
          },
          {
            requestTimeoutMs: 5000,
            networks: new ClusterNetworks(['127.0.0.0/8']),
          },
        ),
        ['demo-w-1'],
        now,
      );
      expect(
        read.items.map(i => [i.name, i.state, day(new Date(i.notAfter))]),
      ).toEqual([
        ['kubelet client certificate (demo-w-1)', 'warning', 12],
        ['kubelet serving certificate (demo-w-1)', 'ok', 365],
      ]);
      expect(read.unavailable).toEqual([]);
    });
  },
);
