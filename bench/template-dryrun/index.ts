/*
 * bench/template-dryrun: the kpaas-cluster template dry-run through the real scaffolder backend
 * (POST /api/scaffolder/v2/dry-run), full order (Kakao Cloud 3 + 3, every add-on that can coexist:
 * 21 overlay iterations, Terraform module, all docs) against the minimal order (1 + 1, no add-ons)
 * as the anchor, median of N runs each, interleaved. Target: full ≤ 3 s.
 *
 * The kpaas:* steps are left out (their handlers are still being implemented); everything else
 * runs as written. Run: npm run bench -- template-dryrun   (BENCH_RUNS=N to change N)
 */
import path from 'node:path';
import {
  loadTemplate,
  readDirectoryContents,
  startDryRunner,
  templatesDir,
  withoutKpaasSteps,
} from '../../plugins/scaffolder-actions/src/templates/__testUtils__/dryRun';
import {
  SECRET_CANARIES,
  kakaoFullValues,
  kakaoMinimalValues,
} from '../../plugins/scaffolder-actions/src/templates/__testUtils__/fixtures';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const TARGET_MS = 3000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const startedBackend = performance.now();
  const runner = await startDryRunner();
  const backendMs = performance.now() - startedBackend;
  const template = withoutKpaasSteps(loadTemplate('kpaas-cluster'));

  const cases = {
    minimal: kakaoMinimalValues(),
    full: kakaoFullValues(),
  };
  const times: Record<keyof typeof cases, number[]> = { minimal: [], full: [] };
  const files: Record<string, number> = {};

  try {
    const once = async (name: keyof typeof cases) => {
      const t0 = performance.now();
      // reading the template folder is part of what the editor/tests do per dry-run
      const directoryContents = readDirectoryContents(
        path.join(templatesDir, 'kpaas-cluster'),
      );
      const result = await runner.dryRun({
        template,
        values: cases[name],
        secrets: SECRET_CANARIES,
        directoryContents,
      });
      const ms = performance.now() - t0;
      if (result.status !== 200) {
        throw new Error(
          `${name} dry-run answered ${result.status}: ${JSON.stringify(
            result.body,
          ).slice(0, 500)}`,
        );
      }
      files[name] = result.files.size;
      return ms;
    };
    await once('minimal'); // warm-up: module loading, first-request JIT
    await once('full');
    for (let i = 0; i < RUNS; i++) {
      times.minimal.push(await once('minimal'));
      times.full.push(await once('full'));
    }
  } finally {
    await runner.stop();
  }

  const fullMs = median(times.full);
  const minimalMs = median(times.minimal);
  console.log(
    `scaffolder test backend start: ${backendMs.toFixed(
      0,
    )} ms (once, not counted)`,
  );
  console.log(`runs per case: ${RUNS} (after 1 warm-up each), median`);
  console.log(
    `minimal dry-run (anchor; kakao 1+1, no add-ons, ${
      files.minimal
    } files): ${minimalMs.toFixed(0)} ms`,
  );
  console.log(
    `full dry-run    (kakao 3+3, ${cases.full.addons.length} add-ons, ${
      files.full
    } files): ${fullMs.toFixed(0)} ms`,
  );
  console.log(`ratio full / minimal: ${(fullMs / minimalMs).toFixed(2)}x`);
  console.log(
    `target full <= ${TARGET_MS} ms: ${
      fullMs <= TARGET_MS ? 'met' : 'NOT met'
    } (${((fullMs / TARGET_MS) * 100).toFixed(0)}% of budget)`,
  );
  if (fullMs > TARGET_MS) process.exitCode = 1;
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
