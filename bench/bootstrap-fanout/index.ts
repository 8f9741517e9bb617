/*
 * bench/bootstrap-fanout: the kpaas node-prep script (with the apt-get stand-in sleeping a fixed
 * time per call in place of real package downloads: 5 calls x 0.4 s = 2 s per node) on N = 1, 10,
 * 50 and 100 SSH rig nodes, run by kpaas's SSH executor and by Ansible (`ansible all -m script`,
 * forks 5 and forks N), in the same process run against the same nodes.
 *
 * Both sides do the same work per node and are timed from nothing to done: connect (kpaas: one
 * ssh2 connection; Ansible: an OpenSSH ControlMaster, its default), upload the script, run it,
 * collect its output. Neither reuses anything from an earlier run: Ansible gets a fresh
 * ControlPath directory per run and its masters are closed after it, and kpaas opens new
 * connections every run. One untimed warm-up of each side comes first (module loading, JIT,
 * page cache). Every side (kpaas, ansible -f5, ansible -fN) runs BENCH_RUNS times per N (default
 * 3), interleaved; min/median/max are printed for each. kpaas works on the nodes at once as
 * kpaas:bootstrap does by default (chooseBootstrapConcurrency: every node in one round when this
 * machine can afford it).
 *
 * The rig's nodes share this machine's cores, so the figures also show the CPU the nodes used
 * per node (everything under each node's sshd: handshakes, shells, the script, the stand-ins),
 * the controller's CPU (kpaas: this process; Ansible: its processes) and the load average.
 * The rig's floor for N nodes: max(wall(1), N x node CPU per node / cores), the time the nodes'
 * own work needs on these cores if nothing else ran and the controller cost nothing; node CPU
 * per node is the lower of kpaas's runs at N=1 and at N (noise cannot raise the floor).
 *
 * Goals (N = 50 and 100): kpaas within 1.25x the floor; >= 5x faster than ansible -f5; >= 2x
 * faster than ansible -fN. Run: `npm run bench -- bootstrap-fanout` (root; needs sshd and
 * ansible). BENCH_SIZES=1,10,50,100 BENCH_RUNS=3.
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
import {
  chooseBootstrapConcurrency,
  readControllerResources,
} from '../../plugins/scaffolder-actions/src/bootstrap/concurrency';
import {
  goal,
  onCleanup,
  reportSides,
  runBenchmark,
  runSides,
  summarize,
} from '../_lib';

const SCRIPTS = path.resolve(
  __dirname,
  '../../templates/kpaas-cluster/skeleton/scripts',
);
const SIZES = (process.env.BENCH_SIZES ?? '1,10,50,100').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const APT_SECONDS = '0.4';
const GOAL_SIZES = [50, 100];
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

/** One timed run: wall seconds, node CPU per node, controller CPU, 1-min load at its start. */
interface Sample {
  seconds: number;
  nodeCpuPerNode: number;
  controllerCpu: number;
  load: number;
}

