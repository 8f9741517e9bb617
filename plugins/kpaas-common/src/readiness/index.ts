export {
  HELM_CHART_LABEL,
  HELM_INSTANCE_LABEL,
  chartVersionFromLabel,
  evaluateAddonReadiness,
  observeWorkload,
} from './addonReadiness';
export type {
  AddonReadiness,
  WorkloadKind,
  WorkloadObservation,
} from './addonReadiness';
