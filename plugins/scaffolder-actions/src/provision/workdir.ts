import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';

/**
 * The folder Terraform runs in: `<repo>/terraform/<target>` (the layout the kpaas template
 * renders), else `<repo>/terraform`, else the repo root, whichever first holds *.tf files.
 */
export function findTerraformDir(repoDir: string, target?: string): string {
  const candidates = [
    ...(target ? [path.join(repoDir, 'terraform', target)] : []),
    path.join(repoDir, 'terraform'),
    repoDir,
  ];
  for (const dir of candidates) {
    if (
      fs.existsSync(dir) &&
      fs.readdirSync(dir).some(f => f.endsWith('.tf'))
    ) {
      return dir;
    }
  }
  throw new InputError(
    `No Terraform configuration (*.tf) in ${path.join(
      repoDir,
      'terraform',
    )} or ${repoDir}; render the cluster repo for its target first (the template's fetch step)`,
  );
}

/** The folder holding the Vagrantfile: `<repo>/vagrant` or the repo root. */
export function findVagrantDir(repoDir: string): string {
  for (const dir of [path.join(repoDir, 'vagrant'), repoDir]) {
    if (fs.existsSync(path.join(dir, 'Vagrantfile'))) return dir;
  }
  throw new InputError(
    `No Vagrantfile in ${path.join(
      repoDir,
      'vagrant',
    )} or ${repoDir}; render the cluster repo for the vagrant target first`,
  );
}

/**
 * The backend type the configuration declares (`terraform { backend "<type>" {} }`), or
 * undefined when it has none.
 */
export function detectBackendType(terraformDir: string): string | undefined {
  for (const file of fs.readdirSync(terraformDir).sort()) {
    if (!file.endsWith('.tf')) continue;
    const text = fs
      .readFileSync(path.join(terraformDir, file), 'utf8')
      .replace(/(^|\s)(#|\/\/).*$/gm, '$1');
    const match = /\bbackend\s+"([^"]+)"\s*\{/.exec(text);
    if (match) return match[1];
  }
  return undefined;
}
