/*
 * bench/template-dryrun: the kpaas-cluster template dry-run through the real scaffolder backend
 * (POST /api/scaffolder/v2/dry-run), every step as written, kpaas:cluster-repo, kpaas:provision,
 * kpaas:bootstrap and kpaas:addons included (they run in dry-run mode; each run checks the log
 * says so). Sides, each BENCH_RUNS times (default 9), interleaved, after one untimed warm-up each:
 *   - anchor: a Backstage example template (bench/template-dryrun/anchor/, the shape of the
 *     create-app "Example Node.js Template": fetch:template, publish:github, catalog:register);
 *   - kpaas minimal: Kakao Cloud 1 + 1, no add-ons;
 *   - kpaas full: Kakao Cloud 3 + 3, every add-on that can coexist (overlays, Terraform module,
 *     docs).
 * Each run reads its template folder from disk, as the editor does per dry-run.
 * Goal: the full order's median <= 3 s. Run: npm run bench -- template-dryrun
 */
import path from 'node:path';
import fs from 'node:fs';
import yaml from 'yaml';
import { utils } from 'ssh2';
import {
  DirectoryFile,
  loadTemplate,
  readDirectoryContents,
  startDryRunner,
  templatesDir,
} from '../../plugins/scaffolder-actions/src/templates/__testUtils__/dryRun';
import {
  SECRET_CANARIES,
  kakaoFullValues,
  kakaoMinimalValues,
} from '../../plugins/scaffolder-actions/src/templates/__testUtils__/fixtures';
import { goal, onCleanup, reportSides, runBenchmark, runSides } from '../_lib';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const TARGET_MS = 3000;
const ANCHOR_DIR = path.join(__dirname, 'anchor');
const KPAAS_STEPS = ['kpaas:provision', 'kpaas:bootstrap', 'kpaas:addons'];

interface Case {
  readTemplate(): { template: any; directoryContents: DirectoryFile[] };
  values: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Log lines every run must contain */
  expectLog: string[];
}

async function main() {
  const startedBackend = performance.now();
  const runner = await startDryRunner();
  onCleanup(() => runner.stop());
  const backendMs = performance.now() - startedBackend;

  // the machine steps read the key (its public half for new VMs): a real one, made per run
  const key = utils.generateKeyPairSync('ed25519').private;
  const kpaasSecrets = { ...SECRET_CANARIES, sshPrivateKey: key };
  const kpaasTemplate = () => ({
    template: loadTemplate('kpaas-cluster'),
    directoryContents: readDirectoryContents(
      path.join(templatesDir, 'kpaas-cluster'),
    ),
  });
  const kpaasLog = KPAAS_STEPS.map(a => `Running ${a} in dry-run mode`);
  const cases: Record<'anchor' | 'kpaas minimal' | 'kpaas full', Case> = {
    anchor: {
      readTemplate: () => ({
        template: yaml.parse(
          fs.readFileSync(path.join(ANCHOR_DIR, 'template.yaml'), 'utf8'),
        ),
        directoryContents: readDirectoryContents(ANCHOR_DIR).filter(
          f => f.path !== 'template.yaml',
        ),
      }),
      values: {
        name: 'bench-service',
        repoUrl: 'github.com?owner=acme&repo=bench-service',
      },
      secrets: {},
      expectLog: [
        'Running publish:github in dry-run mode',
        'Running catalog:register in dry-run mode',
      ],
    },
    'kpaas minimal': {
      readTemplate: kpaasTemplate,
      values: kakaoMinimalValues(),
      secrets: kpaasSecrets,
      expectLog: kpaasLog,
    },
    'kpaas full': {
      readTemplate: kpaasTemplate,
      values: kakaoFullValues(),
      secrets: kpaasSecrets,
      expectLog: kpaasLog,
    },
  };
  const files: Record<string, number> = {};

  const once = (name: keyof typeof cases) => async () => {
    const c = cases[name];
    const t0 = performance.now();
    const { template, directoryContents } = c.readTemplate();
    const result = await runner.dryRun({
      template,
      values: c.values,
      secrets: c.secrets,
      directoryContents,
    });
    const ms = performance.now() - t0;
    if (result.status !== 200) {
      throw new Error(
        `${name} dry-run answered ${result.status}: ${JSON.stringify(
          result.body,
        ).slice(0, 1000)}`,
      );
    }
    const missing = c.expectLog.filter(l => !result.logText.includes(l));
    if (missing.length) {
      throw new Error(
        `${name} dry-run did not run every step: its log lacks ${missing
          .map(m => `"${m}"`)
          .join(', ')}; log tail:\n${result.logText.slice(-2000)}`,
      );
    }
    if (result.logText.includes(key.split('\n')[1])) {
      throw new Error(`${name} dry-run printed the SSH private key`);
    }
    files[name] = result.files.size;
    return ms;
  };

  const times = await runSides(
    RUNS,
    {
      anchor: once('anchor'),
      'kpaas minimal': once('kpaas minimal'),
      'kpaas full': once('kpaas full'),
    },
    { warmUp: 1 },
  );

  console.log(
    `scaffolder test backend start: ${backendMs.toFixed(
      0,
    )} ms (once, not counted); ${RUNS} runs per side after 1 warm-up each`,
  );
  console.log(
    `files rendered: anchor ${files.anchor}, kpaas minimal ${
      files['kpaas minimal']
    }, kpaas full ${files['kpaas full']} (${
      (cases['kpaas full'].values.addons as string[]).length
    } add-ons); kpaas runs include ${KPAAS_STEPS.join(', ')} in dry-run mode`,
  );
  const s = reportSides(
    'dry-run wall time (POST /api/scaffolder/v2/dry-run):',
    times,
    {
      unit: 'ms',
      digits: 0,
    },
  );
  console.log(
    `ratio to the anchor (medians): kpaas minimal ${(
      s['kpaas minimal'].median / s.anchor.median
    ).toFixed(2)}x, kpaas full ${(
      s['kpaas full'].median / s.anchor.median
    ).toFixed(2)}x`,
  );
  goal(
    'template-dryrun full dry-run median',
    s['kpaas full'].median,
    '<=',
    TARGET_MS,
    {
      unit: 'ms',
      digits: 0,
    },
  );
}

runBenchmark('template-dryrun', main);
