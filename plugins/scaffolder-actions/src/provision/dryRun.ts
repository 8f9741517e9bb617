import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { deriveTargetMachineConfig } from '@internal/plugin-kpaas-common';
import { inventoryFromSpec } from './outputs';
import { KAKAO_CREDENTIAL_ENV } from './terraformTarget';
import type { ProvisionMode, ProvisionResult } from './types';
import { findTerraformDir, findVagrantDir } from './workdir';
import type { ClusterRepo } from '../core/loadClusterRepo';

/** A folder for messages: the tool's folder if rendered, else where it would be. */
function toolDir(find: () => string, fallback: string): string {
  try {
    return find();
  } catch {
    return fallback; // not rendered in the dry run: report the default location
  }
}

/**
 * A dry run: what a real run would do (commands, folder, the names of the environment
 * variables, the variables derived from cluster.yaml) and the planned outputs, where addresses
 * only the tool knows read "assigned at apply". Nothing is run, written or refused for them.
 */
export function dryRunProvision(input: {
  repo: ClusterRepo;
  mode: ProvisionMode;
  workspacePath: string;
  logger: LoggerService;
}): ProvisionResult {
  const { repo, mode, logger } = input;
  const { spec } = repo;
  const target = spec.spec.target.type;
  const rel = (dir: string) => path.relative(input.workspacePath, dir) || '.';
  const lines = [
    `Dry run of kpaas:provision for ${spec.metadata.name} (${target}, mode ${mode}); cluster.yaml is valid.`,
  ];
  const config = deriveTargetMachineConfig(spec);
  if (target === 'existing') {
    lines.push('Would run nothing: the existing hosts are the inventory.');
  } else if (target === 'vagrant' && mode === 'plan') {
    lines.push(
      'Would run nothing: Vagrant has no plan step; the machines below are what `vagrant up` creates.',
    );
  } else if (target === 'vagrant') {
    const dir = toolDir(
      () => findVagrantDir(repo.dir),
      path.join(repo.dir, 'vagrant'),
    );
    lines.push(
      `Would write ${path.join(
        rel(dir),
        'vagrant.json',
      )} from cluster.yaml and run in ${rel(dir)}: vagrant ${
        mode === 'destroy' ? 'destroy -f' : 'up'
      }`,
    );
  } else {
    const dir = toolDir(
      () => findTerraformDir(repo.dir, target),
      path.join(repo.dir, 'terraform', target),
    );
    lines.push(
      `Would write ${path.join(
        rel(dir),
        config.tool === 'terraform' ? config.file : '',
      )} from cluster.yaml and run in ${rel(dir)}:`,
      '  terraform init -input=false',
      `  terraform plan -input=false${
        mode === 'destroy' ? ' -destroy' : ''
      } -out=<scratch>/tfplan`,
      '  terraform show -json <scratch>/tfplan',
      ...(mode === 'plan'
        ? []
        : ['  terraform apply -input=false <scratch>/tfplan']),
      ...(mode === 'destroy' ? [] : ['  terraform output -json']),
      `With environment variables: ${[
        'TF_IN_AUTOMATION',
        'TF_INPUT',
        'TF_DATA_DIR',
        ...(target === 'kakao-cloud'
          ? Object.values(KAKAO_CREDENTIAL_ENV)
          : []),
        'TF_HTTP_ADDRESS',
        'TF_HTTP_LOCK_ADDRESS',
        'TF_HTTP_UNLOCK_ADDRESS',
        'TF_HTTP_USERNAME',
        'TF_HTTP_PASSWORD',
      ].join(', ')} (TF_HTTP_* only with the kpaas "http" state backend)`,
    );
  }
  if (config.tool !== 'none') {
    lines.push(
      `${config.file} would hold:\n${JSON.stringify(config.values, null, 2)}`,
    );
  }
  logger.info(lines.join('\n'));
  const planned = inventoryFromSpec(spec);
  return mode === 'destroy' ? { ...planned, inventory: [] } : planned;
}
