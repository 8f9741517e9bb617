export { ClusterOverviewCard } from './ClusterOverviewCard';
