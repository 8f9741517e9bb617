import { oidcCaEnv } from '../apiServerOidc';
import { checkpointKey, type BootstrapRun } from '../context';
import { CNI_CHART_VERSIONS, HELM_VERSION, kubeadmInitConfig } from '../plan';

/**
 * `kubeadm init` on the first control plane from the config kpaas derives from cluster.yaml
 * (kubeadm-init.sh skips a node that has /etc/kubernetes/admin.conf).
 */
export async function initFirstControlPlane(run: BootstrapRun): Promise<void> {
  const { spec, endpoints, nodes } = run;
  const cp1 = run.session(nodes.firstCp);
  await run.ctx.checkpoint({
    key: checkpointKey('kubeadm-init', spec.metadata.name),
    fn: async () => {
      const dir = await cp1.uploadFiles('.kpaas', [
        {
          name: 'kubeadm-config.yaml',
          content: kubeadmInitConfig(spec, endpoints, nodes.firstCp),
          mode: 0o600,
        },
      ]);
      await run.step(cp1, 'kubeadm init', run.script(cp1, 'kubeadm-init.sh'), {
        env: {
          KUBEADM_CONFIG: `${dir}/kubeadm-config.yaml`,
          ...oidcCaEnv(spec),
        },
      });
    },
  });
}

/** The CNI chart of cluster.yaml, installed (or left as it is) with Helm on the first control plane. */
export async function installCni(run: BootstrapRun): Promise<void> {
  const { spec, downloads } = run;
  const cp1 = run.session(run.nodes.firstCp);
  await run.step(
    cp1,
    `cni ${spec.spec.kubernetes.cni}`,
    run.script(cp1, 'cni.sh'),
    {
      env: {
        CNI: spec.spec.kubernetes.cni,
        CNI_VERSION: CNI_CHART_VERSIONS[spec.spec.kubernetes.cni],
        POD_CIDR: spec.spec.network.podCidr,
        HELM_VERSION,
        HELM_URL_AMD64: downloads.helm.amd64.url,
        HELM_SHA256_AMD64: downloads.helm.amd64.sha256!,
        HELM_URL_ARM64: downloads.helm.arm64.url,
        HELM_SHA256_ARM64: downloads.helm.arm64.sha256!,
      },
    },
  );
}
