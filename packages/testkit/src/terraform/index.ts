/*
 * Stand-in `terraform` executable, for what the real CLI cannot run offline.
 *
 * Tests of kpaas:provision run the real terraform (./real.ts: detection, the rig target of
 * built-in resources, a call recorder). The stand-in remains for flows whose Terraform needs
 * providers that cannot be installed without a network, e.g. the end-to-end Multipass order
 * (null/local/external providers and the multipass binary), and for the tests not yet moved to
 * the real binary (kpaas-backend's state/terraformClient.test.ts, runProcess.test.ts).
 *
 * The executable lives in packages/testkit/standins/terraform/terraform (a Node CommonJS script,
 * built-ins only). Put `terraformStandInDir` first on PATH of the spawned process and write a
 * fixture into the Terraform working directory (or point KPAAS_TF_FIXTURE at one).
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Subcommands the stand-in implements (keys of `delays`). Failures are not emulated: the real
 * terraform produces them (see ./real.ts and the kpaas:provision tests).
 */
export type TerraformSubcommand =
  | 'version'
  | 'init'
  | 'plan'
  | 'apply'
  | 'destroy'
  | 'show'
  | 'output'
  | 'force-unlock';

/**
 * What the configuration wants for a resource.
 * - `create`: declared; absent from the state until applied.
 * - `update` / `replace` / `no-op`: declared and pre-existing (see {@link TerraformFixture}).
 * - `delete`: not declared any more but pre-existing, so the plan destroys it.
 */
export type TerraformResourceAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'no-op'
  | 'replace';

export interface TerraformFixtureResource {
  /** Full resource instance address, e.g. `openstack_compute_instance_v2.node["cp-1"]` or `module.net.x.y[0]`. */
  address: string;
  /** Resource type; derived from the address (given only as a cross-check). */
  type?: string;
  /** Default `create`. */
  action?: TerraformResourceAction;
  /** Object id (`[id=...]` in the apply log, `id` attribute in the state); default: stable uuid from the address. */
  id?: string;
  /** Desired attributes (besides `id`); stored in the state on apply and shown in plans. */
  attributes?: Record<string, unknown>;
  /** Attributes of the pre-existing object for update/replace/delete/no-op resources. */
  before?: Record<string, unknown>;
  /** Provider source, e.g. `terraform-provider-openstack/openstack`; default from `providers` or `hashicorp/<type prefix>`. */
  provider?: string;
  /** Apply/destroy duration of this resource in ms (overrides `delays.apply` / `delays.destroy`). */
  delayMs?: number;
}

/** A cty type in Terraform's JSON notation: `"string"`, `["list","string"]`, `["object",{...}]`... */
export type TerraformType = string | [string, unknown];

export interface TerraformFixtureOutput {
  value: unknown;
  /** Default: inferred from the value (string/number/bool/tuple/object). */
  type?: TerraformType;
  sensitive?: boolean;
}

export interface TerraformFixture {
  /** Reported version; default `1.9.8`. */
  terraformVersion?: string;
  /** Overrides the backend found in the *.tf files (`backend "http" {...}`); default from *.tf, else local. */
  backend?: 'local' | 'http';
  /** Extra backend block attributes, as if written in the backend block. */
  backendConfig?: Record<string, string | number | boolean>;
  /** Provider source → version selected by `init`. */
  providers?: Record<string, string>;
  resources?: TerraformFixtureResource[];
  outputs?: Record<string, TerraformFixtureOutput>;
  /**
   * Delays in ms per subcommand: for apply/destroy the duration of each resource operation
   * (between "Creating..." and "Creation complete"), otherwise one pause while the command works
   * (plan: after reading the state and refreshing, before the plan is printed).
   */
  delays?: Partial<Record<TerraformSubcommand, number>>;
  /**
   * Environment variables plan/apply/destroy/refresh need. `TF_VAR_x` is also satisfied by
   * `-var x=...`, a -var-file or an auto-loaded tfvars file, and fails like Terraform
   * ("No value for required variable"). Root `variable` blocks without a default in *.tf
   * files are required too.
   */
  requiredEnv?: string[];
}

