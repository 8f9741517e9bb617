export { ChangePlanField, KPAAS_CHANGE_PLAN_FIELD } from './ChangePlanField';
export type { ChangePlanFieldProps } from './ChangePlanField';
