/**
 * kpaas backend plugin.
 *
 * @packageDocumentation
 */
export { kpaasPlugin as default } from './plugin';
