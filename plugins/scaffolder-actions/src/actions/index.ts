export { createProvisionAction } from './provision';
export type { ProvisionActionOptions } from './provision';
export { createBootstrapAction } from './bootstrap';
export { createAddonsAction } from './addons';
export { verifyAddons } from './addons';
export type { AddonVerification } from './addons';
