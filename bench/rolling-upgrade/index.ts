/*
 * bench/rolling-upgrade: kpaas:upgrade rolling 50 workers (plus one control plane) on the SSH
 * node rig at maxUnavailable 1, 5 and 10: the workers' wall time against the sum of their
 * per-node times, as a ratio (1.0 = one node at a time; 1/maxUnavailable is the floor).
 *
 * The nodes are real sshd processes running the stand-ins, which sleep where a real node waits
 * for the network or for kubeadm (apt-get update/install KPAAS_STANDIN_APT_SECONDS each,
 * kubeadm upgrade KPAAS_STANDIN_KUBEADM_UPGRADE_SECONDS), so a node's time is mostly simulated
 * work, not this machine's CPU. Each worker is cordoned and drained through the Eviction API
 * (no pods on them), upgraded, restarted, uncordoned and waited for Ready with the new version
 * (the rig's node controller reports it), exactly as in production. One rig serves the three
 * runs: v1.31.13 -> v1.32.11 (maxUnavailable 1) -> v1.33.7 (5) -> v1.34.8 (10).
 *
 * Anchor: Kubespray's upgrade-cluster.yml, whose worker play runs with `serial: 20%`: batches of
 * 20 % of the workers (10 of 50), each batch finishing with its slowest node before the next
 * starts. Kubespray is not run here: its wall time is COMPUTED from the per-node times kpaas
 * measured at maxUnavailable 1 (the uncontended per-node cost), grouped in serial batches of 10
 * in rollout order (sum of each batch's slowest node), and printed with the same ratio.
 *
 * Run: `npm run bench -- rolling-upgrade` (root; needs sshd). BENCH_WORKERS to change 50.
 */
import fs from 'node:fs';
import { goal, onCleanup, runBenchmark } from '../_lib';
import {
  runUpgradeAction,
  startUpgradeRig,
} from '../../plugins/scaffolder-actions/src/upgrade/__testUtils__/upgradeRig';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 50);
const APT_SECONDS = '0.4';
const KUBEADM_UPGRADE_SECONDS = '1';
const RUNS: Array<{ maxUnavailable: number; version: string }> = [
  { maxUnavailable: 1, version: 'v1.32.11' },
  { maxUnavailable: 5, version: 'v1.33.7' },
  { maxUnavailable: 10, version: 'v1.34.8' },
];
const KUBESPRAY_SERIAL = 0.2;

