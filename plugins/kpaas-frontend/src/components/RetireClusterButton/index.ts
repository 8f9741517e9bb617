export { RetireClusterButton } from './RetireClusterButton';
