export {
  ClusterTotalsField,
  KPAAS_CLUSTER_TOTALS_FIELD,
} from './ClusterTotalsField';
export type { ClusterTotalsFieldProps } from './ClusterTotalsField';
