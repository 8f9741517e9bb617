import { shellQuote } from '../../ssh';
import { checkpointKey, type BootstrapRun } from '../context';
import {
  CP_DEPLOYMENT_VERSION,
  kpaasCpInventory,
  kpaasCpVars,
  verifiedKnownHosts,
} from '../kpaasCp';

/** Kubespray behind cp-deployment runs far longer than one kubeadm step. */
const KPAAS_CP_MIN_TIMEOUT_SECONDS = 3600;

/**
 * installer kpaas-cp: K-PaaS cp-deployment on the first control plane (scripts/kpaas-cp.sh),
 * skipped when the cluster is already complete (admin.conf on the first control plane, every
 * other node joined). cp-deployment's Kubespray prepares the nodes itself.
 */
export async function installKpaasCp(run: BootstrapRun): Promise<void> {
  const { ctx, spec, endpoints, nodes } = run;
  const { input } = ctx;
  const log = run.recorder.logger;
  const { firstCp, k8s } = nodes;
  const cp1 = run.session(firstCp);
  const pending: string[] = [];
  await Promise.all(
    k8s.map(async n => {
      const file =
        n === firstCp
          ? '/etc/kubernetes/admin.conf'
          : '/etc/kubernetes/kubelet.conf';
      const r = await run
        .session(n)
        .exec('install state', `test -s ${file} && echo done || echo pending`, {
          quiet: true,
        });
      if (r.stdout.trim() !== 'done') pending.push(n.name);
    }),
  );
  if (pending.length === 0) {
    log.info(
      `kpaas-cp: ${firstCp.name} has /etc/kubernetes/admin.conf and every node has joined; skipped`,
    );
    return;
  }
  log.info(
    `kpaas-cp: not installed yet on ${pending.join(
      ', ',
    )}; running cp-deployment ${CP_DEPLOYMENT_VERSION} on ${firstCp.name}`,
  );
  const ansibleTargets = k8s.map(n => ({
    name: n.name,
    host: n.privateAddress ?? n.address,
    port: n.port,
    fingerprint: run.session(n).hostKey.fingerprint,
  }));
  // the keys as the first control plane sees them, kept only where they match the verified ones
  const scan = await cp1.exec(
    'scan host keys',
    ansibleTargets
      .map(
        t =>
          `ssh-keyscan -T 10 -p ${t.port} ${shellQuote(
            t.host,
          )} 2>/dev/null || true`,
      )
      .join('\n'),
    { quiet: true },
  );
  const knownHostsText = verifiedKnownHosts(scan.stdout, ansibleTargets);
  const timeoutSeconds = Math.max(
    input.commandTimeoutSeconds,
    KPAAS_CP_MIN_TIMEOUT_SECONDS,
  );
  await ctx.checkpoint({
    key: checkpointKey('kpaas-cp', spec.metadata.name),
    fn: async () => {
      const dir = await cp1.uploadFiles('.kpaas/cp', [
        {
          name: 'inventory.ini',
          content: kpaasCpInventory(k8s, input.sshUser),
        },
        {
          name: 'cp-cluster-vars.sh',
          content: kpaasCpVars(spec, endpoints, k8s, input.sshUser),
        },
        { name: 'known_hosts', content: knownHostsText },
      ]);
      const passphrase = ctx.secrets?.sshPassphrase;
      await run.step(cp1, 'kpaas-cp deploy', run.script(cp1, 'kpaas-cp.sh'), {
        env: {
          CP_DEPLOYMENT_VERSION,
          CP_DEPLOYMENT_URL: run.downloads.cpDeployment.url,
          CP_DEPLOYMENT_SHA256: run.downloads.cpDeployment.sha256!,
          CP_DIR: `${dir.replace(/\/\.kpaas\/cp$/, '')}/cp-deployment`,
          KPAAS_CP_FILES: dir,
          KEY_LIFETIME_SECONDS: String(timeoutSeconds),
        },
        secretEnv: {
          KPAAS_SSH_PRIVATE_KEY: run.privateKey,
          ...(passphrase ? { KPAAS_SSH_PASSPHRASE: passphrase } : {}),
        },
        timeoutMs: timeoutSeconds * 1000,
      });
    },
  });
}
