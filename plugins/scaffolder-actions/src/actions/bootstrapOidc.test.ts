import yaml from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import {
  BootstrapHarness,
  startBootstrapHarness,
  runBootstrapAction as runAction,
} from './__testUtils__/bootstrapHarness';

jest.setTimeout(180_000);

/*
 * OIDC on the API server at bootstrap (spec.access, derived in kpaas-common): kubeadm's
 * ClusterConfiguration carries the flags and the issuer CA lands on every control plane. The
 * cluster's Keycloak does not exist yet at bootstrap (kpaas:addons installs it later): the run
 * must not need it.
 */

const NODES = [
  { name: 'demo-cp-1', role: 'control-plane' as const },
  { name: 'demo-cp-2', role: 'control-plane' as const },
  { name: 'demo-cp-3', role: 'control-plane' as const },
  { name: 'demo-worker-1', role: 'worker' as const },
];
const CA = `-----BEGIN CERTIFICATE-----\n${'MIIBkTCB+wIJAKpaasOidcCA'.repeat(
  3,
)}\n-----END CERTIFICATE-----\n`;
const INIT_CONFIG = '/var/lib/kpaas-standins/kubeadm-init-config.yaml';

describe('kpaas:bootstrap with OIDC (Keycloak add-on, issuer not running)', () => {
  let h: BootstrapHarness;
  beforeAll(async () => {
    h = await startBootstrapHarness(NODES, {
      KPAAS_STANDIN_KUBEADM_JOIN_SECONDS: '0.2',
    });
    const spec = yaml.parse(h.clusterYaml());
    spec.spec.addons = [{ id: 'keycloak' }];
    spec.spec.access = {
      ...spec.spec.access,
      oidc: { caPem: CA },
      groups: [{ group: 'group:default/dev-team', clusterRole: 'view' }],
    };
    fs.writeFileSync(
      path.join(h.workspace, 'cluster.yaml'),
      yaml.stringify(spec),
    );
  });
  afterAll(() => h?.stop());

  it('gives kube-apiserver the OIDC flags through kubeadm and the issuer CA on every control plane, without contacting Keycloak', async () => {
    const { run, lines } = runAction(h);
    await run();

    const docs = yaml
      .parseAllDocuments(await h.rig.readNodeFile('demo-cp-1', INIT_CONFIG))
      .map(d => d.toJS());
    const cluster = docs.find(d => d.kind === 'ClusterConfiguration');
    expect(cluster.apiServer.extraArgs).toEqual([
      {
        name: 'oidc-issuer-url',
        value: 'https://keycloak.kpaas.example.com/realms/demo',
      },
      { name: 'oidc-client-id', value: 'kubernetes' },
      { name: 'oidc-username-claim', value: 'preferred_username' },
      { name: 'oidc-username-prefix', value: 'oidc:' },
      { name: 'oidc-groups-claim', value: 'groups' },
      { name: 'oidc-groups-prefix', value: 'oidc:' },
      { name: 'oidc-ca-file', value: '/etc/kubernetes/pki/oidc-ca.crt' },
    ]);

    for (const cp of ['demo-cp-1', 'demo-cp-2', 'demo-cp-3']) {
      expect(
        await h.rig.readNodeFile(cp, '/etc/kubernetes/pki/oidc-ca.crt'),
      ).toBe(CA);
    }
    await expect(
      h.rig.readNodeFile('demo-worker-1', '/etc/kubernetes/pki/oidc-ca.crt'),
    ).rejects.toThrow();

    // Keycloak is not installed (its host does not even resolve): nothing asked for it
    for (const n of NODES) {
      const asked = h.rig
        .calls(n.name)
        .filter(c => c.args.some(a => a.includes('keycloak')));
      expect(asked).toEqual([]);
    }
    expect(lines.join('\n')).not.toMatch(/keycloak\.kpaas\.example\.com/);
  });
});
