export * from './applyChange';
export * from './clusterYamlEdit';
export * from './changeSummary';
export { unifiedDiff } from './unifiedDiff';
