export * from './applyChange';
export * from './clusterYamlEdit';
export * from './changeSummary';
export * from './upgradePath';
export { unifiedDiff } from './unifiedDiff';
