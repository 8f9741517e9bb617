import type { StepLogger } from '../ssh';
import type { ControlPlaneSession } from './controlPlanes';
import {
  CHECK_ETCD_TOOLS,
  etcdctl,
  parseEndpointStatus,
  parseSnapshotStatus,
  shellQuote,
  snapshotMetaPath,
  SnapshotRecord,
} from './etcdctl';
import { until } from './until';

/*
 * The etcd restore runbook, run over SSH on every control plane (kubeadm stacked etcd):
 *   preflight   tools on every node; the snapshot's kpaas record and `etcdutl snapshot status`;
 *               the cluster check (the snapshot's cluster name and etcd cluster ID against the
 *               live members' ID and the IDs this cluster had before); nothing changed yet
 *   copy        the snapshot to every other control plane, verified there (same hash)
 *   stop        static pods off on every node: manifests moved to manifests.kpaas-restore-<id>
 *   stopped     wait until no etcd member answers
 *   restore     `etcdutl snapshot restore` per member into /var/lib/etcd.kpaas-restore-<id>
 *               with --name <node>, --initial-cluster <every member>, a new
 *               --initial-cluster-token and --initial-advertise-peer-urls https://<node>:2380
 *   swap        /var/lib/etcd -> /var/lib/etcd.kpaas-before-<id>, the restored dir -> /var/lib/etcd
 *   start-etcd  etcd.yaml back on every node
 *   quorum      every member healthy, member list = every control plane
 *   start       the other static pods back (kube-apiserver, controller-manager, scheduler)
 *   api         the API server answers (/readyz)
 * A failure before the swap restarts the static pods on the old data and says nothing changed.
 * A failure after it stops and says exactly which node holds which data and how to go back.
 */

export const ETCD_DATA_DIR = '/var/lib/etcd';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
/** Every etcd cluster ID this cluster had (a restore makes a new one). */
export const CLUSTER_ID_LINEAGE = '/var/lib/kpaas/etcd-cluster-ids';

export interface RestoreStep {
  step: string;
  node: string;
}

export interface EtcdRestoreResult {
  restoreId: string;
  steps: RestoreStep[];
  /** The snapshot's record (cluster, cluster ID, revision). */
  snapshot: SnapshotRecord;
  /** The new etcd cluster ID after the restore. */
  newClusterId: string;
  /** Where each node's previous data dir was kept. */
  previousDataDir: string;
}

export interface EtcdRestoreOptions {
  cluster: string;
  /** Every control plane of the cluster, in inventory order. */
  controlPlanes: ControlPlaneSession[];
  /** Node the snapshot file is on, and its path there. */
  sourceNode: string;
  snapshotPath: string;
  logger: StepLogger;
  /** Suffix of the holding directories (default: a UTC timestamp). */
  restoreId?: string;
  /** How long to wait for etcd to stop / reach quorum / the API (default 180 s each). */
  waitMs?: number;
  /** Checks the API server answers; throws when it does not. */
  verifyApi?: () => Promise<void>;
  /**
   * Where the snapshot was fetched from when it is one of the backup CronJob's (an S3 object
   * under this cluster's prefix, checked by the caller): those carry no FILE.kpaas.json, so the
   * cluster is vouched for by that location instead of the etcd cluster ID.
   */
  fetchedFrom?: string;
}

/** The error of a restore that left the cluster half-restored (or refused before anything changed). */
export class EtcdRestoreError extends Error {
  constructor(
    message: string,
    readonly state: 'unchanged' | 'restarted-on-old-data' | 'half-restored',
  ) {
    super(message);
    this.name = 'EtcdRestoreError';
  }
}

const peerUrl = (cp: ControlPlaneSession) =>
  `https://${cp.node.privateAddress ?? cp.node.address}:2380`;

