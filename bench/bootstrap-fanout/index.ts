/*
 * bench/bootstrap-fanout: the kpaas node-prep script (with the apt-get stand-in sleeping a fixed
 * time per call in place of real package downloads: 5 calls x 0.4 s = 2 s per node) on N = 1, 10
 * and 50 SSH rig nodes, run by kpaas's SSH executor and by Ansible (`ansible all -m script`,
 * forks 5 and forks N), in the same process run against the same nodes.
 *
 * Both sides do the same work per node and are timed from nothing to done: connect (kpaas: one
 * ssh2 connection; Ansible: an OpenSSH ControlMaster, its default), upload the script, run it,
 * collect its output. Neither reuses anything from an earlier run: Ansible gets a fresh
 * ControlPath directory per run and its masters are closed after it, and kpaas opens new
 * connections every run. One untimed warm-up of each side comes first (module loading, JIT,
 * page cache). kpaas runs are short, so each N is run KPAAS_REPEAT times and the median is used;
 * every sample is printed.
 *
 * The rig's nodes share this machine's cores, so the figures also show the CPU the nodes used
 * per node (everything under each node's sshd: handshakes, shells, the script, the stand-ins),
 * the controller's CPU (kpaas: this process; Ansible: its processes) and the load average: with
 * N nodes on 2 cores, wall time at large N is bounded below by N x node CPU / cores.
 *
 * Anchor: Ansible. Targets at N=50: >= 5x faster than forks=5, >= 2x faster than forks=50;
 * kpaas wall(50)/wall(1) <= 1.5.
 *
 * Run: `npm run bench -- bootstrap-fanout` (root; needs sshd and ansible).
 */
import { SshNodeRig, startSshNodes } from '@internal/kpaas-testkit';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  connectAll,
  runOnNodes,
  SecretMasker,
} from '../../plugins/scaffolder-actions/src/ssh';

const SCRIPTS = path.resolve(
  __dirname,
  '../../templates/kpaas-cluster/skeleton/scripts',
);
const SIZES = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number);
const KPAAS_REPEAT = Number(process.env.KPAAS_REPEAT ?? 3);
const APT_SECONDS = '0.4';
const CONCURRENCY = 50; // kpaas:bootstrap's default `concurrency`
const CLK_TCK = 100; // USER_HZ on Linux

