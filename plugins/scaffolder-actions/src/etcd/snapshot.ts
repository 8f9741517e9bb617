import { ETCD_SNAPSHOT_DIR } from '@internal/plugin-kpaas-common';
import type { SshNodeSession } from '../ssh';
import { CLUSTER_ID_LINEAGE } from './restore';
import {
  CHECK_ETCD_TOOLS,
  etcdctl,
  parseEndpointStatus,
  parseSnapshotStatus,
  shellQuote,
  snapshotMetaPath,
  SnapshotRecord,
} from './etcdctl';

/** Where on-demand snapshots are kept on the control plane (transfer Jobs mount it too). */
export const SNAPSHOT_DIR = ETCD_SNAPSHOT_DIR;

/** A file name for a snapshot taken now: <cluster>-<UTC timestamp>.db */
export function snapshotFileName(cluster: string, at: Date): string {
  return `${cluster}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.db`;
}

/**
 * One etcd snapshot on the control plane the session is connected to: the member's cluster ID,
 * `etcdctl snapshot save`, `etcdutl snapshot status` (a snapshot that fails it is deleted and
 * the run fails), and FILE.kpaas.json with the cluster ID for a later restore's check.
 */
export async function takeEtcdSnapshot(
  session: SshNodeSession,
  opts: { cluster: string; node: string; dir?: string; now?: Date },
): Promise<SnapshotRecord> {
  const dir = opts.dir ?? SNAPSHOT_DIR;
  const takenAt = opts.now ?? new Date();
  const path = `${dir}/${snapshotFileName(opts.cluster, takenAt)}`;
  await session.exec('etcd tools', CHECK_ETCD_TOOLS, { quiet: true });
  const status = parseEndpointStatus(
    (
      await session.exec(
        'etcd member status',
        etcdctl('endpoint status -w json'),
        { quiet: true },
      )
    ).stdout,
  );
  await session.exec(
    'etcdctl snapshot save',
    `umask 077 && mkdir -p ${shellQuote(dir)} && ${etcdctl(
      `snapshot save ${shellQuote(path)}`,
    )}`,
  );
  const verified = await session.exec(
    'etcdutl snapshot status',
    `etcdutl snapshot status ${shellQuote(path)} -w json`,
    { quiet: true, allowFailure: true },
  );
  if (verified.exitCode !== 0) {
    await session.exec(
      'remove unverified snapshot',
      `rm -f ${shellQuote(path)}`,
    );
    throw new Error(
      `${
        opts.node
      }: the snapshot ${path} failed verification (etcdutl snapshot status: ${verified.lastLines.join(
        ' ',
      )}); it was deleted. Check the member's health (etcdctl endpoint health) and disk space, then take another`,
    );
  }
  const record: SnapshotRecord = {
    ...parseSnapshotStatus(verified.stdout),
    cluster: opts.cluster,
    clusterId: status.clusterId,
    memberId: status.memberId,
    node: opts.node,
    path,
    takenAt: takenAt.toISOString(),
  };
  await session.exec(
    'snapshot record',
    `umask 077 && printf '%s\\n' ${shellQuote(
      JSON.stringify(record),
    )} > ${shellQuote(snapshotMetaPath(path))}`,
    { quiet: true },
  );
  // the cluster's etcd IDs over time: a later restore accepts snapshots of any of them
  await session.exec(
    'cluster id lineage',
    `mkdir -p /var/lib/kpaas && { grep -qx ${shellQuote(
      status.clusterId,
    )} ${CLUSTER_ID_LINEAGE} 2>/dev/null || echo ${shellQuote(
      status.clusterId,
    )} >> ${CLUSTER_ID_LINEAGE}; }`,
    { quiet: true },
  );
  return record;
}
