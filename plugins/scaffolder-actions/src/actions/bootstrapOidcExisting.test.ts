import {
  ControlPlaneApiServers,
  startControlPlaneApiServers,
} from '@internal/kpaas-testkit';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import {
  BootstrapHarness,
  startBootstrapHarness,
  runBootstrapAction as runAction,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(300_000);

/*
 * OIDC for a cluster that already runs (the day-2 flow: edit cluster.yaml, run the apply
 * template): kubeadm-init.sh skips an initialised control plane, so kpaas:bootstrap
 * reconfigures the API servers kubeadm's way, one control plane at a time, waiting for each to
 * be ready again, then uploads kubeadm-config once. The control planes' own kube-apiservers
 * (/readyz at node:6443, mirror pods, kubeadm-config) are played by the test kit from the
 * manifests the kubeadm stand-in writes.
 */

const CPS = ['demo-cp-1', 'demo-cp-2', 'demo-cp-3'];
const NODES = [
  ...CPS.map(name => ({ name, role: 'control-plane' as const })),
  { name: 'demo-worker-1', role: 'worker' as const },
];
const CA = `-----BEGIN CERTIFICATE-----\n${'MIIBkTCB+wIJAKpaasOidcCA'.repeat(
  3,
)}\n-----END CERTIFICATE-----\n`;
const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const APISERVER_CONFIG =
  '/var/lib/kpaas-standins/kubeadm-control-plane-apiserver-config.yaml';
const UPLOAD_CONFIG = '/var/lib/kpaas-standins/kubeadm-upload-config.yaml';
const FLAGS = (clientId: string) => [
  {
    name: 'oidc-issuer-url',
    value: 'https://keycloak.kpaas.example.com/realms/demo',
  },
  { name: 'oidc-client-id', value: clientId },
  { name: 'oidc-username-claim', value: 'preferred_username' },
  { name: 'oidc-username-prefix', value: 'oidc:' },
  { name: 'oidc-groups-claim', value: 'groups' },
  { name: 'oidc-groups-prefix', value: 'oidc:' },
  { name: 'oidc-ca-file', value: '/etc/kubernetes/pki/oidc-ca.crt' },
];
const asFlags = (args: Array<{ name: string; value: string }>) =>
  args.map(a => `--${a.name}=${a.value}`);

describe('kpaas:bootstrap turns OIDC on for a cluster that already runs', () => {
  let h: BootstrapHarness;
  let servers: ControlPlaneApiServers;

  /** kubeadm phase calls on the control planes, oldest first: "<node> <phase>". */
  const phaseCalls = () =>
    CPS.flatMap(node =>
      h.rig
        .calls(node)
        .filter(c => c.cmd === 'kubeadm' && c.args[1] === 'phase')
        .filter(c => ['control-plane', 'upload-config'].includes(c.args[2]))
        .map(c => ({
          node,
          ts: c.ts,
          what: `${node} ${c.args[2]} ${c.args[3]}`,
        })),
    ).sort((a, b) => a.ts.localeCompare(b.ts));
  const oidcFlagsOf = async (node: string) => {
    const pod = yaml.parse(await h.rig.readNodeFile(node, MANIFEST));
    return (pod.spec.containers[0].command as string[]).filter(f =>
      f.startsWith('--oidc-'),
    );
  };
  const writeSpec = (oidc?: Record<string, unknown>) => {
    const spec = yaml.parse(h.clusterYaml());
    if (oidc) {
      spec.spec.addons = [{ id: 'keycloak' }];
      spec.spec.access = { ...spec.spec.access, oidc };
    }
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      yaml.stringify(spec),
    );
  };
  const kubeadmConfigFlags = () => {
    const cm = h.api.store.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-system',
      name: 'kubeadm-config',
    } as any) as any;
    return yaml.parse(cm.data.ClusterConfiguration).apiServer.extraArgs ?? [];
  };

  beforeAll(async () => {
    h = await startBootstrapHarness(NODES, {
      KPAAS_STANDIN_KUBEADM_JOIN_SECONDS: '0.2',
    });
    writeSpec();
    await runAction(h).run();
    servers = await startControlPlaneApiServers({
      rig: h.rig,
      api: h.api,
      controlPlanes: CPS,
      // the old kube-apiserver answers ok for a while after its manifest changed
      noticeMs: 800,
    });
  });
  afterAll(async () => {
    await servers?.stop();
    await h?.stop();
  });

  it('starts without OIDC: no flag on any API server', async () => {
    for (const cp of CPS) expect(await oidcFlagsOf(cp)).toEqual([]);
    expect(kubeadmConfigFlags()).toEqual([]);
    expect(phaseCalls()).toEqual([]);
  });

  it('applies the flags cp-1, cp-2, cp-3, each ready again before the next, then uploads kubeadm-config once', async () => {
    writeSpec({ caPem: CA });
    const { run, lines } = runAction(h);
    await run();

    const calls = phaseCalls();
    expect(calls.map(c => c.what)).toEqual([
      'demo-cp-1 control-plane apiserver',
      'demo-cp-2 control-plane apiserver',
      'demo-cp-3 control-plane apiserver',
      'demo-cp-1 upload-config kubeadm',
    ]);
    // each control plane restarted and answered /readyz ok after its change and before the
    // next one's (the old process answering before the kubelet noticed does not count)
    for (let i = 0; i < 3; i++) {
      const changed = Date.parse(calls[i].ts);
      const next = Date.parse(calls[i + 1].ts);
      const restarted = servers.restarts.find(
        r => r.node === CPS[i] && r.at >= changed,
      );
      expect(restarted && restarted.at <= next).toBe(true);
      expect(
        servers.readyzLog.some(
          r =>
            r.node === CPS[i] &&
            r.status === 200 &&
            r.at >= restarted!.at &&
            r.at <= next,
        ),
      ).toBe(true);
    }
    // the config each got: its own advertise address, the cluster's flags
    for (const cp of CPS) {
      const docs = yaml
        .parseAllDocuments(await h.rig.readNodeFile(cp, APISERVER_CONFIG))
        .map(d => d.toJS());
      expect(
        docs.find(d => d.kind === 'InitConfiguration').localAPIEndpoint
          .advertiseAddress,
      ).toBe(h.rig.node(cp).host);
      expect(
        docs.find(d => d.kind === 'ClusterConfiguration').apiServer.extraArgs,
      ).toEqual(FLAGS('kubernetes'));
      expect(await oidcFlagsOf(cp)).toEqual(asFlags(FLAGS('kubernetes')));
      // the CA is in place (before the flags that point at it)
      expect(
        await h.rig.readNodeFile(cp, '/etc/kubernetes/pki/oidc-ca.crt'),
      ).toBe(CA);
    }
    const uploaded = yaml
      .parseAllDocuments(await h.rig.readNodeFile('demo-cp-1', UPLOAD_CONFIG))
      .map(d => d.toJS());
    expect(
      uploaded.find(d => d.kind === 'ClusterConfiguration').apiServer.extraArgs,
    ).toEqual(FLAGS('kubernetes'));
    // nothing was initialised or joined again
    for (const cp of CPS) {
      const again = h.rig
        .calls(cp)
        .filter(
          c =>
            c.cmd === 'kubeadm' &&
            ['init', 'join'].includes(c.args[0]) &&
            c.args[1] !== 'phase',
        );
      expect(again).toHaveLength(1);
    }
    expect(lines.join('\n')).toContain(
      'kube-apiserver OIDC flags applied on demo-cp-1, demo-cp-2, demo-cp-3; kube-system/kubeadm-config updated',
    );
  });

  it('changes nothing on a third run', async () => {
    // the kubelet stand-in stores the uploaded configuration as kubeadm-config
    for (let i = 0; i < 100; i++) {
      if (kubeadmConfigFlags().length) break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(kubeadmConfigFlags()).toEqual(FLAGS('kubernetes'));
    const before = phaseCalls().length;
    const { run, lines } = runAction(h);
    await run();
    expect(phaseCalls()).toHaveLength(before);
    expect(lines.join('\n')).toContain(
      'kube-apiserver OIDC flags unchanged: every control plane runs what spec.access asks for (OIDC on)',
    );
  });

  it('stops the rollout at a control plane that does not come back, naming it, the step and the fix; a re-run resumes', async () => {
    writeSpec({ caPem: CA, clientId: 'kubectl' });
    const before = phaseCalls().length;
    servers.down.add('demo-cp-2');
    const { run } = runAction(h, { nodeReadyTimeoutSeconds: 3 });
    const err = await run().then(
      () => undefined,
      e => e as Error,
    );
    expect(err?.message).toMatch(
      /^demo-cp-2: kube-apiserver did not come back within 3 s after "kubeadm init phase control-plane apiserver" \(last: readyz 500 readyz check failed\)\. The rollout stopped at demo-cp-2: demo-cp-3 not changed, kube-system\/kubeadm-config not updated; demo-cp-1 already run the new flags\. Fix: on demo-cp-2 look at the container \(crictl ps -a --name kube-apiserver; crictl logs <id>\).*put the previous manifest back \(cp \/etc\/kubernetes\/kpaas-backup\/kube-apiserver\.yaml\.\d{8}T\d{6}Z \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml\)\.$/s,
    );
    expect(
      phaseCalls()
        .slice(before)
        .map(c => c.what),
    ).toEqual([
      'demo-cp-1 control-plane apiserver',
      'demo-cp-2 control-plane apiserver',
    ]);
    expect(await oidcFlagsOf('demo-cp-3')).toEqual(
      asFlags(FLAGS('kubernetes')),
    );
    expect(kubeadmConfigFlags()).toEqual(FLAGS('kubernetes'));

    // demo-cp-2 is fixed on the node; the re-run does what is left
    servers.down.delete('demo-cp-2');
    const resumed = phaseCalls().length;
    await runAction(h).run();
    expect(
      phaseCalls()
        .slice(resumed)
        .map(c => c.what),
    ).toEqual([
      'demo-cp-3 control-plane apiserver',
      'demo-cp-1 upload-config kubeadm',
    ]);
    for (const cp of CPS) {
      expect(await oidcFlagsOf(cp)).toEqual(asFlags(FLAGS('kubectl')));
    }
  });
  it('uploads kubeadm-config alone when only it is stale (a run that stopped before the upload)', async () => {
    for (let i = 0; i < 100; i++) {
      if (kubeadmConfigFlags()[1]?.value === 'kubectl') break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(kubeadmConfigFlags()).toEqual(FLAGS('kubectl'));
    // kubeadm-config as the interrupted run left it: the previous flags
    const cm = h.api.store.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-system',
      name: 'kubeadm-config',
    } as any) as any;
    const stale = yaml.parse(cm.data.ClusterConfiguration);
    stale.apiServer.extraArgs = FLAGS('kubernetes');
    h.api.store.update({
      ...cm,
      data: { ClusterConfiguration: yaml.stringify(stale) },
    });
    const before = phaseCalls().length;
    const { run, lines } = runAction(h);
    await run();
    expect(
      phaseCalls()
        .slice(before)
        .map(c => c.what),
    ).toEqual(['demo-cp-1 upload-config kubeadm']);
    expect(lines.join('\n')).toContain(
      'kube-system/kubeadm-config updated (every control plane already ran the OIDC flags)',
    );
    for (let i = 0; i < 100; i++) {
      if (kubeadmConfigFlags()[1]?.value === 'kubectl') break;
      await new Promise(r => setTimeout(r, 50));
    }
    expect(kubeadmConfigFlags()).toEqual(FLAGS('kubectl'));
  });
});
