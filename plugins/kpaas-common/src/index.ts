/**
 * Common types, schemas, permissions and annotations shared by the kpaas plugins.
 *
 * @packageDocumentation
 */
export * from './permissions';
export * from './annotations';
export * from './inventory';
export * from './api';
export * from './retire';
export * from './spec';
export * from './addons';
export * from './readiness';
export { normalizeRepoUrl, sameRepo } from './repoUrl';
export * from './access';
export * from './accessSchema';
export * from './operations';
export * from './change';
export * from './taskFailure';
