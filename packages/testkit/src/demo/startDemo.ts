/**
 * Local demo only: serves the "demo" cluster (a realistic K-PaaS HA cluster) from the
 * Kubernetes API stand-in on loopback and writes an app-config fragment that registers it
 * with kpaas-backend through `kpaas.clusters[]`. Started and stopped by scripts/start-dev.sh.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startKubeApiStandIn } from '../kube';
import { demoClusterSpec, kpaasHaFixture } from '../fixtures';

async function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    throw new Error('usage: startDemo.ts <output dir>');
  }
  // The backend gets a read-only token, as the ServiceAccount kpaas:bootstrap creates would be.
  const readerToken = randomBytes(24).toString('hex');
  const standIn = await startKubeApiStandIn({
    host: '127.0.0.1',
    fixture: kpaasHaFixture(),
    tokens: {
      [readerToken]: {
        user: 'system:serviceaccount:kube-system:kpaas-reader',
        groups: ['system:serviceaccounts'],
        readOnly: true,
      },
    },
  });
  await standIn.writeKubeconfig(path.join(outDir, 'kubeconfig'));
  const config = {
    kpaas: {
      clusters: [
        {
          name: 'demo',
          entityRef: 'resource:default/demo',
          url: standIn.url,
          caData: standIn.caPem,
          serviceAccountToken: readerToken,
          spec: demoClusterSpec('demo'),
        },
      ],
    },
  };
  const target = path.join(outDir, 'app-config.demo.yaml');
  fs.writeFileSync(`${target}.tmp`, YAML.stringify(config), { mode: 0o600 });
  fs.renameSync(`${target}.tmp`, target);
  console.log(`demo cluster API at ${standIn.url} (kubeconfig: ${path.join(outDir, 'kubeconfig')})`);

  const stop = async () => {
    await standIn.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
