/*
 * scripts/kubeadm-reconfigure.sh in a sandbox root with the recording stand-ins on PATH: inputs
 * validated before anything is touched, the OIDC CA before the manifest, the previous manifest
 * kept outside the manifests directory, upload-config only where admin.conf is.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPTS = path.resolve(
  __dirname,
  '../../../../templates/kpaas-cluster/skeleton/scripts',
);
const STANDINS = path.resolve(
  __dirname,
  '../../../../packages/testkit/standins',
);
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.12
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.33.5
apiServer:
  extraArgs:
    - name: oidc-client-id
      value: kubernetes
    - name: oidc-ca-file
      value: /etc/kubernetes/pki/oidc-ca.crt
`;

describe('kubeadm-reconfigure.sh', () => {
  let root: string;
  let log: string;
  let config: string;
  const manifest = () =>
    path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml');
  const run = (env: Record<string, string>) =>
    spawnSync('bash', [path.join(SCRIPTS, 'kubeadm-reconfigure.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${STANDINS}/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        KPAAS_ROOT: root,
        KPAAS_STANDIN_ROOT: root,
        KPAAS_STANDINS_LOG: log,
        ...env,
      },
    });
  const kubeadmCalls = () =>
    fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map(l => JSON.parse(l))
          .filter(c => c.cmd === 'kubeadm')
          .map(c => c.args.slice(0, 4).join(' '))
      : [];
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-reconfigure-'));
    log = path.join(root, 'calls.jsonl');
    config = path.join(root, 'kubeadm-reconfigure.yaml');
    fs.writeFileSync(config, CONFIG);
    fs.mkdirSync(path.dirname(manifest()), { recursive: true });
    fs.writeFileSync(manifest(), 'kind: Pod # before\n');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('installs the CA, keeps the previous manifest and regenerates kube-apiserver', () => {
    const r = run({
      PHASE: 'apiserver',
      NODE_NAME: 'demo-cp-2',
      KUBEADM_CONFIG: config,
      OIDC_CA_B64: Buffer.from(CA).toString('base64'),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(
      fs.readFileSync(
        path.join(root, 'etc/kubernetes/pki/oidc-ca.crt'),
        'utf8',
      ),
    ).toBe(CA);
    const backup =
      /^backup=(\/etc\/kubernetes\/kpaas-backup\/kube-apiserver\.yaml\.\d{8}T\d{6}Z)$/m.exec(
        r.stdout,
      );
    expect(backup).not.toBeNull();
    expect(fs.readFileSync(path.join(root, backup![1]), 'utf8')).toBe(
      'kind: Pod # before\n',
    );
    expect(kubeadmCalls()).toEqual(['init phase control-plane apiserver']);
    expect(fs.readFileSync(manifest(), 'utf8')).toContain(
      '"--oidc-client-id=kubernetes"',
    );
  });

  it.each([
    [
      { PHASE: 'apiserver', NODE_NAME: 'cp 1' },
      'NODE_NAME "cp 1" is not a node name',
    ],
    [
      { PHASE: 'restart', NODE_NAME: 'cp-1' },
      'PHASE "restart" is not apiserver or upload-config',
    ],
    [
      { PHASE: 'apiserver', NODE_NAME: 'cp-1', KUBEADM_CONFIG: '/nonexistent' },
      'KUBEADM_CONFIG /nonexistent is not a readable file',
    ],
    [
      {
        PHASE: 'apiserver',
        NODE_NAME: 'cp-1',
        OIDC_CA_B64: Buffer.from('no pem').toString('base64'),
      },
      'OIDC_CA_B64 holds no PEM certificate',
    ],
    [
      { PHASE: 'upload-config', NODE_NAME: 'cp-1' },
      'cp-1 has no /etc/kubernetes/admin.conf',
    ],
  ])('refuses %j before running kubeadm', (env, message) => {
    const r = run({ KUBEADM_CONFIG: config, ...env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(kubeadmCalls()).toEqual([]);
    expect(fs.readFileSync(manifest(), 'utf8')).toBe('kind: Pod # before\n');
  });

  it('refuses a node without a kube-apiserver manifest', () => {
    fs.rmSync(manifest());
    const r = run({
      PHASE: 'apiserver',
      NODE_NAME: 'cp-1',
      KUBEADM_CONFIG: config,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'cp-1 has no /etc/kubernetes/manifests/kube-apiserver.yaml; it is not a control plane kubeadm set up',
    );
    expect(kubeadmCalls()).toEqual([]);
  });

  it('uploads kubeadm-config from an initialised control plane', () => {
    fs.writeFileSync(
      path.join(root, 'etc/kubernetes/admin.conf'),
      'kind: Config\n',
    );
    const r = run({
      PHASE: 'upload-config',
      NODE_NAME: 'cp-1',
      KUBEADM_CONFIG: config,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(kubeadmCalls()).toEqual(['init phase upload-config kubeadm']);
    expect(
      fs.readFileSync(
        path.join(root, 'var/lib/kpaas-standins/kubeadm-upload-config.yaml'),
        'utf8',
      ),
    ).toBe(CONFIG);
  });
});