interface Timing {
  node: string;
  role: string;
  batch: number;
  startedAt: string;
  seconds: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Serial batches (Ansible `serial`): each batch takes its slowest node's time. */
function serialWall(seconds: number[], batchSize: number): number {
  let wall = 0;
  for (let i = 0; i < seconds.length; i += batchSize)
    wall += Math.max(...seconds.slice(i, i + batchSize));
  return wall;
}

runBenchmark('rolling-upgrade', async () => {
  if (fs.existsSync('/var/log/kpaas-standins')) {
    throw new Error(
      'remove /var/log/kpaas-standins on the host first (a stand-in run on the host pollutes every rig node)',
    );
  }
  const t0 = Date.now();
  const rig = await startUpgradeRig({
    controlPlanes: 1,
    workers: WORKERS,
    version: 'v1.31.13',
    env: {
      KPAAS_STANDIN_APT_SECONDS: APT_SECONDS,
      KPAAS_STANDIN_KUBEADM_UPGRADE_SECONDS: KUBEADM_UPGRADE_SECONDS,
    },
  });
  onCleanup(() => rig.stop());
  console.log(
    `rig: 1 control plane + ${WORKERS} workers on v1.31.13 ready in ${(
      (Date.now() - t0) /
      1000
    ).toFixed(
      1,
    )} s; stand-ins sleep apt-get update/install ${APT_SECONDS} s each, kubeadm upgrade ${KUBEADM_UPGRADE_SECONDS} s`,
  );

  const rows: Array<{
    maxUnavailable: number;
    wall: number;
    perNodeSum: number;
    perNode: number[];
  }> = [];
  let uncontended: number[] = [];
  for (const run of RUNS) {
    rig.setVersion(run.version);
    const r = runUpgradeAction(rig, {
      maxUnavailable: run.maxUnavailable,
      readyTimeoutSeconds: 120,
      commandTimeoutSeconds: 120,
    });
    const started = Date.now();
    await r.run();
    const total = (Date.now() - started) / 1000;
    const workers = (r.outputs().nodeTimings as Timing[]).filter(
      t => t.role === 'worker',
    );
    if (workers.length !== WORKERS) {
      throw new Error(
        `expected ${WORKERS} workers upgraded to ${run.version}, got ${workers.length}`,
      );
    }
    const stillOld = rig.nodes.filter(
      n => rig.nodeVersion(n.name) !== run.version,
    );
    if (stillOld.length > 0)
      throw new Error(
        `not at ${run.version}: ${stillOld.map(n => n.name).join(', ')}`,
      );
    const starts = workers.map(t => Date.parse(t.startedAt));
    const ends = workers.map(t => Date.parse(t.startedAt) + t.seconds * 1000);
    const wall = (Math.max(...ends) - Math.min(...starts)) / 1000;
    const perNode = workers.map(t => t.seconds);
    rows.push({
      maxUnavailable: run.maxUnavailable,
      wall,
      perNodeSum: sum(perNode),
      perNode,
    });
    if (run.maxUnavailable === 1) uncontended = perNode;
    const sorted = [...perNode].sort((a, b) => a - b);
    console.log(
      `maxUnavailable ${run.maxUnavailable} (${
        run.version
      }): whole action ${total.toFixed(1)} s; workers wall ${wall.toFixed(
        1,
      )} s, sum of per-node ${sum(perNode).toFixed(
        1,
      )} s, per node min/median/max ${sorted[0].toFixed(2)}/${sorted[
        Math.floor(sorted.length / 2)
      ].toFixed(2)}/${sorted[sorted.length - 1].toFixed(2)} s`,
    );
  }

  const batch = Math.max(1, Math.round(WORKERS * KUBESPRAY_SERIAL));
  const anchorWall = serialWall(uncontended, batch);
  const anchorSum = sum(uncontended);
  console.log('');
  console.log(
    `| rollout (${WORKERS} workers) | workers wall | sum of per-node times | wall / sum |`,
  );
  console.log('|---|---|---|---|');
  for (const row of rows) {
    console.log(
      `| kpaas maxUnavailable ${row.maxUnavailable} | ${row.wall.toFixed(
        1,
      )} s | ${row.perNodeSum.toFixed(1)} s | ${(
        row.wall / row.perNodeSum
      ).toFixed(3)} |`,
    );
  }
  console.log(
    `| Kubespray upgrade-cluster.yml, serial 20 % (${batch} per batch; computed from the maxUnavailable 1 per-node times, not run) | ${anchorWall.toFixed(
      1,
    )} s | ${anchorSum.toFixed(1)} s | ${(anchorWall / anchorSum).toFixed(
      3,
    )} |`,
  );
  console.log('');

  const ratio = (mu: number) => {
    const row = rows.find(r => r.maxUnavailable === mu)!;
    return row.wall / row.perNodeSum;
  };
  // one at a time: nothing but the nodes' own time (waits between nodes add at most 5 %)
  goal('maxUnavailable 1: wall / sum of per-node times', ratio(1), '<=', 1.05, {
    digits: 3,
  });
  // batches: the floor is 1/maxUnavailable; each batch waits for its slowest node
  goal('maxUnavailable 5: wall / sum of per-node times', ratio(5), '<=', 0.3, {
    digits: 3,
  });
  goal(
    'maxUnavailable 10: wall / sum of per-node times',
    ratio(10),
    '<=',
    0.15,
    {
      digits: 3,
    },
  );
  // the same batch size as Kubespray's 20 %: no worse than its serial batches would be
  goal(
    'maxUnavailable 10 vs Kubespray serial 20 % (ratio / anchor ratio)',
    ratio(10) / (anchorWall / anchorSum),
    '<=',
    1.1,
    { digits: 3 },
  );
});
