#!/usr/bin/env node
// Runs the kpaas benchmarks: `npm run bench` (all) or `npm run bench -- <name> [...]`.
// Each benchmark is a folder bench/<name>/ with an index.ts (run through Backstage's Node
// transform so it can import workspace TypeScript) that prints its figures and the ratios
// against its named anchor. Speed and memory targets live here, never in unit tests.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const benchDir = __dirname;
const root = path.resolve(benchDir, '..');
const available = fs
  .readdirSync(benchDir, { withFileTypes: true })
  .filter(e => e.isDirectory() && fs.existsSync(path.join(benchDir, e.name, 'index.ts')))
  .map(e => e.name)
  .sort();

const wanted = process.argv.slice(2);
const unknown = wanted.filter(name => !available.includes(name));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ') || 'none'}`);
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

// A benchmark that printed its figures but does not exit (an open handle) fails instead of
// hanging the run: BENCH_TIMEOUT_MINUTES per benchmark (default 20).
const timeoutMinutes = Number(process.env.BENCH_TIMEOUT_MINUTES || 20);
let failed = 0;
for (const name of selected) {
  console.log(`\n=== bench/${name} ===`);
  const run = spawnSync(
    process.execPath,
    ['--require', require.resolve('@backstage/cli/config/nodeTransform.cjs', { paths: [root] }), path.join(benchDir, name, 'index.ts')],
    { cwd: root, stdio: 'inherit', timeout: timeoutMinutes * 60_000, killSignal: 'SIGKILL' },
  );
  if (run.error && run.error.code === 'ETIMEDOUT') {
    console.error(
      `bench/${name} did not exit within ${timeoutMinutes} min (BENCH_TIMEOUT_MINUTES): something it started is still open`,
    );
  }
  if (run.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
