export { OperationsSection } from './OperationsSection';
export { OperationsView } from './OperationsView';
