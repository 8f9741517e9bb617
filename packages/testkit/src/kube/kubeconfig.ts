/*
 * kubeconfig files for the stand-in, in the exact shape kubectl and
 * @kubernetes/client-node read (inline base64 CA and credentials).
 */
import YAML from 'yaml';

export interface KubeconfigOptions {
  /**
   * A user configured on the stand-in (by name, e.g. `kubernetes-admin`, or
   * the shorthand `admin`) whose bearer token goes into the file.
   */
  user?: string;
  /** A bearer token to use as is (need not be valid: useful for 401 tests). */
  token?: string;
  /** Authenticate with a client certificate issued for this user and groups. */
  clientCertificate?: { user: string; groups?: string[] };
  /** Default namespace of the context. */
  namespace?: string;
  /** Name of the cluster entry (default `kpaas-stand-in`). */
  clusterName?: string;
}

export type KubeconfigCredentials =
  | { token: string }
  | { certPem: string; keyPem: string };

export function buildKubeconfig(params: {
  server: string;
  caPem: string;
  clusterName: string;
  userName: string;
  credentials: KubeconfigCredentials;
  namespace?: string;
}): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const user =
    'token' in params.credentials
      ? { token: params.credentials.token }
      : {
          'client-certificate-data': b64(params.credentials.certPem),
          'client-key-data': b64(params.credentials.keyPem),
        };
  const contextName = `${params.userName}@${params.clusterName}`;
  const context: Record<string, string> = {
    cluster: params.clusterName,
    user: params.userName,
  };
  if (params.namespace) context.namespace = params.namespace;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: params.clusterName,
        cluster: {
          'certificate-authority-data': b64(params.caPem),
          server: params.server,
        },
      },
    ],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: params.userName, user }],
  };
  return YAML.stringify(doc);
}
