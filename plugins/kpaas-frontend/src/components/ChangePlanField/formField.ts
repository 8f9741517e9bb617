import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ChangePlanField, KPAAS_CHANGE_PLAN_FIELD } from './ChangePlanField';

/** The `KpaasChangePlan` form field for the new frontend system's scaffolder. */
export const kpaasChangePlanFormField = createFormField({
  name: KPAAS_CHANGE_PLAN_FIELD,
  component: ChangePlanField,
});
