export {
  ADDON_CATALOG_API_VERSION,
  ADDON_CATALOG_KIND,
  WELL_KNOWN_CAPABILITIES,
  addonCatalogSchema,
  addonCategories,
  addonDefinitionSchema,
  addonScriptSchema,
  addonUiSchema,
  credentialsRefSchema,
  helmAddonSchema,
  helmChartSchema,
  postInstallManifestSchema,
  readinessCheckSchema,
  scriptAddonSchema,
} from './schema';
export type {
  AddonCatalog,
  AddonCatalogInput,
  AddonCategory,
  AddonDefinition,
  AddonDefinitionInput,
  HelmChartRef,
} from './schema';
export { catalogIndex, checkAddonCatalog, parseAddonCatalog } from './catalog';
export type { AddonCatalogParseResult } from './catalog';
export { findDependencyCycle, orderByDependencies } from './graph';
export type { DependencyOrder } from './graph';
