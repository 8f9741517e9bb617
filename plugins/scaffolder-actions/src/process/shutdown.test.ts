import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { runProcess } from '../provision/runProcess';
import { buildChildEnv } from './childEnv';
import { ToolShutdown } from './shutdown';

describe('ToolShutdown', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-shutdown-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('interrupts a running tool group on backend shutdown and waits until it has exited', async () => {
    // Like Terraform on SIGINT: finishes up (writes a marker, as Terraform writes its state and
    // unlocks), then exits. Its child sleeps in the same process group.
    const script = path.join(dir, 'tool.sh');
    const marker = path.join(dir, 'interrupted');
    fs.writeFileSync(
      script,
      `#!/bin/sh\ntrap 'sleep 0.3; echo done > "${marker}"; exit 130' INT\nsleep 60 &\necho started\nwait\n`,
      { mode: 0o755 },
    );
    const shutdown = new ToolShutdown();
    const task = new AbortController(); // the task itself is never cancelled
    const logger = mockServices.logger.mock();
    let started!: () => void;
    const running = new Promise<void>(resolve => (started = resolve));
    logger.info.mockImplementation((line: string) => {
      if (line === 'started') started();
    });
    const run = shutdown.track(
      runProcess({
        command: script,
        args: [],
        cwd: dir,
        env: buildChildEnv({ runDir: path.join(dir, 'run') }),
        logger,
        mask: t => t,
        signal: shutdown.combine(task.signal),
        stopGraceMs: 5_000,
      }),
    );
    await running;

    await shutdown.shutdown();
    // shutdown() resolved only after the tool wrote its marker and its whole group was gone
    expect(fs.readFileSync(marker, 'utf8')).toBe('done\n');
    const result = await run;
    expect(result.stoppedBy).toBe('cancel');
    expect(() => process.kill(-result.pid, 0)).toThrow(
      expect.objectContaining({ code: 'ESRCH' }),
    );
    expect(task.signal.aborted).toBe(false);
  });

  it('combines the task signal: a cancelled task still stops its own tool', () => {
    const shutdown = new ToolShutdown();
    const task = new AbortController();
    const combined = shutdown.combine(task.signal);
    task.abort();
    expect(combined.aborted).toBe(true);
    expect(shutdown.signal.aborted).toBe(false);
  });
});