async function main() {
  if (spawnSync('ansible', ['--version']).status !== 0) {
    throw new Error(
      'ansible is not installed: the anchor of this benchmark cannot be measured (apt-get install ansible)',
    );
  }
  const max = Math.max(...SIZES);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-bench-fanout-'));
  onCleanup(() => fs.rmSync(work, { recursive: true, force: true }));
  const rig = await startSshNodes({
    count: max,
    namePrefix: 'bench',
    env: { KPAAS_STANDIN_APT_SECONDS: APT_SECONDS },
    // 100 nodes starting at once on a busy 2-core machine take longer than the 20 s default
    startTimeoutMs: 180_000,
  });
  onCleanup(() => rig.stop());
  const keyFile = path.join(work, 'id');
  fs.writeFileSync(keyFile, rig.privateKey, { mode: 0o600 });
  const knownHosts = path.join(work, 'known_hosts');
  fs.writeFileSync(knownHosts, rig.knownHosts());
  let runNo = 0;
  const logger = { info: () => {}, warn: () => {}, error: () => {} };

  const kpaasOnce = async (nodes: SshNodeRig['nodes'], concurrency: number) => {
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
      concurrency,
    );
    try {
      await runOnNodes(
        [...sessions.values()],
        concurrency,
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

  /** One timed run of `fn`, with the nodes' CPU (after they reaped their sessions) and load. */
  const measured =
    (n: number, fn: () => Promise<number>, controllerCpu: () => number) =>
    async (): Promise<Sample> => {
      await sleep(300);
      const load = os.loadavg()[0];
      const c0 = nodesCpu(rig);
      const p0 = controllerCpu();
      const seconds = await fn();
      await sleep(300); // let the nodes' sshd reap the closed sessions
      return {
        seconds,
        nodeCpuPerNode: (nodesCpu(rig) - c0) / n,
        controllerCpu: controllerCpu() - p0,
        load,
      };
    };

  // untimed warm-up of both sides on one node
  await kpaasOnce(rig.nodes.slice(0, 1), 1);
  await ansibleOnce(rig.nodes.slice(0, 1), 1, 'raw');

  const results = new Map<number, Record<string, Sample[]>>();
  const concurrencyOf = new Map<number, string>();
  for (const n of SIZES) {
    const nodes = rig.nodes.slice(0, n);
    const choice = chooseBootstrapConcurrency(n, readControllerResources());
    concurrencyOf.set(n, `${choice.concurrency} (${choice.reason})`);
    const sides: Record<string, () => Promise<Sample>> = {
      kpaas: measured(n, () => kpaasOnce(nodes, choice.concurrency), selfCpu),
    };
    for (const forks of [...new Set([5, n])]) {
      sides[`ansible -f${forks}`] = measured(
        n,
        () => ansibleOnce(nodes, forks),
        childrenCpu,
      );
    }
    console.log(
      `N=${n}: ${RUNS} runs per side (${Object.keys(sides).join(
        ', ',
      )}), kpaas concurrency ${concurrencyOf.get(n)}`,
    );
    const samples = await runSides(RUNS, sides);
    results.set(n, samples);
    report(n, samples);
  }
}

const median = (xs: number[]) => summarize(xs).median;
/** wall time and node CPU per node of kpaas at the smallest N (the first reported) */
let smallest: { n: number; wall: number; cpu: number } | undefined;

/** Prints N's figures as soon as they are measured, and its goals. */
function report(n: number, sides: Record<string, Sample[]>) {
  const cores = os.cpus().length;
  smallest ??= {
    n,
    wall: median(sides.kpaas.map(x => x.seconds)),
    cpu: median(sides.kpaas.map(x => x.nodeCpuPerNode)),
  };
  const walls = reportSides(
    `N=${n}: node prep (2 s of simulated package installs per node), wall time per side:`,
    sides,
    { unit: 's', digits: 2, pick: x => x.seconds },
  );
  for (const [name, samples] of Object.entries(sides)) {
    console.log(
      `  ${name} medians: node CPU ${median(
        samples.map(x => x.nodeCpuPerNode),
      ).toFixed(3)} s/node, controller CPU ${median(
        samples.map(x => x.controllerCpu),
      ).toFixed(2)} s, load1 at each run ${samples
        .map(x => x.load.toFixed(1))
        .join(' ')}`,
    );
  }
  // Node CPU per node: the lower of N=1's and this N's kpaas runs, so noise in either cannot
  // raise the floor (a higher floor would flatter kpaas).
  const cpuHere = median(sides.kpaas.map(x => x.nodeCpuPerNode));
  const cpu = Math.min(smallest.cpu, cpuHere);
  const floor = Math.max(smallest.wall, (n * cpu) / cores);
  const kpaas = walls.kpaas.median;
  const f5 = walls['ansible -f5']?.median;
  const fN = walls[`ansible -f${n}`]?.median;
  console.log(
    `  rig floor: max(kpaas wall(${smallest.n}) ${smallest.wall.toFixed(
      2,
    )} s, ${n} x ${cpu.toFixed(
      3,
    )} s node CPU per node (kpaas runs: ${smallest.cpu.toFixed(3)} at N=${
      smallest.n
    }, ${cpuHere.toFixed(
      3,
    )} at N=${n}; the lower) / ${cores} cores) = ${floor.toFixed(
      2,
    )} s; kpaas / floor = ${(kpaas / floor).toFixed(
      2,
    )}x; ansible -f5 / kpaas = ${(f5 / kpaas).toFixed(
      2,
    )}x; ansible -f${n} / kpaas = ${(fN / kpaas).toFixed(2)}x`,
  );
  if (!GOAL_SIZES.includes(n)) return;
  goal(
    `bootstrap-fanout N=${n} kpaas / rig CPU floor`,
    kpaas / floor,
    '<=',
    1.25,
    {
      unit: 'x',
      digits: 2,
    },
  );
  goal(`bootstrap-fanout N=${n} ansible -f5 / kpaas`, f5 / kpaas, '>=', 5, {
    unit: 'x',
    digits: 2,
  });
  goal(`bootstrap-fanout N=${n} ansible -f${n} / kpaas`, fN / kpaas, '>=', 2, {
    unit: 'x',
    digits: 2,
  });
}

runBenchmark('bootstrap-fanout', main);
