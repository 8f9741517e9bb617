/**
 * kpaas frontend plugin: the fleet page, and the cluster card and Cluster tab on kubernetes-cluster
 * entities.
 *
 * @packageDocumentation
 */
export {
  kpaasPlugin,
  KpaasFleetPage,
  EntityKpaasClusterCard,
  EntityKpaasClusterContent,
  KpaasClusterTotalsFieldExtension,
  KpaasHostsFieldExtension,
  KpaasAddonPickerFieldExtension,
  KpaasChangePlanFieldExtension,
} from './plugin';
export type { HostEntry, HostsFieldProps } from './components/HostsField';
export type { AddonPickerProps } from './components/AddonPicker';
export type { ClusterTotalsFieldProps } from './components/ClusterTotalsField';
export type { FleetPageProps } from './components/FleetPage';
export {
  OrderReviewState,
  ReviewingTemplateWizard,
} from './components/OrderReview';
export type { ReviewingTemplateWizardProps } from './components/OrderReview';
export { KpaasTaskPage, TaskError } from './components/TaskError';
export type {
  KpaasTaskPageProps,
  TaskErrorProps,
} from './components/TaskError';
export { isKpaasCluster, kpaasClusterEntityFilter } from './conditions';
export { kpaasApiRef, KpaasClient } from './api';
export type { KpaasApi } from './api';
