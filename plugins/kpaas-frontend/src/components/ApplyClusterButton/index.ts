export { ApplyClusterButton } from './ApplyClusterButton';
