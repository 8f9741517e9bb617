export {
  HELM_CHART_LABEL,
  HELM_INSTANCE_LABEL,
  chartVersionFromLabel,
  evaluateAddonReadiness,
  isCrdsOnlyAddon,
  observeWorkload,
} from './addonReadiness';
export type {
  AddonReadiness,
  ReadinessObservations,
  WorkloadKind,
  WorkloadObservation,
} from './addonReadiness';
export {
  evaluateGatewayApiObject,
  findGatewayApiObservation,
  observeGatewayApiObject,
} from './gatewayApi';
export type {
  GatewayApiCondition,
  GatewayApiObjectReadiness,
  GatewayApiObservation,
} from './gatewayApi';
