/**
 * The kpaas scaffolder actions: kpaas:provision, kpaas:bootstrap and kpaas:addons.
 *
 * @packageDocumentation
 */
export * from './actions';
export { scaffolderModuleKpaas as default } from './module';
