#!/usr/bin/env node
// Runs the kpaas benchmarks: `npm run bench` (all) or `npm run bench -- <name> [...]`.
// Each benchmark is a folder bench/<name>/ with an index.ts (run through Backstage's Node
// transform so it can import workspace TypeScript) that prints its figures, its ratios against
// its named anchor and one `GOAL <name>: <figure> (goal <op> <target>) met|missed` line per goal
// (bench/_lib, shared helpers, is not a benchmark). Speed and memory targets live here, never in
// unit tests. Every benchmark runs to its end, one after the other; the run ends with a summary:
// each benchmark's exit and time, and every GOAL line with met/missed. Exit code 1 when a
// benchmark failed (non-zero exit, or no exit within BENCH_TIMEOUT_MINUTES) or printed no GOAL.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const benchDir = __dirname;
const root = path.resolve(benchDir, '..');
const available = fs
  .readdirSync(benchDir, { withFileTypes: true })
  .filter(
    e =>
      e.isDirectory() &&
      !e.name.startsWith('_') &&
      fs.existsSync(path.join(benchDir, e.name, 'index.ts')),
  )
  .map(e => e.name)
  .sort();

const wanted = process.argv.slice(2);
const unknown = wanted.filter(name => !available.includes(name));
if (unknown.length) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; available: ${
      available.join(', ') || 'none'
    }`,
  );
  process.exit(2);
}
const selected = wanted.length ? wanted : available;
if (selected.length === 0) {
  console.log('no benchmarks are defined yet (bench/<name>/index.ts)');
  process.exit(0);
}
if (process.env.KPAAS_DRY_RUN === '1') {
  console.log(`kpaas (dry run): would run bench/${selected.join(', bench/')}`);
  process.exit(0);
}

// A benchmark that does not exit (an open handle, a hung step) is killed with everything it
// started (its process group) and fails loudly: BENCH_TIMEOUT_MINUTES per benchmark (default 30).
const timeoutMinutes = Number(process.env.BENCH_TIMEOUT_MINUTES || 30);
const transform = require.resolve('@backstage/cli/config/nodeTransform.cjs', {
  paths: [root],
});
const load = () =>
  os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ');

/** Process group of the benchmark running now. */
let current;

/** Runs one benchmark, echoing its output; resolves to its exit, time and GOAL lines. */
function runOne(name) {
  return new Promise(resolve => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--require', transform, path.join(benchDir, name, 'index.ts')],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    current = child.pid;
    const goals = [];
    let pending = '';
    child.stdout.on('data', chunk => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) if (line.startsWith('GOAL ')) goals.push(line);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(
        `\nbench/${name} did not exit within ${timeoutMinutes} min (BENCH_TIMEOUT_MINUTES): killing it and what it started`,
      );
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMinutes * 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      if (pending.startsWith('GOAL ')) goals.push(pending);
      resolve({
        name,
        code,
        signal,
        timedOut,
        goals,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

// Ctrl-C: stop the running benchmark's whole group too.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current) {
      try {
        process.kill(-current, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

(async () => {
  const results = [];
  for (const name of selected) {
    console.log(`\n=== bench/${name} (load ${load()}) ===`);
    results.push(await runOne(name));
  }
  let failed = 0;
  let met = 0;
  let missed = 0;
  console.log(
    `\n=== summary (${results.length} benchmark${
      results.length === 1 ? '' : 's'
    }, ${os.cpus().length} CPUs, load ${load()} now) ===`,
  );
  for (const r of results) {
    const broken = r.timedOut || r.code !== 0 || r.goals.length === 0;
    if (broken) failed += 1;
    const status = r.timedOut
      ? `FAILED: no exit within ${timeoutMinutes} min, killed`
      : r.code !== 0
      ? `FAILED: exit ${r.code ?? r.signal}`
      : r.goals.length === 0
      ? 'FAILED: printed no GOAL line'
      : 'completed';
    console.log(`bench/${r.name}: ${status} (${r.seconds.toFixed(0)} s)`);
    for (const g of r.goals) {
      console.log(`  ${g}`);
      if (/ met$/.test(g)) met += 1;
      else missed += 1;
    }
  }
  console.log(
    `GOALS: ${met} met, ${missed} missed; ${failed} of ${
      results.length
    } benchmark${results.length === 1 ? '' : 's'} failed`,
  );
  process.exit(failed ? 1 : 0);
})();
