import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { AddonPicker, KPAAS_ADDON_PICKER_FIELD } from './AddonPicker';

/** The `KpaasAddonPicker` form field for the new frontend system's scaffolder. */
export const kpaasAddonPickerFormField = createFormField({
  name: KPAAS_ADDON_PICKER_FIELD,
  component: AddonPicker,
});