/** One line of the calls log (values of TF_* variables are never recorded). */
export interface TerraformCall {
  time: string;
  pid: number;
  /** argv after `terraform`; values of `-var k=v` and secret-looking `-backend-config` keys replaced by `<redacted>`. */
  argv: string[];
  subcommand: string | null;
  /** Process cwd (before -chdir). */
  cwd: string;
  /** Absolute -chdir target, if any. */
  chdir: string | null;
  tfVarsPresent: boolean;
  /** Names of TF_VAR_* variables in the environment. */
  tfVarNames: string[];
  /** Names of other TF_* variables (TF_HTTP_PASSWORD, TF_IN_AUTOMATION, ...). */
  tfEnvNames: string[];
  redacted?: boolean;
}

export const TERRAFORM_FIXTURE_FILE = '.kpaas-tf-fixture.json';
export const TERRAFORM_CALLS_FILE = '.kpaas-tf-calls.jsonl';

function findStandInDir(): string {
  const candidates: string[] = [];
  try {
    // the testkit package root, through the workspace link
    candidates.push(
      path.join(
        path.dirname(require.resolve('@internal/kpaas-testkit/package.json')),
        'standins/terraform',
      ),
    );
  } catch {
    // not resolvable (e.g. copied elsewhere); fall back to this file's location
  }
  // The testkit runs from source (never a production build), so __dirname is src/terraform.
  // eslint-disable-next-line no-restricted-syntax
  candidates.push(path.resolve(__dirname, '../../standins/terraform'));
  for (const c of candidates) {
    if (fs.existsSync(path.join(c, 'terraform'))) return c;
  }
  return candidates[candidates.length - 1];
}

/** Absolute directory holding the stand-in `terraform`; prepend it to PATH. */
export const terraformStandInDir: string = findStandInDir();

/** Absolute path of the stand-in executable. */
export const terraformStandInPath: string = path.join(
  terraformStandInDir,
  'terraform',
);

// The executable bit can get lost (archives, some checkouts); restore it best-effort.
try {
  const mode = fs.statSync(terraformStandInPath).mode;
  if ((mode & 0o111) !== 0o111)
    fs.chmodSync(terraformStandInPath, mode | 0o755);
} catch {
  // reported when the stand-in is spawned
}

/**
 * Writes `fixture` as `.kpaas-tf-fixture.json` into `dir` (the Terraform working directory)
 * and returns the file path. Pass a path ending in `.json` to write exactly that file (use it
 * with KPAAS_TF_FIXTURE).
 */
export function writeTerraformFixture(
  dir: string,
  fixture: TerraformFixture,
): string {
  const file = dir.endsWith('.json')
    ? dir
    : path.join(dir, TERRAFORM_FIXTURE_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
  return file;
}

/**
 * Reads the calls log: `dir/.kpaas-tf-calls.jsonl` (the process cwd of the calls), or the file
 * itself when given a `.jsonl` path (as set in KPAAS_TF_CALLS). Missing log: [].
 */
export function readTerraformCalls(dirOrFile: string): TerraformCall[] {
  const file = dirOrFile.endsWith('.jsonl')
    ? dirOrFile
    : path.join(dirOrFile, TERRAFORM_CALLS_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(l => l.trim() !== '')
    .map(l => JSON.parse(l) as TerraformCall);
}

/**
 * An environment for spawning code under test with the stand-in first on PATH.
 * `extra` is merged last (e.g. `{ KPAAS_TF_FIXTURE, KPAAS_TF_CALLS, TF_VAR_... }`).
 */
export function terraformStandInEnv(
  extra: NodeJS.ProcessEnv = {},
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env = { ...base, ...extra };
  env.PATH = [terraformStandInDir, extra.PATH ?? base.PATH ?? '']
    .filter(Boolean)
    .join(path.delimiter);
  return env;
}
export * from './real';
