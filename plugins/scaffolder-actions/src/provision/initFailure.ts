import type { TerraformInstallSettings } from './terraformInstall';

/** Why `terraform init` could not install the providers. */
export type InitFailureKind =
  | 'authentication'
  | 'checksum-mismatch'
  | 'provider-not-in-mirror'
  | 'registry-unreachable';

export interface InitFailure {
  kind: InitFailureKind;
  /** What happened and what to configure. */
  message: string;
  /** Whether running the task again, unchanged, can succeed (a network outage can pass). */
  rerunHelps: boolean;
}

const MIRROR_HOWTO =
  "fill a folder with `terraform providers mirror -platform=linux_amd64 <folder>` (run in the target's Terraform folder on a machine with registry access, then copy the folder) and set kpaas.terraform.providerMirror.filesystem to it, or set kpaas.terraform.providerMirror.network to the https URL of a provider network mirror (or kpaas.terraform.cliConfigFile to a CLI configuration with a provider_installation block)";

function installSource(settings: TerraformInstallSettings): string {
  const mirror = settings.providerMirror;
  if (mirror?.kind === 'filesystem')
    return `the filesystem mirror ${mirror.path} (kpaas.terraform.providerMirror.filesystem)`;
  if (mirror?.kind === 'network')
    return `the network mirror ${mirror.url} (kpaas.terraform.providerMirror.network)`;
  if (settings.cliConfigFile)
    return `the provider_installation of ${settings.cliConfigFile} (kpaas.terraform.cliConfigFile)`;
  return 'the public registry (no provider mirror is configured)';
}

/**
 * Classifies the output of a failed `terraform init` (-no-color) as one of the provider
 * installation failures, with the fix; undefined for anything else (backend, syntax, ...).
 */
export function classifyInitFailure(
  output: string,
  settings: TerraformInstallSettings,
): InitFailure | undefined {
  // Terraform wraps its diagnostics at 78 columns: match on one line.
  const text = output.replace(/\s+/g, ' ');
  // Only provider installation: a backend or configuration error is something else.
  if (
    !/Failed to query available provider packages|Failed to install provider|Error while installing|Failed to resolve provider packages/.test(
      text,
    )
  ) {
    return undefined;
  }
  const provider =
    /provider (?:registry\.terraform\.io\/)?([\w.-]+\/[\w.-]+)/.exec(
      text,
    )?.[1] ??
    /installing ([\w.-]+\/[\w.-]+)/.exec(text)?.[1] ??
    'a provider';
  const source = installSource(settings);

  if (
    /rejected the given authentication credentials|401 Unauthorized|403 Forbidden|unauthorized/i.test(
      text,
    )
  ) {
    const host = /host (\S+) rejected/.exec(text)?.[1] ?? 'the provider source';
    return {
      kind: 'authentication',
      rerunHelps: false,
      message: `terraform init could not install ${provider}: ${host} (${source}) rejected the credentials. Configure a token for that host in the Terraform CLI configuration (a credentials "${host}" { token = "..." } block in the file kpaas.terraform.cliConfigFile names), or give the mirror's access to the Backstage backend host.`,
    };
  }
  if (/doesn't match any of the checksums|checksum mismatch/i.test(text)) {
    return {
      kind: 'checksum-mismatch',
      rerunHelps: false,
      message: `terraform init refused ${provider}: the package from ${source} does not match the checksums recorded in the configuration's .terraform.lock.hcl (another build or another platform). Refill the mirror with the pinned version (\`terraform providers mirror -platform=linux_amd64 <folder>\`), or record the mirror's checksums in the lock file (\`terraform providers lock -fs-mirror=<folder> -platform=linux_amd64\`) and commit it.`,
    };
  }
  if (
    /was not found in any of the search locations/.test(text) ||
    (settings.providerMirror &&
      /no available releases match the given constraints/.test(text))
  ) {
    return {
      kind: 'provider-not-in-mirror',
      rerunHelps: false,
      message: `terraform init could not install ${provider}: it is not in ${source}. Add the provider at the version the configuration pins: ${MIRROR_HOWTO}.`,
    };
  }
  if (
    /could not query provider registry|could not connect to|Failed to request discovery document|dial tcp|no such host|i\/o timeout|TLS handshake timeout|connection refused|network is unreachable/i.test(
      text,
    )
  ) {
    const mirror = settings.providerMirror;
    return {
      kind: 'registry-unreachable',
      rerunHelps: true,
      message: mirror
        ? `terraform init could not install ${provider}: ${source} is unreachable from the Backstage backend host. Check the mirror's address and that it is up, then re-run the task.`
        : `terraform init could not install ${provider}: the provider registry (registry.terraform.io) is unreachable from the Backstage backend host. Where it is normally reachable, re-run the task once the network is back; on a machine without internet access (air-gapped), ${MIRROR_HOWTO}.`,
    };
  }
  return undefined;
}
