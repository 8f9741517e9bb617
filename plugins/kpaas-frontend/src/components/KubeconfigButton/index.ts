export { ClusterAccessCard } from './ClusterAccessCard';
export { KubeconfigButton } from './KubeconfigButton';
