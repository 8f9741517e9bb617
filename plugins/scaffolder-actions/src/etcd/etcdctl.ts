import { ETCD_CLIENT_CERTS } from '@internal/plugin-kpaas-common';
import { shellQuote } from '../ssh';

/*
 * etcdctl / etcdutl command lines run on a control plane over SSH, and the parsing of their
 * answers. etcdctl talks to the local member with kubeadm's etcd client certificate; etcdutl
 * works on files (snapshot status, snapshot restore - etcdctl's restore is deprecated in 3.5
 * and gone in 3.6).
 */

/** etcdctl against the member on this node, with kubeadm's healthcheck client certificate. */
export function etcdctl(args: string): string {
  return [
    'ETCDCTL_API=3 etcdctl',
    '--endpoints=https://127.0.0.1:2379',
    `--cacert=${ETCD_CLIENT_CERTS.cacert}`,
    `--cert=${ETCD_CLIENT_CERTS.cert}`,
    `--key=${ETCD_CLIENT_CERTS.key}`,
    args,
  ].join(' ');
}

/** Fails with the fix when the tools are missing (kubeadm does not install them on the host). */
export const CHECK_ETCD_TOOLS = [
  'for t in etcdctl etcdutl; do',
  '  command -v "$t" >/dev/null || { echo "$t is not installed on $(hostname): install etcdctl and etcdutl of the etcd release the cluster runs (the etcd static pod\'s image tag) into /usr/local/bin" >&2; exit 127; };',
  'done',
].join('\n');

/** What `etcdctl endpoint status -w json` says about the local member (IDs kept as strings: uint64). */
export interface EndpointStatus {
  clusterId: string;
  memberId: string;
  revision: number;
}

export function parseEndpointStatus(stdout: string): EndpointStatus {
  // uint64 IDs do not fit a JavaScript number: read them from the text.
  const pick = (key: string) => new RegExp(`"${key}":(\\d+)`).exec(stdout)?.[1];
  const clusterId = pick('cluster_id');
  const memberId = pick('member_id');
  const revision = pick('revision');
  if (!clusterId || !memberId || !revision) {
    throw new Error(
      `etcdctl endpoint status gave no cluster_id/member_id/revision: ${stdout.slice(
        0,
        200,
      )}`,
    );
  }
  return { clusterId, memberId, revision: Number(revision) };
}

/** `etcdutl snapshot status -w json` */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

export function parseSnapshotStatus(stdout: string): SnapshotStatus {
  const line = stdout.trim().split('\n').pop() ?? '';
  const data = JSON.parse(line);
  for (const k of ['hash', 'revision', 'totalKey', 'totalSize']) {
    if (typeof data[k] !== 'number') {
      throw new Error(
        `etcdutl snapshot status gave no ${k}: ${line.slice(0, 200)}`,
      );
    }
  }
  return data as SnapshotStatus;
}

/** Metadata kpaas keeps next to every snapshot (FILE.kpaas.json): where it came from. */
export interface SnapshotRecord extends SnapshotStatus {
  cluster: string;
  clusterId: string;
  memberId: string;
  node: string;
  path: string;
  takenAt: string;
}

export const snapshotMetaPath = (snapshotPath: string) =>
  `${snapshotPath}.kpaas.json`;

export { shellQuote };
