import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  AddonCatalog,
  formatSpecErrors,
  parseAddonCatalog,
} from '@internal/plugin-kpaas-common';
import { existsSync } from 'node:fs';

/**
 * Where the add-on catalog is: `kpaas.addonCatalogPath` (relative to the backend's working
 * directory), else `values/addons.yaml` of the repo this package lives in.
 */
export function resolveAddonCatalogPath(config: Config): string {
  const configured = config.getOptionalString('kpaas.addonCatalogPath');
  if (configured) return resolve(process.cwd(), configured);
  const candidates = [
    resolve(process.cwd(), '../../values/addons.yaml'),
    resolve(process.cwd(), 'values/addons.yaml'),
    resolve(
      resolvePackagePath('@internal/plugin-kpaas-backend'),
      '../../values/addons.yaml',
    ),
  ];
  return candidates.find(existsSync) ?? candidates[0];
}

/**
 * Reads and checks the catalog once at startup. A missing or invalid catalog does not stop the
 * backend: add-on status is then left out, with one clear warning.
 */
export async function loadAddonCatalog(
  config: Config,
  logger: LoggerService,
): Promise<AddonCatalog | undefined> {
  const path = resolveAddonCatalogPath(config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    logger.warn(
      `kpaas: add-on catalog not found at ${path} (${
        (error as Error).message
      }); add-on status is disabled. Set kpaas.addonCatalogPath to the repo's values/addons.yaml.`,
    );
    return undefined;
  }
  const parsed = parseAddonCatalog(text);
  if (!parsed.ok) {
    logger.warn(
      `kpaas: add-on status is disabled: ${formatSpecErrors(
        parsed.errors,
        path,
      )}`,
    );
    return undefined;
  }
  return parsed.catalog;
}
