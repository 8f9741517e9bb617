export { ClusterContent } from './ClusterContent';
export { NodesTable } from './NodesTable';
