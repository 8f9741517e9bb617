/**
 * Local demo only: serves the "demo" cluster (a realistic K-PaaS HA cluster) from the
 * Kubernetes API stand-in on loopback, with a stand-in of its ingress for the platform links,
 * and writes an app-config fragment that registers it with kpaas-backend through
 * `kpaas.clusters[]`. Started and stopped by scripts/start-dev.sh.
 * KPAAS_DEMO_SCENARIO=degraded starts it degraded (see demoCluster.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  DEMO_SCENARIO_ENV,
  parseDemoScenario,
  startDemoCluster,
} from './demoCluster';

async function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    throw new Error('usage: startDemo.ts <output dir>');
  }
  const scenario = parseDemoScenario(process.env[DEMO_SCENARIO_ENV]);
  const demo = await startDemoCluster({ scenario });
  const kubeconfig = path.join(outDir, 'kubeconfig');
  await demo.kubeApi.writeKubeconfig(kubeconfig);
  const target = path.join(outDir, 'app-config.demo.yaml');
  fs.writeFileSync(`${target}.tmp`, YAML.stringify(demo.config), {
    mode: 0o600,
  });
  fs.renameSync(`${target}.tmp`, target);
  console.log(
    `demo cluster API at ${
      demo.kubeApi.url
    }, ${scenario} scenario (kubeconfig: ${kubeconfig}); platform UIs (${demo.platformHosts.join(
      ', ',
    )}) at ${demo.ingressUrl}`,
  );

  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
