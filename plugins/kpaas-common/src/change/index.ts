export * from './applyChange';
export * from './addonChanges';
export * from './addonValuesInput';
export * from './clusterYamlEdit';
export * from './changeSummary';
export * from './changeSummaryTerraform';
export * from './upgradePath';
export { unifiedDiff } from './unifiedDiff';
