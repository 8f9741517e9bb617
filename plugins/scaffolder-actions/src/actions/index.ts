export { createProvisionAction } from './provision';
export { createBootstrapAction } from './bootstrap';
export { createAddonsAction } from './addons';
