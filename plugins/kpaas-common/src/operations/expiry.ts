/*
 * Certificate and token expiry: one set of thresholds for every source (the API server's
 * serving certificate from a TLS handshake, kubeadm's certificates and CAs from the collector's
 * ConfigMap, cert-manager Certificates' status.notAfter, the kubelets' certificates from the
 * per-node collector, the exp of the ServiceAccount token kpaas-backend holds).
 */

/** Warn this many days before a certificate or token expires. @public */
export const EXPIRY_WARNING_DAYS = 30;
/** Critical (the cluster turns Degraded) this many days before. @public */
export const EXPIRY_CRITICAL_DAYS = 7;

/** @public */
export type ExpiryState = 'ok' | 'warning' | 'critical' | 'expired';

/** Where an expiry was read from. @public */
export type ExpirySource =
  /** Peer certificate of a real TLS handshake with the API server. */
  | 'tls-handshake'
  /** `kubeadm certs check-expiration` output written to a ConfigMap by the collector CronJob. */
  | 'kubeadm-collector'
  /** A cert-manager Certificate's status.notAfter, read from the API. */
  | 'cert-manager'
  /**
   * A kubelet's client or serving certificate, copied (certificate blocks only) by the
   * per-node collector DaemonSet into ConfigMaps kpaas-node-certs/kubelet-certs-<node>.
   */
  | 'kubelet-collector'
  /** The `exp` claim of the ServiceAccount token kpaas-backend holds for the cluster. */
  | 'service-account-token';

/** One thing that expires. @public */
export interface ExpiryItem {
  /** "kube-apiserver serving certificate", "etcd-ca", "monitoring/grafana-tls" */
  name: string;
  source: ExpirySource;
  notAfter: string;
  /** Whole days left, negative once expired. */
  daysLeft: number;
  state: ExpiryState;
  /** What to do about it. */
  action: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The state of something that stops being valid at `notAfter`. @public */
export function expiryState(
  notAfter: Date,
  now: Date,
): { state: ExpiryState; daysLeft: number } {
  const ms = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(ms / DAY_MS);
  if (ms <= 0) return { state: 'expired', daysLeft };
  if (daysLeft < EXPIRY_CRITICAL_DAYS) return { state: 'critical', daysLeft };
  if (daysLeft < EXPIRY_WARNING_DAYS) return { state: 'warning', daysLeft };
  return { state: 'ok', daysLeft };
}

const ACTIONS: Record<ExpirySource, string> = {
  'tls-handshake':
    'renew the kubeadm certificates on every control plane (kubeadm certs renew all, then restart the static pods)',
  'kubeadm-collector':
    'renew the kubeadm certificates on every control plane (kubeadm certs renew all, then restart the static pods); a CA needs a CA rotation',
  'cert-manager':
    'check the Certificate and its Issuer (kubectl describe certificate); cert-manager renews it unless the issuer fails',
  'kubelet-collector':
    'the kubelet renews its client certificate itself (rotateCertificates): check its log and pending CSRs (kubectl get csr); a self-signed serving certificate (kubelet.crt) is renewed by deleting /var/lib/kubelet/pki/kubelet.crt and kubelet.key on the node and restarting the kubelet',
  'service-account-token':
    'give kpaas a new token before this one expires: re-register the cluster (POST /api/kpaas/clusters with serviceAccountToken) with kpaas:bootstrap, which creates the non-expiring token Secret kube-system/kpaas-reader-token',
};

/** An expiry item with its state and action. @public */
export function expiryItem(
  name: string,
  source: ExpirySource,
  notAfter: Date,
  now: Date,
): ExpiryItem {
  return {
    name,
    source,
    notAfter: notAfter.toISOString(),
    ...expiryState(notAfter, now),
    action: ACTIONS[source],
  };
}

/** Soonest first. @public */
export function sortExpiries(items: ReadonlyArray<ExpiryItem>): ExpiryItem[] {
  return [...items].sort(
    (a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter),
  );
}

/** The reasons the cluster is Degraded: every item inside the critical window or expired. @public */
export function expiryProblems(items: ReadonlyArray<ExpiryItem>): string[] {
  return sortExpiries(items)
    .filter(i => i.state === 'critical' || i.state === 'expired')
    .map(i =>
      i.state === 'expired'
        ? `${i.name} expired on ${i.notAfter.slice(0, 10)}`
        : `${i.name} expires in ${i.daysLeft} days (${i.notAfter.slice(
            0,
            10,
          )})`,
    );
}

/**
 * Parses `kubeadm certs check-expiration -o json` (kubeadm's CertificateExpirationInfo list,
 * output.kubeadm.k8s.io/v1alpha3: certificates[] and certificateAuthorities[] with name and
 * expirationDate) into expiry items.
 * @public
 */
export function parseKubeadmCheckExpiration(
  json: string,
  now: Date,
): ExpiryItem[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new Error(
      `kubeadm certs check-expiration output is not JSON (${
        (e as Error).message
      }); the collector must run it with -o json`,
    );
  }
  const list = (
    key: string,
  ): Array<{ name?: unknown; expirationDate?: unknown }> => {
    const value = (data as Record<string, unknown>)?.[key];
    return Array.isArray(value) ? value : [];
  };
  const items: ExpiryItem[] = [];
  for (const [key, suffix] of [
    ['certificates', ''],
    ['certificateAuthorities', ' (CA)'],
  ] as const) {
    for (const entry of list(key)) {
      if (
        typeof entry.name !== 'string' ||
        typeof entry.expirationDate !== 'string'
      )
        continue;
      const notAfter = new Date(entry.expirationDate);
      if (Number.isNaN(notAfter.getTime())) continue;
      items.push(
        expiryItem(
          `${entry.name}${suffix}`,
          'kubeadm-collector',
          notAfter,
          now,
        ),
      );
    }
  }
  return items;
}
