import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import {
  findRealTerraform,
  realTerraformTitle,
  writeOfflineCliConfig,
} from '@internal/kpaas-testkit';
import { buildChildEnv } from '../process/childEnv';
import { SecretMasker } from '../core/secretMasker';
import { runProcess } from './runProcess';

const realTerraform = findRealTerraform();

describe('runProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpaas-run-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  (realTerraform.available ? describe : describe.skip)(
    realTerraformTitle(realTerraform, 'with the real terraform'),
    () => {
      it('stops the process group at the deadline (the timeout input) with SIGINT first', async () => {
        // two resources that take 5 s each to create, built-in only: no provider to install
        fs.writeFileSync(
          path.join(dir, 'main.tf'),
          ['a', 'b']
            .map(
              n =>
                `resource "terraform_data" "${n}" {\n  provisioner "local-exec" {\n    command = "sleep 5"\n  }\n}\n`,
            )
            .join('\n'),
        );
        const logger = mockServices.logger.mock();
        const env = buildChildEnv({
          from: process.env,
          runDir: path.join(dir, 'run'),
          set: {
            TF_IN_AUTOMATION: '1',
            TF_CLI_CONFIG_FILE: writeOfflineCliConfig(
              path.join(dir, 'offline.tfrc'),
              path.join(dir, 'mirror'),
            ),
          },
        });
        const terraform = realTerraform.available ? realTerraform.path : '';
        const init = await runProcess({
          command: terraform,
          args: ['init', '-input=false'],
          cwd: dir,
          env,
          logger,
          mask: t => t,
          stopGraceMs: 2_000,
        });
        expect(init.exitCode).toBe(0);
        const started = Date.now();
        const result = await runProcess({
          command: terraform,
          args: ['apply', '-auto-approve', '-input=false'],
          cwd: dir,
          env,
          logger,
          mask: t => t,
          deadline: Date.now() + 700,
          stopGraceMs: 2_000,
        });
        expect(result.stoppedBy).toBe('timeout');
        expect(result.exitCode).not.toBe(0);
        expect(Date.now() - started).toBeLessThan(5_000); // did not wait for the 5 s resources
        expect(() => process.kill(-result.pid, 0)).toThrow(
          expect.objectContaining({ code: 'ESRCH' }),
        );
        const warnings = logger.warn.mock.calls
          .map(c => String(c[0]))
          .join('\n');
        expect(warnings).toContain('Timeout reached: sending SIGINT');
        const output = logger.info.mock.calls.map(c => String(c[0])).join('\n');
        expect(output).toContain('Interrupt received');
      });
    },
  );

  it('escalates to SIGKILL for a process group that ignores SIGINT and SIGTERM', async () => {
    const script = path.join(dir, 'stubborn.sh');
    fs.writeFileSync(
      script,
      '#!/bin/sh\ntrap "" INT TERM\n(trap "" INT TERM; sleep 30) &\necho started\nwait\n',
      { mode: 0o755 },
    );
    const logger = mockServices.logger.mock();
    const controller = new AbortController();
    logger.info.mockImplementation((line: string) => {
      if (line === 'started') controller.abort();
    });
    const result = await runProcess({
      command: script,
      args: [],
      cwd: dir,
      env: buildChildEnv({ runDir: path.join(dir, 'run') }),
      logger,
      mask: t => t,
      signal: controller.signal,
      stopGraceMs: 300,
    });
    expect(result.stoppedBy).toBe('cancel');
    expect(result.exitSignal).toBe('SIGKILL');
    // The killed grandchild lingers as a zombie until init reaps it.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      try {
        process.kill(-result.pid, 0);
      } catch {
        break;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    expect(() => process.kill(-result.pid, 0)).toThrow(
      expect.objectContaining({ code: 'ESRCH' }),
    );
  });

  it('masks secrets in streamed lines and in the error tail, multi-line keys line by line', async () => {
    const logger = mockServices.logger.mock();
    const key = '-----BEGIN KEY-----\nAAAAsecretkeyline\n-----END KEY-----';
    const result = await runProcess({
      command: 'sh',
      args: [
        '-c',
        'echo "id=IDVALUE123 ok"; echo "key AAAAsecretkeyline" >&2; exit 3',
      ],
      cwd: dir,
      env: buildChildEnv({ runDir: path.join(dir, 'run') }),
      logger,
      mask: new SecretMasker(['IDVALUE123', key, 'abc']).filter,
      stopGraceMs: 300,
    });
    expect(result.exitCode).toBe(3);
    expect(logger.info).toHaveBeenCalledWith('id=*** ok');
    expect(logger.warn).toHaveBeenCalledWith('key ***');
    expect(result.errorTail).toEqual(['key ***']);
  });
});