/** lib.sh + node-prep.sh as one self-contained script (Ansible's script module copies one file). */
function bundle(runId: string): string {
  const lib = fs.readFileSync(path.join(SCRIPTS, 'lib.sh'), 'utf8');
  const prep = fs
    .readFileSync(path.join(SCRIPTS, 'node-prep.sh'), 'utf8')
    .replace(/^\. "\$\(dirname "\$0"\)\/lib.sh"$/m, '');
  return [
    '#!/bin/bash',
    'export K8S_VERSION=v1.33.5 CONTAINER_RUNTIME=containerd',
    `export KPAAS_STATE_DIR=/var/lib/kpaas/bench-${runId}`,
    lib,
    prep.replace(/^#!\/bin\/bash$/m, ''),
  ].join('\n');
}

/** utime+stime+cutime+cstime of a /proc/<pid>/stat, in seconds (0 if gone). */
function processCpu(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (
      (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK
    );
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by the nodes' processes: the live ones plus everything they reaped
 * (each node's sshd is the reaper of its pid namespace, so finished sessions count too).
 */
function nodesCpu(rig: SshNodeRig): number {
  return rig.pids().reduce((sum, pid) => sum + processCpu(pid), 0);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; output: string }>(resolve => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => {
      output += d;
    });
    child.stderr.on('data', d => {
      output += d;
    });
    child.on('close', status => resolve({ status, output }));
  });
}

interface Row {
  n: number;
  runner: string;
  seconds: number;
  samples: number[];
  nodeCpuPerNode: number;
  controllerCpu: number;
  load: number;
}

async function main() {
  const haveAnsible = spawnSync('ansible', ['--version']).status === 0;
  if (!haveAnsible)
    console.log('ansible is not installed: skipping the Ansible anchor');
  const max = Math.max(...SIZES);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-bench-fanout-'));
  const rig = await startSshNodes({
    count: max,
    namePrefix: 'bench',
    env: { KPAAS_STANDIN_APT_SECONDS: APT_SECONDS },
  });
  const keyFile = path.join(work, 'id');
  fs.writeFileSync(keyFile, rig.privateKey, { mode: 0o600 });
  const knownHosts = path.join(work, 'known_hosts');
  fs.writeFileSync(knownHosts, rig.knownHosts());
  const rows: Row[] = [];
  let runNo = 0;
  const logger = { info: () => {}, warn: () => {}, error: () => {} };

  const kpaasOnce = async (nodes: SshNodeRig['nodes']) => {
    const id = `kpaas-${nodes.length}-${runNo++}`;
    const script = bundle(id);
    const start = process.hrtime.bigint();
    const sessions = await connectAll(
      nodes.map(x => ({
        name: x.name,
        host: x.host,
        port: x.port,
        user: 'root',
        hostKeyFingerprint: x.hostKeyFingerprint,
      })),
      { privateKey: rig.privateKey, logger, masker: new SecretMasker() },
      CONCURRENCY,
    );
    try {
      await runOnNodes(
        [...sessions.values()],
        CONCURRENCY,
        async s => {
          const dir = await s.uploadFiles('.kpaas/bench', [
            { name: 'node-prep.sh', content: script, mode: 0o755 },
          ]);
          const r = await s.exec('node prep', `bash ${dir}/node-prep.sh`);
          if (!r.stdout.includes('[kpaas] node prepared')) {
            throw new Error(`${s.name}: node prep printed no completion line`);
          }
        },
        'bench',
      );
    } finally {
      for (const s of sessions.values()) s.close();
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
  };

  const ansibleOnce = async (
    nodes: SshNodeRig['nodes'],
    forks: number,
    module: 'script' | 'raw' = 'script',
  ) => {
    const id = `ansible-${nodes.length}-${forks}-${runNo++}`;
    const scriptFile = path.join(work, `${id}.sh`);
    fs.writeFileSync(scriptFile, bundle(id), { mode: 0o755 });
    const inventory = path.join(work, `inventory-${id}.ini`);
    fs.writeFileSync(
      inventory,
      `[all]\n${nodes
        .map(
          x =>
            `${x.name} ansible_host=${x.host} ansible_port=${x.port} ansible_user=root`,
        )
        .join('\n')}\n`,
    );
    // a fresh ControlPath dir: no master connection of an earlier run is reused
    const controlDir = path.join(work, `cp-${id}`);
    fs.mkdirSync(controlDir, { mode: 0o700 });
    const start = process.hrtime.bigint();
    const r = await run(
      'ansible',
      [
        'all',
        '-i',
        inventory,
        '-m',
        module,
        '-a',
        module === 'script' ? scriptFile : 'true',
        '-f',
        String(forks),
      ],
      {
        ...process.env,
        ANSIBLE_HOST_KEY_CHECKING: 'True',
        ANSIBLE_PRIVATE_KEY_FILE: keyFile,
        ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${knownHosts} -o ControlMaster=auto -o ControlPersist=60s`,
        ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
        ANSIBLE_LOCAL_TEMP: path.join(work, 'ansible-tmp'),
        ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
        ANSIBLE_STDOUT_CALLBACK: 'minimal',
      },
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
      throw new Error(
        `ansible forks=${forks} N=${nodes.length} failed (exit ${
          r.status
        }):\n${r.output.slice(-2000)}`,
      );
    }
    // minimal callback: `host | CHANGED => {json}` per host, its stdout_lines one per line
    const changed = (r.output.match(/ \| CHANGED => \{/g) ?? []).length;
    const done = (r.output.match(/^\s*"\[kpaas\] node prepared",?$/gm) ?? [])
      .length;
    if (
      module === 'script' &&
      (changed !== nodes.length || done !== nodes.length)
    ) {
      throw new Error(
        `ansible forks=${forks} N=${
          nodes.length
        }: ${changed} changed, ${done} completed:\n${r.output.slice(-2000)}`,
      );
    }
    // close the persisted masters (untimed) so they neither linger nor serve a later run
    await Promise.all(
      fs
        .readdirSync(controlDir)
        .map(sock =>
          run(
            'ssh',
            [
              '-o',
              `ControlPath=${path.join(controlDir, sock)}`,
              '-O',
              'exit',
              'x',
            ],
            process.env,
          ),
        ),
    );
    return seconds;
  };

  /** Times `fn`, also measuring node CPU (after the nodes reaped their sessions) and load. */
  const measure = async (
    n: number,
    runner: string,
    times: number,
    fn: () => Promise<number>,
    controllerCpu: () => number,
  ) => {
    const samples: number[] = [];
    let cpu = 0;
    let ctl = 0;
    const load = os.loadavg()[0];
    for (let i = 0; i < times; i++) {
      await sleep(300);
      const c0 = nodesCpu(rig);
      const p0 = controllerCpu();
      samples.push(await fn());
      await sleep(300); // let the nodes' sshd reap the closed sessions
      cpu += nodesCpu(rig) - c0;
      ctl += controllerCpu() - p0;
    }
    const sorted = [...samples].sort((a, b) => a - b);
    rows.push({
      n,
      runner,
      seconds: sorted[Math.floor(sorted.length / 2)],
      samples,
      nodeCpuPerNode: cpu / times / n,
      controllerCpu: ctl / times,
      load,
    });
  };
  const selfCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  // reaped children of this process: the ansible runs and their ssh clients
  const childrenCpu = () => {
    try {
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[13]) + Number(f[14])) / CLK_TCK;
    } catch {
      return 0;
    }
  };

  try {
    // untimed warm-up of both sides on one node
    await kpaasOnce(rig.nodes.slice(0, 1));
    if (haveAnsible) await ansibleOnce(rig.nodes.slice(0, 1), 1, 'raw');

    for (const n of SIZES) {
      const nodes = rig.nodes.slice(0, n);
      await measure(n, 'kpaas', KPAAS_REPEAT, () => kpaasOnce(nodes), selfCpu);
      if (!haveAnsible) continue;
      for (const forks of [...new Set([5, n])]) {
        await measure(
          n,
          `ansible -f ${forks}`,
          1,
          () => ansibleOnce(nodes, forks),
          childrenCpu,
        );
      }
    }
  } finally {
    await rig.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  console.log(
    `node-prep (2 s of simulated package installs per node) on N rig nodes; wall seconds (kpaas: median of ${KPAAS_REPEAT})`,
  );
  console.log(
    'N    runner            wall s   ansible/kpaas   node CPU s/node   controller CPU s   load1   samples',
  );
  for (const r of rows) {
    const kpaas = rows.find(x => x.n === r.n && x.runner === 'kpaas')!.seconds;
    console.log(
      `${String(r.n).padEnd(4)} ${r.runner.padEnd(17)} ${r.seconds
        .toFixed(2)
        .padStart(7)}   ${(r.runner === 'kpaas'
        ? ''
        : `${(r.seconds / kpaas).toFixed(2)}x`
      ).padStart(13)}   ${r.nodeCpuPerNode
        .toFixed(3)
        .padStart(15)}   ${r.controllerCpu.toFixed(2).padStart(16)}   ${r.load
        .toFixed(1)
        .padStart(5)}   ${r.samples.map(s => s.toFixed(2)).join(' ')}`,
    );
  }
  const wall = (n: number, runner: string) =>
    rows.find(x => x.n === n && x.runner === runner)?.seconds;
  const k1 = wall(Math.min(...SIZES), 'kpaas');
  const kMax = wall(max, 'kpaas');
  const a5 = wall(max, 'ansible -f 5');
  const aN = wall(max, `ansible -f ${max}`);
  if (k1 && kMax) {
    console.log(
      `kpaas wall(${max})/wall(${Math.min(...SIZES)}) = ${(kMax / k1).toFixed(
        2,
      )} (target <= 1.5)`,
    );
    const big = rows.find(x => x.n === max && x.runner === 'kpaas')!;
    const cores = os.cpus().length;
    console.log(
      `  lower bound from CPU alone at N=${max}: ${max} nodes x ${big.nodeCpuPerNode.toFixed(
        3,
      )} s + ${big.controllerCpu.toFixed(
        2,
      )} s controller over ${cores} cores = ${(
        (max * big.nodeCpuPerNode + big.controllerCpu) /
        cores
      ).toFixed(2)} s (if nothing else ran)`,
    );
  }
  if (kMax && a5)
    console.log(
      `N=${max}: ansible -f 5 / kpaas = ${(a5 / kMax).toFixed(
        2,
      )}x (target >= 5)`,
    );
  if (kMax && aN)
    console.log(
      `N=${max}: ansible -f ${max} / kpaas = ${(aN / kMax).toFixed(
        2,
      )}x (target >= 2)`,
    );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