export async function restoreEtcd(
  opts: EtcdRestoreOptions,
): Promise<EtcdRestoreResult> {
  const { cluster, controlPlanes, logger } = opts;
  const waitMs = opts.waitMs ?? 180_000;
  const id =
    opts.restoreId ??
    new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
  const holding = `${MANIFESTS_DIR}.kpaas-restore-${id}`;
  const restoredDir = `${ETCD_DATA_DIR}.kpaas-restore-${id}`;
  const previousDir = `${ETCD_DATA_DIR}.kpaas-before-${id}`;
  const steps: RestoreStep[] = [];
  const source = controlPlanes.find(cp => cp.node.name === opts.sourceNode);
  if (!source) {
    throw new EtcdRestoreError(
      `snapshot node "${
        opts.sourceNode
      }" is not a control plane of cluster "${cluster}"; use one of ${controlPlanes
        .map(cp => cp.node.name)
        .join(', ')}`,
      'unchanged',
    );
  }
  const snapshotFile = opts.snapshotPath;
  const q = shellQuote;
  const run = async (
    cp: ControlPlaneSession,
    step: string,
    command: string,
    extra: { allowFailure?: boolean } = {},
  ) => {
    steps.push({ step, node: cp.node.name });
    return cp.session.exec(step, command, { quiet: true, ...extra });
  };
  const each = async (
    step: string,
    command: (cp: ControlPlaneSession) => string,
  ) => {
    for (const cp of controlPlanes) await run(cp, step, command(cp));
  };

  // ---- preflight: nothing changes
  await each('tools', () => CHECK_ETCD_TOOLS);
  const meta = await run(
    source,
    'snapshot record',
    `cat ${q(snapshotMetaPath(snapshotFile))}`,
    {
      allowFailure: true,
    },
  );
  if (meta.exitCode !== 0 && !opts.fetchedFrom) {
    throw new EtcdRestoreError(
      `${source.node.name}: ${snapshotMetaPath(
        snapshotFile,
      )} is missing, so the snapshot's cluster cannot be checked; restore only snapshots kpaas:etcd-snapshot took or this cluster's backups in S3 (nothing was changed)`,
      'unchanged',
    );
  }
  const recorded =
    meta.exitCode === 0
      ? (JSON.parse(meta.stdout) as SnapshotRecord)
      : undefined;
  const verified = await run(
    source,
    'verify snapshot',
    `etcdutl snapshot status ${q(snapshotFile)} -w json`,
    {
      allowFailure: true,
    },
  );
  if (verified.exitCode !== 0) {
    throw new EtcdRestoreError(
      `${
        source.node.name
      }: ${snapshotFile} fails verification (${verified.lastLines.join(
        ' ',
      )}); take a new snapshot or pick another (nothing was changed)`,
      'unchanged',
    );
  }
  const sourceStatus = parseSnapshotStatus(verified.stdout);
  if (!recorded) {
    logger.info(
      `${snapshotFile} has no kpaas record (a backup CronJob snapshot): its cluster is vouched for by its location ${opts.fetchedFrom}, under this cluster's backup prefix; the etcd cluster ID is not checked`,
    );
  }
  let liveId: string | undefined;
  const lineage = new Set<string>();
  for (const cp of controlPlanes) {
    const s = await run(
      cp,
      'cluster id',
      `${etcdctl('endpoint status -w json')}; cat ${q(
        CLUSTER_ID_LINEAGE,
      )} 2>/dev/null; true`,
    );
    const ids = s.stdout.split('\n').filter(l => /^\d+$/.test(l.trim()));
    ids.forEach(i => lineage.add(i.trim()));
    if (!liveId && s.stdout.includes('cluster_id')) {
      liveId = parseEndpointStatus(s.stdout).clusterId;
      lineage.add(liveId);
    }
  }
  const snapshot: SnapshotRecord = recorded ?? {
    ...sourceStatus,
    cluster,
    clusterId: liveId ?? 'unknown',
    memberId: 'unknown',
    node: source.node.name,
    path: snapshotFile,
    takenAt: 'unknown',
  };
  if (
    recorded &&
    (recorded.cluster !== cluster || !lineage.has(recorded.clusterId))
  ) {
    throw new EtcdRestoreError(
      `refusing to restore: ${snapshotFile} was taken from cluster "${
        snapshot.cluster
      }" (etcd cluster ID ${
        snapshot.clusterId
      }), but this is cluster "${cluster}" (etcd cluster ID ${
        liveId ?? 'unknown: no member answers'
      }${
        lineage.size > 1
          ? `, earlier ${[...lineage].filter(i => i !== liveId).join(', ')}`
          : ''
      }); restore a snapshot of this cluster (nothing was changed)`,
      'unchanged',
    );
  }

  // ---- copy the snapshot to every other control plane, verified there
  const others = controlPlanes.filter(cp => cp !== source);
  if (others.length) {
    // base64 over the exec channel: binary-safe for root and for a sudo user alike
    const content = Buffer.from(
      (
        await source.session.exec(
          'read snapshot',
          `base64 -w0 ${q(snapshotFile)}`,
          {
            quiet: true,
          },
        )
      ).stdout,
      'base64',
    );
    for (const cp of others) {
      steps.push({ step: 'copy snapshot', node: cp.node.name });
      const dir = await cp.session.uploadFiles(`.kpaas/etcd-restore-${id}`, [
        { name: 'snapshot.db', content, mode: 0o600 },
      ]);
      await cp.session.exec(
        'install snapshot',
        `install -D -m 600 ${q(`${dir}/snapshot.db`)} ${q(
          snapshotFile,
        )} && rm -rf ${q(dir)}`,
        { quiet: true },
      );
      const there = await run(
        cp,
        'verify copy',
        `etcdutl snapshot status ${q(snapshotFile)} -w json`,
      );
      if (parseSnapshotStatus(there.stdout).hash !== sourceStatus.hash) {
        throw new EtcdRestoreError(
          `${cp.node.name}: the copied snapshot's hash differs from ${source.node.name}'s; check the disk of ${cp.node.name} (nothing was changed)`,
          'unchanged',
        );
      }
    }
  }

  // ---- from here on the cluster is down: every failure says what state it left
  const stopped: string[] = [];
  const swapped: string[] = [];
  const restartOnOldData = async (cause: string) => {
    const failedRestarts: string[] = [];
    for (const cp of controlPlanes.filter(c => stopped.includes(c.node.name))) {
      const r = await run(
        cp,
        'restart on old data',
        `rm -rf ${q(restoredDir)}; mv ${q(
          holding,
        )}/*.yaml ${MANIFESTS_DIR}/ && rmdir ${q(holding)}`,
        { allowFailure: true },
      ).catch(() => ({ exitCode: 1 }));
      if (r.exitCode !== 0) failedRestarts.push(cp.node.name);
    }
    return new EtcdRestoreError(
      `etcd restore failed: ${cause}. Nothing was restored: /var/lib/etcd is unchanged on every control plane and the static pods were started again${
        failedRestarts.length
          ? `, except on ${failedRestarts.join(
              ', ',
            )}: run mv ${holding}/*.yaml ${MANIFESTS_DIR}/ there`
          : ''
      }`,
      'restarted-on-old-data',
    );
  };
  const halfRestored = (cause: string) => {
    const lines = controlPlanes.map(cp => {
      const n = cp.node.name;
      const data = swapped.includes(n)
        ? `${ETCD_DATA_DIR} holds the RESTORED data (the previous data is in ${previousDir})`
        : `${ETCD_DATA_DIR} holds the previous data (not swapped)`;
      return `  ${n}: ${data}; static pod manifests in ${holding} unless already moved back`;
    });
    return new EtcdRestoreError(
      [
        `etcd restore is HALF DONE: ${cause}. The cluster is not serving. State per control plane:`,
        ...lines,
        `To finish: fix the cause, then on every control plane whose data is not swapped run mv ${ETCD_DATA_DIR} ${previousDir} && mv ${restoredDir} ${ETCD_DATA_DIR}, then mv ${holding}/*.yaml ${MANIFESTS_DIR}/.`,
        `To go back: on every swapped node run rm -rf ${ETCD_DATA_DIR} && mv ${previousDir} ${ETCD_DATA_DIR}, then on every node mv ${holding}/*.yaml ${MANIFESTS_DIR}/.`,
      ].join('\n'),
      'half-restored',
    );
  };

  try {
    for (const cp of controlPlanes) {
      await run(
        cp,
        'stop static pods',
        `mkdir -p ${q(holding)} && mv ${MANIFESTS_DIR}/*.yaml ${q(holding)}/`,
      );
      stopped.push(cp.node.name);
    }
    for (const cp of controlPlanes) {
      steps.push({ step: 'wait etcd stopped', node: cp.node.name });
      const down = await until(
        waitMs,
        async () =>
          (
            await cp.session.exec('etcd health', etcdctl('endpoint health'), {
              quiet: true,
              allowFailure: true,
            })
          ).exitCode !== 0,
      );
      if (!down)
        throw new Error(
          `etcd on ${cp.node.name} still answers ${
            waitMs / 1000
          } s after its manifest was moved`,
        );
    }
    const initialCluster = controlPlanes
      .map(cp => `${cp.node.name}=${peerUrl(cp)}`)
      .join(',');
    for (const cp of controlPlanes) {
      const r = await run(
        cp,
        'etcdutl snapshot restore',
        [
          `rm -rf ${q(restoredDir)} &&`,
          'etcdutl snapshot restore',
          q(snapshotFile),
          `--name=${q(cp.node.name)}`,
          `--initial-cluster=${q(initialCluster)}`,
          `--initial-cluster-token=${q(`kpaas-restore-${id}`)}`,
          `--initial-advertise-peer-urls=${q(peerUrl(cp))}`,
          `--data-dir=${q(restoredDir)}`,
        ].join(' '),
        { allowFailure: true },
      );
      if (r.exitCode !== 0)
        throw new Error(
          `${cp.node.name}: etcdutl snapshot restore failed: ${r.lastLines.join(
            ' ',
          )}`,
        );
    }
  } catch (e) {
    logger.error(
      `etcd restore failed before any data was swapped: ${
        (e as Error).message
      }`,
    );
    throw await restartOnOldData((e as Error).message);
  }

  try {
    for (const cp of controlPlanes) {
      await run(
        cp,
        'swap data dir',
        `mv ${ETCD_DATA_DIR} ${q(previousDir)} && mv ${q(
          restoredDir,
        )} ${ETCD_DATA_DIR}`,
      );
      swapped.push(cp.node.name);
    }
    await each(
      'start etcd',
      () => `mv ${q(holding)}/etcd.yaml ${MANIFESTS_DIR}/`,
    );
    for (const cp of controlPlanes) {
      steps.push({ step: 'etcd healthy', node: cp.node.name });
      const healthy = await until(
        waitMs,
        async () =>
          (
            await cp.session.exec('etcd health', etcdctl('endpoint health'), {
              quiet: true,
              allowFailure: true,
            })
          ).exitCode === 0,
      );
      if (!healthy)
        throw new Error(
          `etcd on ${cp.node.name} is not healthy ${
            waitMs / 1000
          } s after the restore`,
        );
    }
    const members = await run(
      controlPlanes[0],
      'member list',
      etcdctl('member list -w json'),
    );
    const names = [...members.stdout.matchAll(/"name":"([^"]*)"/g)]
      .map(m => m[1])
      .sort();
    const expected = controlPlanes.map(cp => cp.node.name).sort();
    if (names.join(',') !== expected.join(',')) {
      throw new Error(
        `etcd members after the restore are [${names.join(
          ', ',
        )}], expected [${expected.join(', ')}]`,
      );
    }
    const status = parseEndpointStatus(
      (
        await run(
          controlPlanes[0],
          'new cluster id',
          etcdctl('endpoint status -w json'),
        )
      ).stdout,
    );
    await each(
      'record cluster id',
      () =>
        `mkdir -p ${q(CLUSTER_ID_LINEAGE.replace(/\/[^/]+$/, ''))} && { cat ${q(
          CLUSTER_ID_LINEAGE,
        )} 2>/dev/null; echo ${q(snapshot.clusterId)}; echo ${q(
          status.clusterId,
        )}; } | sort -u > ${q(`${CLUSTER_ID_LINEAGE}.new`)} && mv ${q(
          `${CLUSTER_ID_LINEAGE}.new`,
        )} ${q(CLUSTER_ID_LINEAGE)}`,
    );
    await each(
      'start control plane',
      () => `mv ${q(holding)}/*.yaml ${MANIFESTS_DIR}/ && rmdir ${q(holding)}`,
    );
    if (opts.verifyApi) {
      steps.push({ step: 'api ready', node: cluster });
      let lastError: unknown;
      const up = await until(waitMs, async () => {
        try {
          await opts.verifyApi!();
          return true;
        } catch (e) {
          lastError = e;
          return false;
        }
      });
      if (!up) {
        throw new EtcdRestoreError(
          `etcd was restored on every control plane (quorum of ${expected.length}, new cluster ID ${status.clusterId}, previous data in ${previousDir}) but the API server does not answer: ${lastError}. Check kube-apiserver on each control plane (crictl ps, crictl logs)`,
          'half-restored',
        );
      }
    }
    logger.info(
      `etcd restored from ${snapshotFile} (cluster ${
        snapshot.cluster
      }, revision ${snapshot.revision}) on ${expected.join(
        ', ',
      )}; new etcd cluster ID ${
        status.clusterId
      }; previous data kept in ${previousDir} on each node`,
    );
    return {
      restoreId: id,
      steps,
      snapshot,
      newClusterId: status.clusterId,
      previousDataDir: previousDir,
    };
  } catch (e) {
    if (e instanceof EtcdRestoreError) throw e;
    logger.error(
      `etcd restore failed after the data swap: ${(e as Error).message}`,
    );
    throw halfRestored((e as Error).message);
  }
}
