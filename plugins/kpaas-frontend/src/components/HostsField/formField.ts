import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { HostsField, KPAAS_HOSTS_FIELD } from './HostsField';

/** The `KpaasHostsField` form field for the new frontend system's scaffolder. */
export const kpaasHostsFormField = createFormField({
  name: KPAAS_HOSTS_FIELD,
  component: HostsField,
});
