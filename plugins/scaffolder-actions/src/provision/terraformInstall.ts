import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * Where Terraform installs providers from (`kpaas.terraform`), for machines that cannot reach
 * the public registry: a CLI configuration file of the operator's own, or a provider mirror
 * (kpaas writes the CLI configuration), and a plugin cache shared between runs.
 */
export interface TerraformInstallSettings {
  /** `kpaas.terraform.cliConfigFile`: the operator's Terraform CLI configuration. */
  cliConfigFile?: string;
  /** `kpaas.terraform.providerMirror`: providers only from this mirror. */
  providerMirror?:
    | { kind: 'filesystem'; path: string }
    | { kind: 'network'; url: string };
  /** `kpaas.terraform.pluginCacheDir`: TF_PLUGIN_CACHE_DIR. */
  pluginCacheDir?: string;
}

const KEY = 'kpaas.terraform';

/** Reads and checks `kpaas.terraform`; errors name the key and the fix. */
export function readTerraformInstallSettings(
  config?: Config,
): TerraformInstallSettings {
  const tf = config?.getOptionalConfig(KEY);
  if (!tf) return {};
  const settings: TerraformInstallSettings = {};
  const cliConfigFile = tf.getOptionalString('cliConfigFile');
  if (cliConfigFile) {
    if (!path.isAbsolute(cliConfigFile)) {
      throw new InputError(
        `${KEY}.cliConfigFile "${cliConfigFile}" must be an absolute path (Terraform runs in a task folder)`,
      );
    }
    settings.cliConfigFile = cliConfigFile;
  }
  const mirror = tf.getOptionalConfig('providerMirror');
  if (mirror) {
    const filesystem = mirror.getOptionalString('filesystem');
    const network = mirror.getOptionalString('network');
    if (Boolean(filesystem) === Boolean(network)) {
      throw new InputError(
        `${KEY}.providerMirror needs exactly one of filesystem (a folder filled by \`terraform providers mirror <folder>\`) or network (the https URL of a provider network mirror)`,
      );
    }
    if (filesystem) {
      if (!path.isAbsolute(filesystem)) {
        throw new InputError(
          `${KEY}.providerMirror.filesystem "${filesystem}" must be an absolute path`,
        );
      }
      settings.providerMirror = { kind: 'filesystem', path: filesystem };
    } else {
      let url: URL | undefined;
      try {
        url = new URL(network!);
      } catch {
        url = undefined;
      }
      if (url?.protocol !== 'https:') {
        throw new InputError(
          `${KEY}.providerMirror.network "${network}" must be an https URL (Terraform only uses network mirrors over https), e.g. https://mirror.example/providers/`,
        );
      }
      settings.providerMirror = {
        kind: 'network',
        url: url.href.endsWith('/') ? url.href : `${url.href}/`,
      };
    }
    if (settings.cliConfigFile) {
      throw new InputError(
        `${KEY}.cliConfigFile and ${KEY}.providerMirror are both set; set one: put the provider_installation block into your CLI configuration file, or drop cliConfigFile and let kpaas write it from providerMirror`,
      );
    }
  }
  const pluginCacheDir = tf.getOptionalString('pluginCacheDir');
  if (pluginCacheDir) {
    if (!path.isAbsolute(pluginCacheDir)) {
      throw new InputError(
        `${KEY}.pluginCacheDir "${pluginCacheDir}" must be an absolute path`,
      );
    }
    settings.pluginCacheDir = pluginCacheDir;
  }
  return settings;
}

/** The Terraform CLI configuration kpaas writes for a provider mirror (mirror only, no registry). */
export function mirrorCliConfig(
  mirror: NonNullable<TerraformInstallSettings['providerMirror']>,
): string {
  const source =
    mirror.kind === 'filesystem'
      ? `  filesystem_mirror {\n    path = ${JSON.stringify(mirror.path)}\n  }`
      : `  network_mirror {\n    url = ${JSON.stringify(mirror.url)}\n  }`;
  return `# Written by kpaas:provision from kpaas.terraform.providerMirror\ndisable_checkpoint = true\nprovider_installation {\n${source}\n}\n`;
}

/**
 * The TF_* variables for the settings: TF_CLI_CONFIG_FILE (the operator's file, or one written
 * into `scratchDir` for a mirror) and TF_PLUGIN_CACHE_DIR (created if missing).
 */
export function terraformInstallEnv(
  settings: TerraformInstallSettings,
  scratchDir: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (settings.cliConfigFile) {
    if (!fs.existsSync(settings.cliConfigFile)) {
      throw new InputError(
        `kpaas.terraform.cliConfigFile ${settings.cliConfigFile} does not exist on the Backstage backend host; create it or fix the path`,
      );
    }
    env.TF_CLI_CONFIG_FILE = settings.cliConfigFile;
  } else if (settings.providerMirror) {
    const file = path.join(scratchDir, 'terraform.tfrc');
    fs.writeFileSync(file, mirrorCliConfig(settings.providerMirror), {
      mode: 0o600,
    });
    env.TF_CLI_CONFIG_FILE = file;
  }
  if (settings.pluginCacheDir) {
    fs.mkdirSync(settings.pluginCacheDir, { recursive: true });
    env.TF_PLUGIN_CACHE_DIR = settings.pluginCacheDir;
  }
  return env;
}
