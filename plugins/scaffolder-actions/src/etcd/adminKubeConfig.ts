import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';
import type { SshNodeSession } from '../ssh';

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/**
 * The cluster's admin kubeconfig, read from a control plane over SSH (kubeadm's admin.conf)
 * and kept in memory only; `apiServerUrl` replaces its server when admin.conf names one kpaas
 * cannot reach.
 */
export async function adminKubeConfig(
  session: SshNodeSession,
  apiServerUrl?: string,
): Promise<k8s.KubeConfig> {
  const doc = yaml.parse((await session.readFile(ADMIN_CONF)).toString());
  if (apiServerUrl) {
    for (const c of doc?.clusters ?? [])
      if (c?.cluster) c.cluster.server = apiServerUrl;
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml.stringify(doc));
  return kc;
}
