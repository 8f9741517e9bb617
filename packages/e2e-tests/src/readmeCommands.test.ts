/*
 * Every command README.md documents exists and takes its documented arguments: each `npm …`
 * command of its code blocks and of its inline code is run in its dry form (KPAAS_DRY_RUN=1,
 * scripts/kpaas.sh: checks the script, its subcommand and its arguments, prints what it would
 * run, installs and starts nothing), bounded in time. `npm run yarn` runs for real
 * (`--version`), and one benchmark runs for real to prove the bench runner exits when done.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** Placeholders of the README's commands and what the check puts in their place. */
const PLACEHOLDERS: Record<string, string> = {
  '<path>': 'plugins/kpaas-common',
  '<name>': 'status-api',
  '<args>': '--version',
  '<file>': 'app-config.yaml',
  '<file with previousEncryptionKeys>': 'app-config.yaml',
};

/** `npm …` commands of README.md: fenced sh blocks (comments stripped) and inline code. */
function readmeCommands(text: string): string[] {
  const found = new Set<string>();
  for (const [, lang, body] of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (!['sh', 'bash', 'shell', ''].includes(lang)) continue;
    for (const line of body.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command.startsWith('npm ')) found.add(command);
    }
  }
  for (const [, code] of text.matchAll(/`(npm [^`]+)`/g)) {
    found.add(code.replace(/\s*\[(.*)\]/, ' $1').trim());
  }
  return [...found];
}

function substitute(command: string): string[] {
  let line = command;
  for (const [placeholder, value] of Object.entries(PLACEHOLDERS)) {
    line = line.split(placeholder).join(value);
  }
  const unknown = /<[^>]+>/.exec(line);
  if (unknown) {
    throw new Error(
      `README command "${command}" has a placeholder ${unknown[0]} this check does not know; add it to PLACEHOLDERS`,
    );
  }
  return line.split(/\s+/).filter(arg => arg !== '...');
}

function run(args: string[], env: Record<string, string>, timeoutMs: number) {
  const [bin, ...rest] = args;
  return spawnSync(bin, rest, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

/** What `npm run start:production` needs set (it names the missing ones otherwise). */
const PRODUCTION_ENV = Object.fromEntries(
  [
    'APP_BASE_URL',
    'BACKEND_BASE_URL',
    'BACKEND_SECRET',
    'POSTGRES_HOST',
    'POSTGRES_PORT',
    'POSTGRES_USER',
    'POSTGRES_PASSWORD',
    'REDIS_URL',
    'KPAAS_ENCRYPTION_KEY',
  ].map(name => [name, 'set-by-the-readme-check']),
);

describe('README commands', () => {
  const commands = readmeCommands(readme);

  it('finds the documented commands', () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        'npm start',
        'npm test',
        'npm run start:production',
        'npm run bench',
        'npm run bench -- status-api',
        'npm run yarn -- <args>',
      ]),
    );
  });

  it.each(readmeCommands(readme).filter(c => !c.startsWith('npm run yarn')))(
    '%s exists (dry run)',
    command => {
      const result = run(
        substitute(command),
        { KPAAS_DRY_RUN: '1', ...PRODUCTION_ENV },
        120_000,
      );
      const output = `${result.stdout}\n${result.stderr}`;
      expect({ command, status: result.status, output }).toEqual({
        command,
        status: 0,
        output: expect.stringContaining('kpaas (dry run):'),
      });
    },
  );

  it('npm run yarn -- <args> runs yarn with the repo toolchain', () => {
    const result = run(substitute('npm run yarn -- <args>'), {}, 120_000);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^4\.\d+\.\d+$/m);
  });

  it('a command the README does not document is refused (the check can fail)', () => {
    const result = run(
      ['npm', 'run', 'bench', '--', 'no-such-bench'],
      { KPAAS_DRY_RUN: '1' },
      60_000,
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('unknown benchmark(s): no-such-bench');
    const missing = run(['npm', 'run', 'no-such-script'], {}, 60_000);
    expect(missing.status).not.toBe(0);
  });

  it('npm run test:under-load has every load worker burning CPU before the tests, and stops them', () => {
    // KPAAS_LOAD_CHECK_ONLY stops after the check; 7 minutes marks this run's workers
    const result = run(
      ['npm', 'run', 'test:under-load'],
      {
        KPAAS_LOAD_CHECK_ONLY: '1',
        KPAAS_LOAD_WORKERS: '2',
        KPAAS_LOAD_MAX_MINUTES: '7',
      },
      120_000,
    );
    expect(result.stdout).toContain('kpaas: CPU load: 2 ');
    expect(result.stdout).toMatch(/CPU load check: 2 of 2 workers busy/);
    expect(result.status).toBe(0);
    const left = spawnSync('pgrep', ['-f', 'Date.now\\(\\) \\+ 420000'], {
      encoding: 'utf8',
    });
    expect(left.stdout.trim()).toBe('');
  });

  it('npm run bench -- template-dryrun prints its figures and exits', () => {
    const result = run(
      ['npm', 'run', 'bench', '--', 'template-dryrun'],
      { BENCH_RUNS: '1', BENCH_TIMEOUT_MINUTES: '4' },
      300_000,
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.error).toBeUndefined(); // not killed by the timeout: it exited
    expect(output).not.toContain('did not exit within');
    expect({ status: result.status, output }).toEqual({
      status: 0,
      output: expect.stringContaining('full dry-run'),
    });
  });
});
