/*
 * Kubernetes API stand-in of the proof rig. Tests, benchmarks and the local
 * demo only; never imported by production code.
 *
 *   const standIn = await startKubeApiStandIn({ fixture: kpaasHaFixture() });
 *   await standIn.writeKubeconfig(path);          // kubectl --kubeconfig path get nodes
 *   standIn.store.create({...});                  // watchers see ADDED
 *   standIn.faults.add({ match: '/api/v1/nodes', status: 500, times: 1 });
 *   standIn.countRequests({ verb: 'list', resource: 'nodes' });
 *   await standIn.close();
 */
export { startKubeApiStandIn, ADMIN_USER } from './standIn';
export type {
  KubeApiStandIn,
  KubeApiStandInOptions,
  Fault,
  FaultSpec,
  RequestLogEntry,
  TokenIdentity,
  ProxyHandler,
  ProxyKind,
  ProxyTarget,
} from './standIn';
export { KubeStore } from './store';
export type {
  WriteOptions,
  WriteScope,
  DeleteOptions,
  ListQuery,
  ListResult,
  WatchQuery,
  WatchSubscription,
  TypedListQuery,
} from './store';
export { ResourceRegistry } from './resources';
export type { ResourceDefinition, CustomResourceSpec } from './resources';
export { KubeApiError } from './status';
export type { HealthEndpoint } from './health';
export { FaultInjector, RequestLog } from './faults';
export type { RequestCountFilter } from './faults';
export type { KubeconfigOptions } from './kubeconfig';
export type { IssuedCertificate } from './tls';
export type { PatchType } from './patch';
export { parseLabelSelector, matchesLabels } from './selectors';
export {
  upsertCondition,
  nodeConditions,
  withNodeReady,
  deploymentStatus,
  statefulSetStatus,
  daemonSetStatus,
  podRunningStatus,
} from './workloadStatus';
export type {
  KubeObject,
  KubeObjectMeta,
  KubeStatus,
  FixtureObjects,
  ObjectRef,
  WatchEvent,
  WatchEventType,
  ManagedFieldsEntry,
} from './types';
export { KUBECTL, kubectlAvailable, runKubectl, spawnKubectl } from './kubectl';
export type { KubectlOptions, KubectlResult, KubectlProcess } from './kubectl';
export { rawRequest } from './rawRequest';
export type { RawRequestOptions, RawResponse } from './rawRequest';
export { HealthChecks as KubeHealthChecks } from './health';
export {
  ENVOY_GATEWAY_CONTROLLER,
  GATEWAY_API_CRD_FIXTURES,
  GATEWAY_API_GROUP_VERSION,
  gatewayProxyName,
  startGatewayApiController,
} from './gatewayApi';
export type { GatewayApiControllerOptions } from './gatewayApi';
