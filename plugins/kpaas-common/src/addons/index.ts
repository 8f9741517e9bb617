export {
  ADDON_CATALOG_API_VERSION,
  ADDON_CATALOG_KIND,
  WELL_KNOWN_CAPABILITIES,
  addonCatalogSchema,
  addonCategories,
  addonDefinitionSchema,
  addonRetirementSchema,
  addonScriptSchema,
  addonUiExtraPathSchema,
  addonUiSchema,
  gatewayApiChannels,
  gatewayApiImplementationSchema,
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
  AddonRetirement,
  GatewayApiImplementation,
  HelmChartRef,
} from './schema';
export {
  GATEWAY_API_CRDS,
  GATEWAY_API_GROUP,
  GATEWAY_API_VERSION,
  gatewayApiCrdConflict,
  gatewayApiImplementations,
} from './gatewayApi';
export { catalogIndex, checkAddonCatalog, parseAddonCatalog } from './catalog';
export type { AddonCatalogParseResult } from './catalog';
export {
  findDependencyCycle,
  installDependencies,
  orderByDependencies,
} from './graph';
export type { DependencyOrder } from './graph';
export {
  ADDON_LABEL,
  CLUSTER_GATEWAY_NAME,
  CLUSTER_GATEWAY_TLS_SECRET,
  derivePlatformRouting,
  describeRetirement,
  expectedGatewayApiObjects,
} from './routes';
export type {
  ExpectedGatewayApiObject,
  PlatformGateway,
  PlatformRoute,
  PlatformRouting,
} from './routes';
