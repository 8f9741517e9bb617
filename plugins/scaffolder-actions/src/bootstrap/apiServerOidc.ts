import {
  ClusterSpec,
  clusterOidc,
  KubeadmArg,
  kubeApiServerOidcArgs,
} from '@internal/plugin-kpaas-common';
import yaml from 'yaml';

/*
 * OIDC on the API server at bootstrap (derived in kpaas-common from spec.access): the
 * kube-apiserver flags go into kubeadm's ClusterConfiguration (apiServer.extraArgs), and the
 * issuer's CA, when cluster.yaml gives one, is written by kubeadm-init.sh / kubeadm-join.sh to
 * /etc/kubernetes/pki/oidc-ca.crt on every control plane (kube-apiserver mounts that directory).
 * Nothing here contacts the issuer: the API server starts while Keycloak is not installed yet
 * or down, and accepts OIDC tokens once the issuer answers. On a cluster that already runs,
 * phases/apiServerOidc.ts compares these flags with each control plane's kube-apiserver
 * manifest and reconfigures the ones that differ.
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

/** kube-apiserver's static pod manifest on a control plane (written by kubeadm). */
export const APISERVER_MANIFEST =
  '/etc/kubernetes/manifests/kube-apiserver.yaml';

/** What a control plane's kube-apiserver runs with, read from its static pod manifest. */
export interface RunningApiServer {
  /** The `--oidc-*` flags, in manifest order */
  oidcArgs: KubeadmArg[];
  /** Tag of the kube-apiserver image (the Kubernetes version it runs), when it has one */
  version?: string;
}

/** Parses kube-apiserver's static pod manifest; throws naming what is missing. */
export function readApiServerManifest(manifest: string): RunningApiServer {
  const pod = yaml.parse(manifest);
  const container = (pod?.spec?.containers ?? []).find(
    (c: { name?: string }) => c?.name === 'kube-apiserver',
  );
  if (!Array.isArray(container?.command)) {
    throw new Error(
      'kube-apiserver.yaml has no kube-apiserver container with a command',
    );
  }
  const oidcArgs: KubeadmArg[] = [];
  for (const item of container.command as unknown[]) {
    const m = /^--(oidc-[a-z-]+)=(.*)$/s.exec(String(item));
    if (m) oidcArgs.push({ name: m[1], value: m[2] });
  }
  const tag = /:(v\d+\.\d+\.\d+[^@]*)(@.*)?$/.exec(
    String(container.image ?? ''),
  );
  return { oidcArgs, ...(tag ? { version: tag[1] } : {}) };
}

/**
 * How the running OIDC flags differ from the desired ones, one `name: old -> new` per flag
 * (`(none)` for a flag that is absent); empty when they match (order does not matter).
 */
export function oidcArgChanges(
  running: KubeadmArg[],
  desired: KubeadmArg[],
): string[] {
  const before = new Map(running.map(a => [a.name, a.value]));
  const after = new Map(desired.map(a => [a.name, a.value]));
  const names = [...new Set([...after.keys(), ...before.keys()])];
  return names
    .filter(n => before.get(n) !== after.get(n))
    .map(
      n => `${n}: ${before.get(n) ?? '(none)'} -> ${after.get(n) ?? '(none)'}`,
    );
}

/**
 * The `oidc-*` apiServer.extraArgs of a ClusterConfiguration (kube-system/kubeadm-config's
 * `ClusterConfiguration` key; v1beta4 list or v1beta3 map form).
 */
export function clusterConfigurationOidcArgs(text: string): KubeadmArg[] {
  const extra = yaml.parse(text)?.apiServer?.extraArgs;
  const args: KubeadmArg[] = Array.isArray(extra)
    ? extra.map((a: KubeadmArg) => ({
        name: String(a?.name),
        value: String(a?.value),
      }))
    : Object.entries(extra ?? {}).map(([name, value]) => ({
        name,
        value: String(value),
      }));
  return args.filter(a => a.name.startsWith('oidc-'));
}
