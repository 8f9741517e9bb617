/*
 * `${KPAAS_…}` placeholder tokens of the values pack (values/README.md, "Placeholder tokens").
 * Plain tokens are filled at plan time from cluster.yaml; secret tokens
 * (`${KPAAS_SECRET:<secret>/<key>}`, `${KPAAS_SECRET_BCRYPT:…}`, `${KPAAS_SECRET_SHA:…}`) only at
 * install time, from the add-on's credentials Secret, and never reach a file or a log.
 */
import { createHash } from 'node:crypto';

const TOKEN_RE = /\$\{(KPAAS_[A-Z_]+)(?::([^}]*))?\}/g;

const SECRET_REF_RE = /^[a-z0-9][-a-z0-9.]*\/[-._a-zA-Z0-9]+$/;

export const SECRET_TOKEN = 'KPAAS_SECRET';
export const SECRET_BCRYPT_TOKEN = 'KPAAS_SECRET_BCRYPT';
/** htpasswd `{SHA}` form, the only one Envoy's basic auth accepts (Envoy Gateway SecurityPolicy). */
export const SECRET_SHA_TOKEN = 'KPAAS_SECRET_SHA';
const SECRET_TOKENS = [SECRET_TOKEN, SECRET_BCRYPT_TOKEN, SECRET_SHA_TOKEN];

/** `{SHA}<base64 of SHA-1>`: the htpasswd SHA form of a value. */
export function htpasswdSha(value: string): string {
  return `{SHA}${createHash('sha1').update(value).digest('base64')}`;
}

/** Token name → value; undefined = not known for this cluster (an error when used). */
export type TokenValues = Record<string, string | undefined>;

export class TokenError extends Error {}

/** A secret token found in a text: which Secret key it needs and whether hashed. */
export interface SecretTokenRef {
  secret: string;
  key: string;
  bcrypt: boolean;
  /** `${KPAAS_SECRET_SHA:…}`: the htpasswd `{SHA}` form of the value */
  sha?: true;
}

function refOf(name: string, arg: string): SecretTokenRef {
  const [secret, key] = arg.split('/');
  return {
    secret,
    key,
    bcrypt: name === SECRET_BCRYPT_TOKEN,
    ...(name === SECRET_SHA_TOKEN ? { sha: true as const } : {}),
  };
}

/** The secret tokens a text contains. */
export function findSecretTokens(text: string): SecretTokenRef[] {
  const out: SecretTokenRef[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    if (!SECRET_TOKENS.includes(m[1])) continue;
    // a comment may mention `${KPAAS_SECRET:…}`; only `<secret>/<key>` is a reference
    if (!SECRET_REF_RE.test(m[2] ?? '')) continue;
    out.push(refOf(m[1], m[2] ?? ''));
  }
  return out;
}

/**
 * Fills the plain tokens of `text`. Secret tokens are kept as they are (filled at install time by
 * {@link fillSecretTokens}). Throws TokenError naming the token and `where` for an unknown token
 * or one without a value for this cluster.
 */
export function fillTokens(
  text: string,
  values: TokenValues,
  where: string,
): string {
  return text.replace(TOKEN_RE, (whole, name: string) => {
    if (SECRET_TOKENS.includes(name)) return whole;
    if (!(name in values)) {
      throw new TokenError(
        `${where}: unknown token \${${name}}; use one of the tokens listed in values/README.md`,
      );
    }
    const value = values[name];
    if (value === undefined || value === '') {
      throw new TokenError(
        `${where}: \${${name}} has no value for this cluster; ${
          TOKEN_HINTS[name] ?? 'set the cluster.yaml field it comes from'
        }`,
      );
    }
    return value;
  });
}

/** Fills secret tokens from resolved Secret data (`<secret>/<key>`, its bcrypt or SHA form). */
export function fillSecretTokens(
  text: string,
  lookup: (ref: SecretTokenRef) => string,
): string {
  return text.replace(TOKEN_RE, (whole, name: string, arg?: string) => {
    if (!SECRET_TOKENS.includes(name)) return whole;
    if (!SECRET_REF_RE.test(arg ?? '')) return whole;
    return lookup(refOf(name, arg ?? ''));
  });
}

const TOKEN_HINTS: Record<string, string> = {
  KPAAS_METALLB_RANGE: 'set spec.network.metallbRange',
  KPAAS_INGRESS_IP: 'set spec.network.ingressIp or spec.network.metallbRange',
  KPAAS_API_HOST: 'set spec.controlPlane.endpoint.address',
  KPAAS_NFS_SERVER: 'the first control-plane address is not known yet',
  KPAAS_DEFAULT_STORAGE_CLASS:
    'install local-path-provisioner (or nfs-subdir-external-provisioner) to get a default StorageClass',
  KPAAS_BACKUP_ENDPOINT:
    'set spec.backup (target endpoint, bucket, credentialsSecret): Velero stores its backups in that S3 target',
  KPAAS_BACKUP_BUCKET:
    'set spec.backup (target endpoint, bucket, credentialsSecret): Velero stores its backups in that S3 target',
};
