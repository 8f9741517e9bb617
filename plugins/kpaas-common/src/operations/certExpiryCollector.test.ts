import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { renderCertExpiryCollector } from './certExpiryCollector';
import { parseKubeadmCheckExpiration } from './expiry';

describe('renderCertExpiryCollector', () => {
  const manifests = renderCertExpiryCollector({
    kubernetesVersion: 'v1.33.5',
  }) as any[];
  const cronJob = manifests[3];
  const pod = cronJob.spec.jobTemplate.spec.template.spec;

  it("runs the node's kubeadm on a control plane with /etc/kubernetes read-only, no Secret", () => {
    expect(manifests.map(m => m.kind)).toEqual([
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'CronJob',
    ]);
    expect(pod.nodeSelector).toEqual({
      'node-role.kubernetes.io/control-plane': '',
    });
    expect(pod.initContainers[0].volumeMounts).toContainEqual({
      name: 'kubernetes',
      mountPath: '/etc/kubernetes',
      readOnly: true,
    });
    expect(JSON.stringify(manifests)).not.toMatch(/secrets|secretKeyRef/);
    expect(manifests[1].rules[1].resourceNames).toEqual(['kpaas-cert-expiry']);
  });

  it('writes a ConfigMap whose JSON the backend parses (the script run with a stand-in kubeadm)', () => {
    // run the collector's script with sh, a kubeadm that prints real -o json output, and /out
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-collector-'));
    try {
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      const json = JSON.stringify(
        {
          kind: 'CertificateExpirationInfo',
          apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
          certificates: [
            { name: 'apiserver', expirationDate: '2027-01-01T00:00:00Z' },
          ],
          certificateAuthorities: [
            { name: 'ca', expirationDate: '2035-01-01T00:00:00Z' },
          ],
        },
        null,
        2,
      );
      fs.writeFileSync(
        path.join(dir, 'kubeadm'),
        `#!/bin/sh\ncat <<'J'\n${json}\nJ\n`,
        { mode: 0o755 },
      );
      const script = (pod.initContainers[0].command[2] as string)
        .replaceAll('/host/kubeadm', path.join(dir, 'kubeadm'))
        .replaceAll('/out/', `${out}/`);
      execFileSync('sh', ['-c', script], {
        env: { ...process.env, NODE_NAME: 'demo-cp-1' },
      });
      const cm = parse(fs.readFileSync(path.join(out, 'record.yaml'), 'utf8'));
      expect(cm.metadata).toMatchObject({
        name: 'kpaas-cert-expiry',
        namespace: 'kube-system',
      });
      expect(cm.data.node).toBe('demo-cp-1');
      const items = parseKubeadmCheckExpiration(
        cm.data['check-expiration.json'],
        new Date('2026-12-03T00:00:00Z'),
      );
      expect(items.map(i => [i.name, i.state])).toEqual([
        ['apiserver', 'warning'], // 29 days left
        ['ca (CA)', 'ok'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
