import fs from 'node:fs';
import path from 'node:path';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KubeApiStandIn, startKubeApiStandIn } from '@internal/kpaas-testkit';
import * as k8s from '@kubernetes/client-node';
import { etcdctl } from '../etcd/etcdctl';
import {
  captureLogger,
  ETCD_RIG_REPO_URL,
  EtcdRig,
  mockServices,
  startEtcdRig,
} from '../etcd/__testUtils__/etcdRig';
import { shellQuote } from '../ssh';
import { createEtcdRestoreAction } from './etcdRestore';
import { createEtcdSnapshotAction } from './etcdSnapshot';

jest.setTimeout(180_000);

describe('kpaas:etcd-snapshot then kpaas:etcd-restore on the rig', () => {
  let h: EtcdRig;
  let api: KubeApiStandIn;
  beforeAll(async () => {
    h = await startEtcdRig(3);
    api = await startKubeApiStandIn();
    // admin.conf on the control planes names the API (the stand-in)
    for (const node of h.nodes) {
      await h.sh(
        node,
        `mkdir -p /etc/kubernetes && printf '%s' ${shellQuote(
          api.kubeconfigYaml(),
        )} > /etc/kubernetes/admin.conf`,
      );
    }
  });
  afterAll(async () => {
    await api?.close();
    await h?.stop();
  });

  function context(input: Record<string, unknown>) {
    const { logger, lines } = captureLogger();
    const ctx = createMockActionContext({
      input: {
        repoPath: '.',
        repoUrl: ETCD_RIG_REPO_URL,
        sshUser: 'root',
        ...input,
      } as any,
      workspacePath: h.workspace,
      secrets: { sshPrivateKey: h.rig.privateKey },
      logger,
    } as any);
    return { ctx, lines };
  }
  const services = () => ({
    discovery: h.backend.discovery as any,
    auth: h.backend.auth,
    permissions: mockServices.permissions(),
  });
  const outputs = (ctx: any) =>
    Object.fromEntries((ctx.output as jest.Mock).mock.calls);

  it('refuses without the cluster name typed again, before connecting anywhere', async () => {
    const { ctx } = context({
      snapshotNode: 'demo-cp-1',
      snapshotPath: '/x.db',
      confirm: 'yes',
    });
    await expect(
      createEtcdRestoreAction(services()).handler(ctx as any),
    ).rejects.toThrow(/confirm: type the cluster name "demo"/);
    expect(h.rig.calls('demo-cp-1').filter(c => c.cmd === 'etcdctl')).toEqual(
      [],
    );
  });

  it('restores the snapshot the snapshot action took, on all three control planes', async () => {
    const snap = context({ node: 'demo-cp-1' });
    await createEtcdSnapshotAction(services()).handler(snap.ctx as any);
    const { node, path } = outputs(snap.ctx);

    const { ctx } = context({
      snapshotNode: node,
      snapshotPath: path,
      confirm: 'demo',
      waitSeconds: 20,
    });
    await createEtcdRestoreAction(services()).handler(ctx as any);
    const out = outputs(ctx);
    expect(out.previousDataDir).toMatch(
      /^\/var\/lib\/etcd\.kpaas-before-\d{8}T\d{6}Z$/,
    );
    expect(out.steps.at(-1)).toEqual({ step: 'api ready', node: 'demo' });
    expect(
      out.steps
        .filter((s: any) => s.step === 'etcdutl snapshot restore')
        .map((s: any) => s.node),
    ).toEqual(h.nodes);
    // the API the check reached is the one admin.conf names
    expect(api.requestLog.entries.some(r => r.path === '/version')).toBe(true);
    for (const n of h.nodes) {
      expect(await h.sh(n, 'cat /var/lib/etcd/member/snap/db')).toContain(
        'kpaas-etcd-snapshot v1',
      );
    }
    expect(
      h.backend.requests.filter(
        r => r === 'POST /api/kpaas/clusters/demo/timeline',
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });

  describe('with spec.backup: upload to and restore from the S3 target', () => {
    let original: string;
    /** The bucket: object key -> content (the test plays mc and S3). */
    const bucket = new Map<string, Buffer>();
    let stopController: (() => void) | undefined;
    const jobs: k8s.V1Job[] = [];

    beforeAll(async () => {
      const file = path.join(h.workspace, 'cluster.yaml');
      original = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(
        file,
        `${original}  backup:\n    target: {endpoint: "http://minio.minio:9000", bucket: etcd, credentialsSecret: etcd-backup-s3}\n`,
      );
      // The Job controller, kubelet and mc of the transfer Jobs (the API stand-in runs no
      // pods): each Job's steps are done on its node over SSH, then the Job is Complete.
      const kc = new k8s.KubeConfig();
      kc.loadFromString(api.kubeconfigYaml());
      const batch = kc.makeApiClient(k8s.BatchV1Api);
      await kc
        .makeApiClient(k8s.CoreV1Api)
        .createNamespace({ body: { metadata: { name: 'kube-system' } } })
        .catch(() => undefined);
      const done = new Set<string>();
      let running = true;
      const tick = async () => {
        const list = await batch.listNamespacedJob({
          namespace: 'kube-system',
          labelSelector: 'app.kubernetes.io/name=kpaas-etcd-snapshot-transfer',
        });
        for (const job of list.items) {
          const name = job.metadata!.name!;
          if (done.has(name)) continue;
          done.add(name);
          jobs.push(job);
          const spec = job.spec!.template.spec!;
          const node = spec.nodeName!;
          const host = (p: string) =>
            p.replace('/snapshots/', '/var/lib/kpaas/etcd-snapshots/');
          for (const c of [
            ...(spec.initContainers ?? []),
            ...spec.containers,
          ]) {
            const cmd = c.command!;
            const cp =
              cmd[0] === 'mc'
                ? cmd.slice(-2)
                : /cp "([^"]+)" "([^"]+)"$/.exec(cmd.join(' '))?.slice(1);
            if (!cp) continue;
            const [from, to] = cp;
            if (to.startsWith('backup/etcd/')) {
              const content = await h.sh(node, `base64 -w0 ${host(from)}`);
              bucket.set(
                to.slice('backup/etcd/'.length),
                Buffer.from(content, 'base64'),
              );
            } else {
              const object = bucket.get(from.slice('backup/etcd/'.length));
              if (!object) continue; // the optional record
              await h.sh(
                node,
                `mkdir -p /var/lib/kpaas/etcd-snapshots && echo ${object.toString(
                  'base64',
                )} | base64 -d > ${host(to)}`,
              );
            }
          }
          await batch.replaceNamespacedJobStatus({
            namespace: 'kube-system',
            name,
            body: {
              ...job,
              status: { conditions: [{ type: 'Complete', status: 'True' }] },
            },
          });
        }
      };
      const loop = async () => {
        while (running) {
          await tick().catch(() => undefined);
          await new Promise(r => setTimeout(r, 100));
        }
      };
      loop();
      stopController = () => {
        running = false;
      };
    });
    afterAll(() => {
      stopController?.();
      fs.writeFileSync(path.join(h.workspace, 'cluster.yaml'), original);
    });

    it('uploads the on-demand snapshot and its record, then restores it from S3 on every member', async () => {
      const keys = async (node: string) =>
        (await h.sh(node, etcdctl('get /registry/ --prefix --keys-only')))
          .split('\n')
          .filter(Boolean);
      const put = (key: string) =>
        Promise.all(h.nodes.map(n => h.sh(n, etcdctl(`put ${key} v`))));
      await put('/registry/configmaps/default/in-s3-snapshot');
      const snap = context({ node: 'demo-cp-2' });
      await createEtcdSnapshotAction(services()).handler(snap.ctx as any);
      const { object, path: file } = outputs(snap.ctx);
      const name = file.split('/').pop();
      expect(object).toBe(`s3://etcd/demo/on-demand/${name}`);
      expect([...bucket.keys()].sort()).toEqual([
        `demo/on-demand/${name}`,
        `demo/on-demand/${name}.kpaas.json`,
      ]);
      expect(jobs[0].spec!.template.spec!.nodeName).toBe('demo-cp-2');
      await put('/registry/configmaps/default/after-upload');
      // gone from the node: the restore must fetch it
      await h.sh('demo-cp-2', `rm -f ${file} ${file}.kpaas.json`);

      const { ctx } = context({
        snapshotObject: object,
        confirm: 'demo',
        waitSeconds: 20,
      });
      await createEtcdRestoreAction(services()).handler(ctx as any);
      // fetched to the first control plane, with its record (so the cluster ID was checked)
      const fetch = jobs.at(-1)!;
      expect(fetch.spec!.template.spec!.nodeName).toBe('demo-cp-1');
      const out = outputs(ctx);
      expect(
        out.steps.slice(0, 5).map((s: any) => `${s.step} ${s.node}`),
      ).toEqual([
        'tools demo-cp-1',
        'tools demo-cp-2',
        'tools demo-cp-3',
        'snapshot record demo-cp-1',
        'verify snapshot demo-cp-1',
      ]);
      expect(out.steps.at(-1)).toEqual({ step: 'api ready', node: 'demo' });
      for (const n of h.nodes)
        expect(await keys(n)).toEqual([
          '/registry/configmaps/default/in-s3-snapshot',
        ]);
    });

    it('refuses an object of another cluster or bucket before connecting anywhere', async () => {
      const before = h.rig.calls('demo-cp-1').length;
      for (const [input, message] of [
        [
          {
            snapshotObject:
              's3://etcd/other/on-demand/other-20261203T090000Z.db',
          },
          'snapshotObject: "s3://etcd/other/on-demand/other-20261203T090000Z.db" is not a snapshot of cluster "demo"; use an object under s3://etcd/demo/ ending in .db',
        ],
        [
          { snapshotObject: 's3://etcd/demo/a.db', snapshotPath: '/a.db' },
          'snapshotObject and snapshotPath: give one of them',
        ],
      ] as const) {
        const { ctx } = context({ ...input, confirm: 'demo' });
        await expect(
          createEtcdRestoreAction(services()).handler(ctx as any),
        ).rejects.toThrow(message);
      }
      expect(h.rig.calls('demo-cp-1').length).toBe(before);
    });
  });
});
