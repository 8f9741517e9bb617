import {
  ClusterSpec,
  clusterOidc,
  KubeadmArg,
  kubeApiServerOidcArgs,
} from '@internal/plugin-kpaas-common';

/*
 * OIDC on the API server at bootstrap (derived in kpaas-common from spec.access): the
 * kube-apiserver flags go into kubeadm's ClusterConfiguration (apiServer.extraArgs), and the
 * issuer's CA, when cluster.yaml gives one, is written by kubeadm-init.sh / kubeadm-join.sh to
 * /etc/kubernetes/pki/oidc-ca.crt on every control plane (kube-apiserver mounts that directory).
 * Nothing here contacts the issuer: the API server starts while Keycloak is not installed yet
 * or down, and accepts OIDC tokens once the issuer answers.
 */

/** `apiServer.extraArgs` of the ClusterConfiguration (kubeadm v1beta4 form); [] without OIDC. */
export function apiServerOidcExtraArgs(spec: ClusterSpec): KubeadmArg[] {
  return kubeApiServerOidcArgs(clusterOidc(spec));
}

/** Environment for kubeadm-init.sh / kubeadm-join.sh on control planes: the issuer CA, base64. */
export function oidcCaEnv(spec: ClusterSpec): Record<string, string> {
  const caPem = clusterOidc(spec)?.caPem;
  return caPem ? { OIDC_CA_B64: Buffer.from(caPem).toString('base64') } : {};
}
