/*
 * bench/bootstrap-fanout: the kpaas node-prep script (with the apt-get stand-in sleeping a fixed
 * time per call in place of real package downloads: 5 calls x 0.4 s = 2 s per node) on N = 1, 10
 * and 50 SSH rig nodes, run by kpaas's SSH executor and by Ansible (`ansible all -m script`,
 * forks 5 and forks N), in the same process run against the same nodes.
 *
 * Anchor: Ansible. Targets at N=50: >= 5x faster than forks=5, >= 2x faster than forks=50;
 * kpaas wall(50)/wall(1) <= 1.5.
 *
 * Run: `npm run bench -- bootstrap-fanout` (root; needs sshd and ansible).
 */
import { startSshNodes } from '@internal/kpaas-testkit';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  connectAll,
  runOnNodes,
  SecretMasker,
} from '../../plugins/scaffolder-actions/src/ssh';

const SCRIPTS = path.resolve(__dirname, '../../templates/kpaas-cluster/skeleton/scripts');
const SIZES = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number);
const APT_SECONDS = '0.4';

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

async function main() {
  if (spawnSync('ansible', ['--version']).status !== 0) {
    console.log('ansible is not installed: skipping the Ansible anchor');
  }
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
  const rows: Array<{ n: number; runner: string; seconds: number }> = [];
  let run = 0;
  try {
    for (const n of SIZES) {
      const nodes = rig.nodes.slice(0, n);

      // kpaas executor: connect, upload, run; connection per node, concurrency 50
      {
        const id = `kpaas-${n}-${run++}`;
        const script = bundle(id);
        const start = process.hrtime.bigint();
        const logger = { info: () => {}, warn: () => {}, error: () => {} };
        const sessions = await connectAll(
          nodes.map(x => ({ name: x.name, host: x.host, port: x.port, user: 'root', hostKeyFingerprint: x.hostKeyFingerprint })),
          { privateKey: rig.privateKey, logger, masker: new SecretMasker() },
          50,
        );
        await runOnNodes([...sessions.values()], 50, async s => {
          const dir = await s.uploadFiles('.kpaas/bench', [{ name: 'node-prep.sh', content: script, mode: 0o755 }]);
          await s.exec('node prep', `bash ${dir}/node-prep.sh`);
        }, 'bench');
        for (const s of sessions.values()) s.close();
        rows.push({ n, runner: 'kpaas', seconds: Number(process.hrtime.bigint() - start) / 1e9 });
      }

      // Ansible, forks 5 and forks N
      for (const forks of [...new Set([5, n])]) {
        const id = `ansible-${n}-${forks}-${run++}`;
        const scriptFile = path.join(work, `${id}.sh`);
        fs.writeFileSync(scriptFile, bundle(id), { mode: 0o755 });
        const inventory = path.join(work, `inventory-${n}.ini`);
        fs.writeFileSync(
          inventory,
          `[all]\n${nodes.map(x => `${x.name} ansible_host=${x.host} ansible_port=${x.port} ansible_user=root`).join('\n')}\n`,
        );
        const start = process.hrtime.bigint();
        const r = spawnSync('ansible', ['all', '-i', inventory, '-m', 'script', '-a', scriptFile, '-f', String(forks)], {
          env: {
            ...process.env,
            ANSIBLE_HOST_KEY_CHECKING: 'True',
            ANSIBLE_PRIVATE_KEY_FILE: keyFile,
            ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${knownHosts} -o ControlMaster=auto -o ControlPersist=60s`,
            ANSIBLE_LOCAL_TEMP: path.join(work, 'ansible-tmp'),
            ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
            ANSIBLE_STDOUT_CALLBACK: 'minimal',
          },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (r.status !== 0) {
          console.log(`ansible forks=${forks} N=${n} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-2000)}`);
        }
        rows.push({ n, runner: `ansible -f ${forks}`, seconds });
      }
    }
  } finally {
    await rig.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  console.log(`node-prep (2 s of simulated package installs per node) on N rig nodes; wall seconds`);
  console.log('N    runner            wall s   ansible/kpaas');
  for (const r of rows) {
    const kpaas = rows.find(x => x.n === r.n && x.runner === 'kpaas')!.seconds;
    console.log(
      `${String(r.n).padEnd(4)} ${r.runner.padEnd(17)} ${r.seconds.toFixed(2).padStart(7)}   ${
        r.runner === 'kpaas' ? '' : `${(r.seconds / kpaas).toFixed(2)}x`
      }`,
    );
  }
  const wall = (n: number, runner: string) => rows.find(x => x.n === n && x.runner === runner)?.seconds;
  const k1 = wall(Math.min(...SIZES), 'kpaas');
  const kMax = wall(max, 'kpaas');
  const a5 = wall(max, 'ansible -f 5');
  const aN = wall(max, `ansible -f ${max}`);
  if (k1 && kMax) console.log(`kpaas wall(${max})/wall(${Math.min(...SIZES)}) = ${(kMax / k1).toFixed(2)} (target <= 1.5)`);
  if (kMax && a5) console.log(`N=${max}: ansible -f 5 / kpaas = ${(a5 / kMax).toFixed(2)}x (target >= 5)`);
  if (kMax && aN) console.log(`N=${max}: ansible -f ${max} / kpaas = ${(aN / kMax).toFixed(2)}x (target >= 2)`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
