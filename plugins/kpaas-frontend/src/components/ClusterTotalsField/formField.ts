import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  ClusterTotalsField,
  KPAAS_CLUSTER_TOTALS_FIELD,
} from './ClusterTotalsField';

/** The `KpaasClusterTotals` form field for the new frontend system's scaffolder. */
export const kpaasClusterTotalsFormField = createFormField({
  name: KPAAS_CLUSTER_TOTALS_FIELD,
  component: ClusterTotalsField,
});
