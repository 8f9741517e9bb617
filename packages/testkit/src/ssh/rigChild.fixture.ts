/*
 * Child-process fixture for sshNodeRig.test.ts: starts a 2-node rig, prints
 * {dir, pids} as one JSON line, then either exits without calling rig.stop()
 * (mode 'exit': the process 'exit' hook must clean up) or waits to be
 * SIGKILLed (mode 'wait': PR_SET_PDEATHSIG must take the nodes down).
 *
 * Run: node -r sucrase/register/ts rigChild.fixture.ts <exit|wait> [baseDir]
 */
import { startSshNodes } from './sshNodeRig';

async function main() {
  const mode = process.argv[2] ?? 'wait';
  const rig = await startSshNodes({
    count: 2,
    namePrefix: 'child',
    baseDir: process.argv[3],
  });
  process.stdout.write(
    `${JSON.stringify({ dir: rig.dir, pids: rig.pids() })}\n`,
  );
  if (mode === 'exit') {
    process.exit(0);
  }
  setInterval(() => undefined, 1000);
}

main().catch(e => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
