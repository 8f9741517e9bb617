import * as k8s from '@kubernetes/client-node';
import yaml from 'yaml';
import type { SshNodeSession } from '../ssh';

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/**
 * A client of the cluster's API from the control plane's admin.conf, read over SSH and kept in
 * memory only. `apiServerUrl` replaces the address it names when kpaas cannot reach that one.
 */
export async function adminKubeConfig(
  controlPlane: SshNodeSession,
  apiServerUrl?: string,
): Promise<k8s.KubeConfig> {
  const doc = yaml.parse((await controlPlane.readFile(ADMIN_CONF)).toString());
  if (apiServerUrl) {
    for (const c of doc?.clusters ?? []) {
      if (c?.cluster) c.cluster.server = apiServerUrl;
    }
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml.stringify(doc));
  return kc;
}
