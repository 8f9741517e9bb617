export { ChangeClusterButton } from './ChangeClusterButton';
