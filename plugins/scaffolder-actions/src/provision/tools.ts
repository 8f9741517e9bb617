import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` on the PATH of `env`, or undefined. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const TERRAFORM_INSTALL_HINT =
  'install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) or OpenTofu (https://opentofu.org/docs/intro/install/) on the Backstage backend host, or set the `terraformPath` input to the binary';

/**
 * The Terraform binary to run: `terraformPath` (a path or a name on the PATH), else `terraform`,
 * else `tofu` on the PATH.
 */
export function resolveTerraformBinary(
  terraformPath: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (terraformPath) {
    let found: string | undefined;
    if (!terraformPath.includes('/')) found = findOnPath(terraformPath, env);
    else if (isExecutable(terraformPath)) found = path.resolve(terraformPath);
    if (!found) {
      throw new InputError(
        `terraformPath "${terraformPath}" is not an executable${
          terraformPath.includes('/') ? '' : ' on the PATH'
        }; ${TERRAFORM_INSTALL_HINT}`,
      );
    }
    return found;
  }
  const found = findOnPath('terraform', env) ?? findOnPath('tofu', env);
  if (!found) {
    throw new InputError(
      `Neither terraform nor tofu is on the PATH; ${TERRAFORM_INSTALL_HINT}`,
    );
  }
  return found;
}

/** The vagrant binary, or a clear error. */
export function resolveVagrantBinary(env: NodeJS.ProcessEnv): string {
  const found = findOnPath('vagrant', env);
  if (!found) {
    throw new InputError(
      'spec.target.type is vagrant but `vagrant` is not on the PATH of the Backstage backend; install Vagrant (https://developer.hashicorp.com/vagrant/install) and its provider, or provision with kakao-cloud, multipass or existing',
    );
  }
  return found;
}
