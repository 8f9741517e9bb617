export { AddonPicker, KPAAS_ADDON_PICKER_FIELD } from './AddonPicker';
export type { AddonPickerProps } from './AddonPicker';
export { addonGroups, toggleAddon, withDependencies } from './addonChoice';
