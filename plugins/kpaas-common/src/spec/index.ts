export {
  CLUSTER_SPEC_API_VERSION,
  CLUSTER_SPEC_KIND,
  MAX_CLUSTER_NAME_LENGTH,
  MAX_WORKERS,
  apiEndpointTypes,
  clusterAddonRefSchema,
  clusterEnvironments,
  clusterMetadataSchema,
  clusterNetworkSchema,
  clusterSpecBodySchema,
  clusterSpecSchema,
  clusterTargetSchema,
  clusterTargetTypes,
  controlPlaneSettingsSchema,
  dns1123LabelSchema,
  domainNameSchema,
  existingHostSchema,
  existingTargetSchema,
  ipv4AddressSchema,
  ipv4CidrSchema,
  ipv4RangeSchema,
  kakaoCloudTargetSchema,
  kubernetesSettingsSchema,
  kubernetesVersionSchema,
  machineSizeSchema,
  multipassTargetSchema,
  sshAccessSchema,
  vagrantProviders,
  vagrantTargetSchema,
  workerSettingsSchema,
} from './schema';
export type {
  ApiEndpointType,
  ClusterAddonRef,
  ClusterMetadata,
  ClusterNetwork,
  ClusterSpec,
  ClusterSpecInput,
  ClusterTarget,
  ClusterTargetType,
  ControlPlaneSettings,
  ExistingHost,
  ExistingTarget,
  KakaoCloudTarget,
  KubernetesSettings,
  MachineSize,
  MultipassTarget,
  SshAccess,
  VagrantTarget,
  WorkerSettings,
} from './schema';
export {
  DEFAULT_KUBERNETES_VERSION,
  KPAAS_CP_KUBERNETES_VERSION,
  LAST_CONTAINERD_1X_MINOR,
  KPAAS_CP_REQUIREMENTS,
  defaultKubernetesVersionFor,
  isSupportedKubernetesVersion,
  kubernetesInstallers,
  kubernetesVersionsFor,
  supportedKubernetesVersionTable,
  supportedKubernetesVersions,
} from './versions';
export type {
  KubernetesInstaller,
  SupportedKubernetesVersion,
} from './versions';
export {
  CONTROL_PLANE_MINIMUM,
  kakaoFlavors,
  lookupKakaoFlavor,
} from './flavors';
export type { KakaoFlavor } from './flavors';
export {
  cidrHost,
  formatIpv4,
  isUsableHostAddress,
  parseIpv4,
  parseIpv4Cidr,
  parseIpv4Range,
  rangeContains,
  rangesOverlap,
} from './network';
export type { Ipv4Cidr, Ipv4Range } from './network';
export { formatFieldPath, formatSpecErrors } from './errors';
export type { SpecValidationError } from './errors';
export {
  clusterSpecRules,
  parseClusterSpec,
  validateClusterSpec,
} from './validate';
export type {
  ClusterSpecParseResult,
  ClusterSpecRule,
  ClusterSpecSections,
  ParseClusterSpecOptions,
} from './validate';
export {
  NODE_ADDRESS_PLAN,
  deriveEndpoints,
  deriveInventory,
  deriveResourceTotals,
  plannedHostOffset,
  resolveApiEndpointType,
  resolveApiVip,
  targetHasPlannedAddresses,
} from './derive';
export type {
  DerivedEndpoints,
  PlannedNode,
  ResourceTotals,
  RoleResources,
} from './derive';
export {
  derivePlatformLinks,
  derivePlatformRoutingOfSpec,
  resolveAddonInstallSet,
  resolveAddonRefs,
} from './addonPlan';
export type {
  AddonInstallPlan,
  AddonInstallSetResult,
  PlannedAddon,
  PlatformLink,
} from './addonPlan';
export {
  defaultClusterSpec,
  defaultNetworkAddresses,
  defaultNodeCidrs,
} from './defaults';
export type { DefaultClusterSpecOptions } from './defaults';
export {
  TERRAFORM_VARIABLES_FILE,
  VAGRANT_CONFIG_FILE,
  deriveKakaoCloudVariables,
  deriveMultipassVariables,
  deriveTargetMachineConfig,
  deriveVagrantConfig,
} from './targets';
export type {
  KakaoCloudTerraformVariables,
  MultipassTerraformVariables,
  TargetMachineConfig,
  VagrantConfig,
} from './targets';
export {
  clusterOrderFormSchema,
  clusterSpecFromForm,
  clusterSpecInputFromForm,
  formFieldOfSpecPath,
  formatOrderFormErrors,
  previewClusterSpecFromForm,
} from './form';
export type {
  ClusterOrderForm,
  ClusterOrderFormError,
  ClusterSpecFromFormResult,
} from './form';
export {
  CLUSTER_YAML_HEADER,
  GENERATED_FROM_CLUSTER_YAML,
  platformHostNames,
  renderClusterYaml,
  renderHostsSnippet,
} from './render';
export { ASSIGNED_AT_APPLY, clusterSummary } from './summary';
export type { ClusterSummaryPlan } from './summary';
