/*
 * The real `terraform` CLI in tests: detection (tests skip with the reason where it is missing)
 * and the rig target, a module of built-in resources only (packages/testkit/terraform/rig-target)
 * that outputs the inventory contract of the real targets, so init/plan/apply/destroy run
 * offline against the real binary.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The test kit's package folder (it runs from source, never from a build). */
const testkitRoot = path.dirname(
  require.resolve('@internal/kpaas-testkit/package.json'),
);

/** The oldest Terraform the kpaas targets accept (`required_version`). */
export const MIN_TERRAFORM_VERSION = '1.11.0';

export type RealTerraform =
  | { available: true; path: string; version: string }
  | { available: false; reason: string };

function newerOrEqual(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/**
 * The real `terraform` on the PATH (the testkit stand-in never counts), if it is at least
 * {@link MIN_TERRAFORM_VERSION}; otherwise why the real-terraform tests are skipped.
 */
export function findRealTerraform(
  env: NodeJS.ProcessEnv = process.env,
): RealTerraform {
  const standIn = path.join(testkitRoot, 'standins/terraform');
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir) === standIn) continue;
    const candidate = path.join(dir, 'terraform');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
    } catch {
      continue;
    }
    let version: string;
    try {
      const out = execFileSync(candidate, ['version', '-json'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: env.PATH, HOME: env.HOME, CHECKPOINT_DISABLE: '1' },
      });
      version = JSON.parse(out).terraform_version;
    } catch (e) {
      return {
        available: false,
        reason: `${candidate} version -json failed: ${e}`,
      };
    }
    if (!newerOrEqual(version, MIN_TERRAFORM_VERSION)) {
      return {
        available: false,
        reason: `${candidate} is Terraform ${version}; these tests need >= ${MIN_TERRAFORM_VERSION}`,
      };
    }
    return { available: true, path: candidate, version };
  }
  return {
    available: false,
    reason: `no terraform on the PATH; install Terraform >= ${MIN_TERRAFORM_VERSION} to run them`,
  };
}

/**
 * Title of a block of real-terraform tests: says which binary runs them, or why they are
 * skipped, so the test output reports it.
 */
export function realTerraformTitle(tf: RealTerraform, title: string): string {
  return tf.available
    ? `${title} (real terraform ${tf.version} at ${tf.path})`
    : `${title} (SKIPPED: ${tf.reason})`;
}

/** Absolute directory of the rig target module. */
export const rigTargetDir: string = path.join(
  testkitRoot,
  'terraform/rig-target',
);

/** A node of the rig target's `nodes` variable. */
export interface RigTargetNode {
  name: string;
  role: 'control-plane' | 'worker' | 'lb';
  /** Absent: `dhcp_addresses[name]`, else 198.18.0.<n> (a DHCP-like target). */
  private_ip?: string;
  public_ip?: string | null;
}

export interface RigTargetVariables {
  cluster_name: string;
  nodes: RigTargetNode[];
  api_lb_vip?: string | null;
  api_lb_public_ip?: string | null;
  ingress_ip?: string | null;
  ssh_port?: number;
  /** Private addresses by node name for nodes without `private_ip` (Multipass-like DHCP). */
  dhcp_addresses?: Record<string, string>;
  /** Public addresses by node name for nodes without `public_ip` (Kakao-like floating IPs). */
  public_ips?: Record<string, string>;
  /** How long creating each node takes (cancellation tests). */
  create_seconds?: number;
  /** Creating this node fails after the others were created. */
  fail_node?: string | null;
  failure_message?: string;
  /** Name of a Terraform environment variable the failure message quotes (masking tests). */
  failure_quotes_env?: string;
}

/**
 * Writes the rig target into `dir`: its main.tf, a `terraform.tfvars.json` with `variables`,
 * and `required.tf` declaring `requiredVariables` without a default, the way a real target
 * declares the credentials kpaas:provision must pass (e.g. `application_credential_id`): a run
 * without them fails like a real one. `extraTf` is written as `extra.tf` (e.g. to plant an error).
 */
export function writeRigTarget(
  dir: string,
  options: {
    variables: RigTargetVariables;
    requiredVariables?: string[];
    extraTf?: string;
  },
): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(
    path.join(rigTargetDir, 'main.tf'),
    path.join(dir, 'main.tf'),
  );
  fs.writeFileSync(
    path.join(dir, 'required.tf'),
    (options.requiredVariables ?? [])
      .map(name => `variable "${name}" {\n  type = string\n}\n`)
      .join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'terraform.tfvars.json'),
    `${JSON.stringify(options.variables, null, 2)}\n`,
  );
  const extra = path.join(dir, 'extra.tf');
  if (options.extraTf) fs.writeFileSync(extra, options.extraTf);
  else fs.rmSync(extra, { force: true });
}

/**
 * A Terraform CLI configuration that can reach no network: providers only from `mirrorDir`
 * (a filesystem mirror, created empty). Built-in resources need no provider, so the rig target
 * works; anything else fails with "not found in any of the search locations".
 */
export function writeOfflineCliConfig(file: string, mirrorDir: string): string {
  fs.mkdirSync(mirrorDir, { recursive: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(
      mirrorDir,
    )}\n  }\n}\n`,
  );
  return file;
}

/**
 * Writes `<binDir>/terraform`: records each call in `callsFile` (the format
 * {@link readTerraformCalls} reads: argv, cwd, pid and the names of TF_* variables, never their
 * values), then execs the real binary, so the pid is Terraform's own. Put binDir first on PATH.
 */
export function writeTerraformRecorder(
  binDir: string,
  realTerraformPath: string,
  callsFile: string,
): string {
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(path.dirname(callsFile), { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const file = path.join(binDir, 'terraform');
  fs.writeFileSync(
    file,
    `#!/bin/sh
# testkit: records this call of the real terraform, then becomes it (exec keeps the pid)
KPAAS_RECORDER_PID=$$ ${q(process.execPath)} -e '
const e = process.env, argv = process.argv.slice(1);
const names = Object.keys(e).filter(k => k.startsWith("TF_")).sort();
const sub = argv.find(a => !a.startsWith("-")) ?? null;
const chdir = argv.find(a => a.startsWith("-chdir="));
require("fs").appendFileSync(${JSON.stringify(callsFile)}, JSON.stringify({
  time: new Date().toISOString(), pid: Number(e.KPAAS_RECORDER_PID), argv, subcommand: sub,
  cwd: process.cwd(), chdir: chdir ? require("path").resolve(chdir.slice(7)) : null,
  tfVarsPresent: names.some(k => k.startsWith("TF_VAR_")),
  tfVarNames: names.filter(k => k.startsWith("TF_VAR_")),
  tfEnvNames: names.filter(k => !k.startsWith("TF_VAR_")),
}) + "\\n");
' -- "$@" || exit 70
exec ${q(realTerraformPath)} "$@"
`,
    { mode: 0o755 },
  );
  return file;
}
