import { X509Certificate } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import {
  ExpiryItem,
  expiryItem,
  KUBELET_CERT_COLLECTOR,
  KUBELET_CERT_INTERVAL_HOURS,
  KUBELET_CERT_KEYS,
  KUBELET_CERT_NAMESPACE,
} from '@internal/plugin-kpaas-common';
import type { KubeClusterClient } from '../status/KubeClusterClient';

/*
 * The kubelets' certificates, from the ConfigMaps the per-node collector writes
 * (kpaas-node-certs/kubelet-certs-<node>, certificate blocks only): each certificate is parsed
 * here and its notAfter is the expiry. A healthy 1000-node cluster must not list 2000 rows, so
 * every certificate inside the warning window is listed, and of the others only the soonest
 * client and the soonest serving certificate.
 */

/** The first certificate (the leaf) of a PEM bundle, its notAfter; undefined when none parses. */
export function leafNotAfter(pem: string | undefined): Date | undefined {
  const block = pem?.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
  )?.[0];
  if (!block) return undefined;
  try {
    const notAfter = new Date(new X509Certificate(block).validTo);
    return Number.isNaN(notAfter.getTime()) ? undefined : notAfter;
  } catch {
    return undefined;
  }
}

const KINDS = [
  ['client', KUBELET_CERT_KEYS.client],
  ['serving', KUBELET_CERT_KEYS.serving],
] as const;

export interface KubeletCertificates {
  items: ExpiryItem[];
  /** Nodes without a record, stale records, unreadable certificates. */
  unavailable: string[];
}

/** Pure: expiry items and gaps from the collector's ConfigMaps and the nodes the status lists. */
export function kubeletCertificateExpiries(
  records: ReadonlyArray<Record<string, string> | undefined>,
  nodes: ReadonlyArray<string>,
  now: Date,
): KubeletCertificates {
  const unavailable: string[] = [];
  const perKind = { client: [] as ExpiryItem[], serving: [] as ExpiryItem[] };
  const seen = new Set<string>();
  const stale: string[] = [];
  const unreadable: string[] = [];
  const staleMs = 3 * KUBELET_CERT_INTERVAL_HOURS * 3_600_000;
  for (const data of records) {
    const node = data?.[KUBELET_CERT_KEYS.node];
    if (!data || !node) continue;
    seen.add(node);
    const collectedAt = Date.parse(data[KUBELET_CERT_KEYS.collectedAt] ?? '');
    if (!Number.isFinite(collectedAt) || now.getTime() - collectedAt > staleMs)
      stale.push(`${node} (${data[KUBELET_CERT_KEYS.collectedAt] ?? 'never'})`);
    for (const [kind, key] of KINDS) {
      if (data[key] === undefined) continue;
      const notAfter = leafNotAfter(data[key]);
      if (!notAfter) {
        unreadable.push(`${node} ${kind}`);
        continue;
      }
      perKind[kind].push(
        expiryItem(
          `kubelet ${kind} certificate (${node})`,
          'kubelet-collector',
          notAfter,
          now,
        ),
      );
    }
  }
  const items: ExpiryItem[] = [];
  for (const [kind] of KINDS) {
    const list = perKind[kind].sort(
      (a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter),
    );
    const flagged = list.filter(i => i.state !== 'ok');
    items.push(...flagged);
    const soonestOk = list.find(i => i.state === 'ok');
    const okCount = list.length - flagged.length;
    if (soonestOk) {
      items.push(
        okCount > 1
          ? {
              ...soonestOk,
              name: `${soonestOk.name.replace(
                /\)$/,
                '',
              )}, soonest of ${okCount} nodes)`,
            }
          : soonestOk,
      );
    }
  }
  const names = (list: string[]) =>
    `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
  const missing = nodes.filter(n => !seen.has(n));
  if (missing.length)
    unavailable.push(
      `kubelet certificates: no record from ${missing.length} node(s) (${names(
        missing,
      )}); the DaemonSet ${KUBELET_CERT_NAMESPACE}/${KUBELET_CERT_COLLECTOR} writes one per node (kpaas:addons installs it)`,
    );
  if (stale.length)
    unavailable.push(
      `kubelet certificates: the records of ${
        stale.length
      } node(s) are older than ${
        3 * KUBELET_CERT_INTERVAL_HOURS
      } hours (${names(stale)}); check the DaemonSet's pod on those nodes`,
    );
  if (unreadable.length)
    unavailable.push(
      `kubelet certificates: not a certificate in the record of ${names(
        unreadable,
      )}`,
    );
  return { items, unavailable };
}

/** Lists the collector's ConfigMaps (kpaas-reader may: the collector's reader Role). */
export async function readKubeletCertificates(
  client: KubeClusterClient,
  nodes: ReadonlyArray<string>,
  now: Date,
): Promise<KubeletCertificates> {
  const core = client.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const list = await client.call(
    `LIST configmaps ${KUBELET_CERT_NAMESPACE}`,
    () =>
      core.listNamespacedConfigMap(
        {
          namespace: KUBELET_CERT_NAMESPACE,
          labelSelector: `app.kubernetes.io/name=${KUBELET_CERT_COLLECTOR}`,
        },
        client.requestOptions(),
      ),
  );
  return kubeletCertificateExpiries(
    list.items.map(cm => cm.data),
    nodes,
    now,
  );
}
