#!/usr/bin/env node
// `npm test`: type-checks the repo, then runs every test of every workspace (backstage-cli/jest)
// and ends with the plain summary line "N passed, N failed, N skipped". Extra args go to jest
// (e.g. `npm test -- plugins/kpaas-backend`).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const env = { ...process.env, CI: 'true' }; // CI=true also keeps jest out of watch mode

const tsc = spawnSync('yarn', ['tsc', '--pretty', 'false'], { cwd: root, stdio: 'inherit', env });
if (tsc.status !== 0) {
  console.log('\nTests: 0 passed, 1 failed, 0 skipped (type check failed: yarn tsc)');
  process.exit(tsc.status ?? 1);
}

const resultFile = path.join(root, '.toolchain', 'test-results.json');
fs.mkdirSync(path.dirname(resultFile), { recursive: true });
fs.rmSync(resultFile, { force: true });
// Jest's default of 5 s per test is what a loaded 2-core machine breaks first (a test backend's
// start, a git push to the stand-in); tests wait on conditions with their own deadlines, so the
// per-test ceiling only has to be above what load adds. Later arguments override it.
const TEST_TIMEOUT_MS = 30_000;
const run = spawnSync(
  'yarn',
  [
    'backstage-cli', 'repo', 'test', '--ci', '--json', `--outputFile=${resultFile}`,
    `--testTimeout=${TEST_TIMEOUT_MS}`, ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env },
);

let summary = 'the test runner wrote no result file';
if (fs.existsSync(resultFile)) {
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
  if (r.numTotalTests === 0) summary += ' (no test ran)';
  if (r.numRuntimeErrorTestSuites) summary += ` (${r.numRuntimeErrorTestSuites} suites failed to run)`;
}
console.log(`\nTests: ${summary}`);
process.exit(run.status ?? 1);
