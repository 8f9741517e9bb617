import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';
import {
  AddonCatalog,
  ClusterSpec,
  formatSpecErrors,
  parseAddonCatalog,
  parseClusterSpec,
  renderHostsSnippet,
  unifiedDiff,
} from '@internal/plugin-kpaas-common';
import { resolveRepoPath } from '../workspace/resolveRepoPath';

/** The shipped values pack: this repository's root (values/addons.yaml, values/<id>/...). */
// eslint-disable-next-line no-restricted-syntax
export const DEFAULT_VALUES_PACK_DIR = path.resolve(__dirname, '../../../..');

/** Where the add-on catalog lives, relative to the cluster repo or the values pack. */
export const CATALOG_FILE = 'values/addons.yaml';

/** Files kept in the cluster repo for review but derived from cluster.yaml (never edited by hand). */
export const DERIVED_FILES = {
  'hosts.snippet': renderHostsSnippet,
} as const;

/** A cluster repo read and checked before any action does anything. */
export interface ClusterRepo {
  /** Absolute folder of the cluster repo inside the task workspace. */
  dir: string;
  /** The action's `repoPath` input, as given (for messages). */
  repoPath: string;
  /** cluster.yaml, parsed with the add-on catalog (defaults applied). */
  spec: ClusterSpec;
  /** The add-on catalog the spec was checked against. */
  catalog: AddonCatalog;
  /** The catalog file read: the repo's own values/addons.yaml, else the values pack's. */
  catalogFile: string;
}

export interface LoadClusterRepoOptions {
  workspacePath: string;
  /** The action's `repoPath` input (default "."). */
  repoPath?: string;
  /** Values pack used when the repo has no values/addons.yaml; default {@link DEFAULT_VALUES_PACK_DIR}. */
  valuesPackDir?: string;
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The first step of every kpaas action: the repo folder (never outside the task workspace),
 * cluster.yaml parsed WITH the add-on catalog, so an unknown add-on or a conflict is refused
 * before any machine exists. Every problem is reported at once, each with its field and fix, in
 * one InputError; nothing has been run or written when it throws.
 */
export function loadClusterRepo(options: LoadClusterRepoOptions): ClusterRepo {
  const repoPath = options.repoPath ?? '.';
  const dir = resolveRepoPath(options.workspacePath, repoPath);
  const problems: string[] = [];

  const specText = readIfPresent(path.join(dir, 'cluster.yaml'));
  if (specText === undefined) {
    problems.push(
      `repoPath "${repoPath}" has no cluster.yaml; point repoPath at the folder of the cluster repo (the template's fetch step puts it there)`,
    );
  }

  const repoCatalog = path.join(dir, CATALOG_FILE);
  const catalogFile = fs.existsSync(repoCatalog)
    ? repoCatalog
    : path.join(options.valuesPackDir ?? DEFAULT_VALUES_PACK_DIR, CATALOG_FILE);
  const catalogText = readIfPresent(catalogFile);
  let catalog: AddonCatalog | undefined;
  if (catalogText === undefined) {
    problems.push(
      `the add-on catalog ${CATALOG_FILE} is neither in the cluster repo nor in the values pack (${catalogFile}); add it to the repo or configure the values pack folder`,
    );
  } else {
    const parsedCatalog = parseAddonCatalog(catalogText);
    if (parsedCatalog.ok) catalog = parsedCatalog.catalog;
    else problems.push(formatSpecErrors(parsedCatalog.errors, catalogFile));
  }

  let spec: ClusterSpec | undefined;
  if (specText !== undefined) {
    // without a usable catalog the add-on rules that need it are skipped; the catalog's own
    // problems are listed above
    const parsed = parseClusterSpec(specText, { catalog });
    if (parsed.ok) spec = parsed.spec;
    else {
      problems.push(
        formatSpecErrors(
          parsed.errors,
          path.posix.join(repoPath, 'cluster.yaml'),
        ),
      );
    }
  }

  if (spec && catalog) problems.push(...derivedFileDrift(dir, spec, catalog));

  if (problems.length > 0 || !spec || !catalog) {
    throw new InputError(problems.join('\n'));
  }
  return { dir, repoPath, spec, catalog, catalogFile };
}

/** Writes every derived file from the spec (kpaas:cluster-repo and kpaas:cluster-change). */
export function writeDerivedFiles(
  dir: string,
  spec: ClusterSpec,
  catalog: AddonCatalog,
): void {
  for (const [file, render] of Object.entries(DERIVED_FILES)) {
    fs.writeFileSync(path.join(dir, file), render(spec, catalog), 'utf8');
  }
}

/**
 * A derived file that no longer matches cluster.yaml (a hand edit, or cluster.yaml changed
 * without it) is refused with the difference; a missing one is fine (older repos).
 */
function derivedFileDrift(
  dir: string,
  spec: ClusterSpec,
  catalog: AddonCatalog,
): string[] {
  const problems: string[] = [];
  for (const [file, render] of Object.entries(DERIVED_FILES)) {
    const actual = readIfPresent(path.join(dir, file));
    const expected = render(spec, catalog);
    if (actual === undefined || actual === expected) continue;
    problems.push(
      `${file} is generated from cluster.yaml and differs from what cluster.yaml gives; change cluster.yaml instead and write the file back as shown (or delete it: kpaas:cluster-change writes it again):\n${unifiedDiff(
        actual,
        expected,
        { file },
      )}`,
    );
  }
  return problems;
}
